/**
 * GET /metrics — for the operator's Prometheus only: with
 * "Authorization: Bearer <METRICS_TOKEN>", or from the loopback interface when
 * METRICS_ALLOW_LOOPBACK is on (the address is checked, never stored).
 */
import { Router } from "express";
import type { AppContext } from "../context.js";
import { constantTimeEqual, utf8 } from "../crypto/index.js";
import { notFound } from "../errors.js";

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export function metricsRoute(ctx: AppContext): Router {
  const router = Router();
  router.get("/metrics", async (req, res) => {
    const auth = req.get("authorization") ?? "";
    const token = ctx.config.metricsToken;
    const byToken = !!token && auth.startsWith("Bearer ") && constantTimeEqual(utf8.encode(auth.slice(7)), utf8.encode(token));
    // The socket's own address, not X-Forwarded-For: a proxied request from outside is not loopback.
    // Off by default in production: an onion service (or a proxy without X-Forwarded-For) also connects from loopback.
    const local = ctx.config.metricsAllowLoopback && LOOPBACK.test(req.socket.remoteAddress ?? "") && !req.get("x-forwarded-for");
    if (!byToken && !local) throw notFound();
    res.setHeader("Content-Type", ctx.metrics.registry.contentType);
    res.setHeader("Cache-Control", "no-store");
    res.send(await ctx.metrics.registry.metrics());
  });
  return router;
}
