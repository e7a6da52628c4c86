/**
 * One log line per request: a random request id, the method, the route
 * pattern (not the URL: query strings can carry anything), the status and the
 * duration. Never the address, the user agent, headers or the body.
 */
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";

export function requestLog(logger: Logger, metrics?: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.on("finish", () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? "(unmatched)" : req.baseUrl || "(middleware)";
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ requestId, method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "request");
      metrics?.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
    });
    next();
  };
}
