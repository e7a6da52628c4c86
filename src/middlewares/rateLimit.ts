/**
 * Rate limits without identifying anyone: a client is known only by
 * MAC(client address, a key that changes every UTC day), so the raw address is
 * never stored, and yesterday's counters cannot be linked to today's. IPv6
 * addresses are cut to their /56 first (one household's range).
 *
 * Counters live in Redis (shared by every web process) in windows aligned to
 * the clock, each expiring at its window's end (redis/alignedWindowStore.ts).
 * If Redis is down, each process counts in memory with the same limits until
 * Redis is back: the limits neither fail open nor close the tip line.
 */
import type { NextFunction, Request, Response } from "express";
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo } from "express-rate-limit";
import type { AppContext } from "../context.js";
import { mac } from "../crypto/index.js";
import { rateLimited } from "../errors.js";
import { AlignedWindowStore } from "../redis/alignedWindowStore.js";
import type { Granularity } from "../time/coarse.js";

/** The hashed client key of a request (also used by login throttling later). */
export function clientKey(ctx: AppContext, req: Request): string {
  return mac(ctx.keys.clientAddress(), ipKeyGenerator(req.ip ?? "unknown", 56));
}

interface LimitOptions {
  name: string;
  /** The clock-aligned window: counts restart at every minute or hour boundary. */
  window: Granularity;
  limit: number;
  /** "client" counts per hashed address, "global" counts everyone together. */
  per: "client" | "global";
}

const WINDOW_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000 };

function counterStore(ctx: AppContext, opts: LimitOptions): AlignedWindowStore {
  return new AlignedWindowStore(ctx.redis, `${ctx.config.redisPrefix}:rl:${opts.name}:`, opts.window, (degraded, err) =>
    degraded
      ? ctx.logger.warn({ limit: opts.name, reason: err instanceof Error ? err.message : String(err) }, "rate limit counting in memory: Redis unavailable")
      : ctx.logger.info({ limit: opts.name }, "rate limit counting in Redis again"),
  );
}

export function limiter(ctx: AppContext, opts: LimitOptions) {
  return rateLimit({
    windowMs: WINDOW_MS[opts.window],
    limit: opts.limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    passOnStoreError: false, // the store never fails: it counts in memory when Redis cannot
    validate: false,
    keyGenerator: (req) => (opts.per === "global" ? "all" : clientKey(ctx, req)),
    store: counterStore(ctx, opts),
    handler: (_req: Request, _res: Response, next: NextFunction) => next(rateLimited()),
  });
}

/** express-rate-limit's draft-7 headers for one limit's count (and Retry-After when it is over). */
function limitHeaders(res: Response, opts: LimitOptions, info: ClientRateLimitInfo): void {
  const reset = Math.max(0, Math.ceil((info.resetTime!.getTime() - Date.now()) / 1000));
  res.setHeader("RateLimit-Policy", `${opts.limit};w=${WINDOW_MS[opts.window] / 1000}`);
  res.setHeader("RateLimit", `limit=${opts.limit}, remaining=${Math.max(opts.limit - info.totalHits, 0)}, reset=${reset}`);
  if (info.totalHits > opts.limit) res.setHeader("Retry-After", String(reset));
}

/**
 * Everyone's limit, then the client's, as two `limiter`s one after the other
 * would count and answer them (the client's counter is not touched once
 * everyone's is over; the headers are those of the last limit counted), but
 * in one Redis round trip instead of two: these pairs guard every tip and
 * tipster message, where a round trip is a noticeable part of the web
 * process's CPU per request besides argon2 (bench/results/intake-profile.md).
 */
function limitPair(ctx: AppContext, global: LimitOptions, client: LimitOptions) {
  const globalStore = counterStore(ctx, global);
  const clientStore = counterStore(ctx, client);
  return async (req: Request, res: Response, next: NextFunction) => {
    const [everyone, one] = await globalStore.incrementPair("all", global.limit, clientStore, clientKey(ctx, req));
    if (!one) return void (limitHeaders(res, global, everyone), next(rateLimited()));
    limitHeaders(res, client, one);
    next(one.totalHits > client.limit ? rateLimited() : undefined);
  };
}

/** The limits on tip intake: per client per hour, and everyone per minute. */
export function tipLimits(ctx: AppContext) {
  return [
    limitPair(
      ctx,
      { name: "tips-global", window: "minute", limit: ctx.config.limits.tipsGlobalPerMinute, per: "global" },
      { name: "tips", window: "hour", limit: ctx.config.limits.tipsPerHour, per: "client" },
    ),
  ];
}

/** The receipt sign-in limits: per hashed client address, and for everyone together. */
export function receiptLimits(ctx: AppContext) {
  return [
    limitPair(
      ctx,
      { name: "receipt-global", window: "minute", limit: 600, per: "global" },
      { name: "receipt", window: "hour", limit: ctx.config.limits.receiptsPerHour, per: "client" },
    ),
  ];
}

/** Follow-up messages: per hashed client address and for everyone, before any upload is read. */
export function messageLimits(ctx: AppContext) {
  return [
    limitPair(
      ctx,
      { name: "messages-global", window: "minute", limit: ctx.config.limits.tipsGlobalPerMinute, per: "global" },
      { name: "messages", window: "hour", limit: ctx.config.limits.tipsPerHour * 3, per: "client" },
    ),
  ];
}
