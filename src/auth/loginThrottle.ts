/**
 * Slowing down password guessing, per account. State lives in Redis under a
 * MAC of the email address, so an unknown address is throttled exactly like a
 * known one (the answer never tells which). After each failure the next try
 * must wait 2^(failures-3) seconds (no wait for the first three); after
 * LOGIN_LOCK_AFTER failures the address is locked for LOGIN_LOCK_MINUTES, or
 * until an administrator unlocks it.
 */
import type { AppContext } from "../context.js";
import { mac } from "../crypto/index.js";

interface State {
  failures: number;
  lastFailureAt: number;
  lockedUntil?: number;
}

const key = (ctx: AppContext, email: string) => `${ctx.config.redisPrefix}:login:${mac(ctx.keys.loginThrottle, email.trim().toLowerCase())}`;

async function read(ctx: AppContext, email: string): Promise<State> {
  const raw = await ctx.redis.get(key(ctx, email));
  return raw ? (JSON.parse(raw) as State) : { failures: 0, lastFailureAt: 0 };
}

/** Seconds to wait before another try is considered, or 0. */
export async function waitSeconds(ctx: AppContext, email: string): Promise<number> {
  const s = await read(ctx, email);
  const now = Date.now();
  if (s.lockedUntil && s.lockedUntil > now) return Math.ceil((s.lockedUntil - now) / 1000);
  if (s.failures < 3) return 0;
  const until = s.lastFailureAt + 1000 * 2 ** Math.min(s.failures - 3, 10);
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/** Count a failure; returns true when this failure locked the account. */
export async function recordFailure(ctx: AppContext, email: string): Promise<boolean> {
  const s = await read(ctx, email);
  const failures = s.failures + 1;
  const locked = failures >= ctx.config.auth.lockAfter;
  const next: State = { failures: locked ? 0 : failures, lastFailureAt: Date.now(), lockedUntil: locked ? Date.now() + ctx.config.auth.lockMs : s.lockedUntil };
  await ctx.redis.set(key(ctx, email), JSON.stringify(next), "PX", Math.max(ctx.config.auth.lockMs, 3_600_000));
  return locked;
}

export async function clearFailures(ctx: AppContext, email: string): Promise<void> {
  await ctx.redis.del(key(ctx, email));
}

/** Whether the address is locked now (for the administrators' user list). */
export async function isLocked(ctx: AppContext, email: string): Promise<boolean> {
  const s = await read(ctx, email);
  return !!s.lockedUntil && s.lockedUntil > Date.now();
}
