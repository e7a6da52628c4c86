/**
 * Rate limits without identifying anyone: a client is known only by
 * MAC(client address, a key that changes every UTC day), so the raw address is
 * never stored, and yesterday's counters cannot be linked to today's. IPv6
 * addresses are cut to their /56 first (one household's range).
 *
 * Counters live in Redis (shared by every web process). If Redis is down the
 * limiter lets requests through rather than refusing tips: a tip line that is
 * closed during an outage loses reports, a burst of spam does not.
 */
import type { NextFunction, Request, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { RedisStore } from "rate-limit-redis";
import type { AppContext } from "../context.js";
import { mac } from "../crypto/index.js";
import { rateLimited } from "../errors.js";

/** The hashed client key of a request (also used by login throttling later). */
export function clientKey(ctx: AppContext, req: Request): string {
  return mac(ctx.keys.clientAddress(), ipKeyGenerator(req.ip ?? "unknown", 56));
}

interface LimitOptions {
  name: string;
  windowMs: number;
  limit: number;
  /** "client" counts per hashed address, "global" counts everyone together. */
  per: "client" | "global";
}

export function limiter(ctx: AppContext, opts: LimitOptions) {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    passOnStoreError: true,
    validate: false,
    keyGenerator: (req) => (opts.per === "global" ? "all" : clientKey(ctx, req)),
    store: new RedisStore({
      prefix: `${ctx.config.redisPrefix}:rl:${opts.name}:`,
      sendCommand: (command: string, ...args: string[]) => ctx.redis.call(command, ...args) as never,
    }),
    handler: (_req: Request, _res: Response, next: NextFunction) => next(rateLimited()),
  });
}

/** The limits on tip intake: per client per hour, and everyone per minute. */
export function tipLimits(ctx: AppContext) {
  return [
    limiter(ctx, { name: "tips-global", windowMs: 60_000, limit: ctx.config.limits.tipsGlobalPerMinute, per: "global" }),
    limiter(ctx, { name: "tips", windowMs: 3_600_000, limit: ctx.config.limits.tipsPerHour, per: "client" }),
  ];
}

/** The receipt sign-in limits: per hashed client address, and for everyone together. */
export function receiptLimits(ctx: AppContext) {
  return [
    limiter(ctx, { name: "receipt-global", windowMs: 60_000, limit: 600, per: "global" }),
    limiter(ctx, { name: "receipt", windowMs: 3_600_000, limit: ctx.config.limits.receiptsPerHour, per: "client" }),
  ];
}

/** Follow-up messages: per hashed client address and for everyone, before any upload is read. */
export function messageLimits(ctx: AppContext) {
  return [
    limiter(ctx, { name: "messages-global", windowMs: 60_000, limit: ctx.config.limits.tipsGlobalPerMinute, per: "global" }),
    limiter(ctx, { name: "messages", windowMs: 3_600_000, limit: ctx.config.limits.tipsPerHour * 3, per: "client" }),
  ];
}
