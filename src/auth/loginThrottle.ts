/**
 * Slowing down password guessing, per account. State lives in Redis under a
 * MAC of the email address, so an unknown address is throttled exactly like a
 * known one (the answer never tells which). After each failure the next try
 * must wait 2^(failures-3) seconds (no wait for the first three); after
 * LOGIN_LOCK_AFTER failures the address is locked for LOGIN_LOCK_MINUTES, or
 * until an administrator unlocks it. Attempts are reserved atomically.
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

/**
 * Reserve one attempt, atomically (a Lua script): refused with the seconds to
 * wait while locked or inside the backoff; otherwise counted as a failure up
 * front, so parallel attempts cannot all slip past the backoff while argon2
 * runs. A success clears the count (clearFailures). The attempt that reaches
 * LOGIN_LOCK_AFTER sets the lock for the ones after it.
 */
const RESERVE = `
local raw = redis.call('GET', KEYS[1])
local now, lockAfter, lockMs, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local s = { failures = 0, lastFailureAt = 0 }
if raw then s = cjson.decode(raw) end
if s.lockedUntil and s.lockedUntil > now then return { 1, math.ceil((s.lockedUntil - now) / 1000) } end
if s.failures >= 3 then
  local untilT = s.lastFailureAt + 1000 * 2 ^ math.min(s.failures - 3, 10)
  if untilT > now then return { 1, math.ceil((untilT - now) / 1000) } end
end
local nxt = { failures = s.failures + 1, lastFailureAt = now }
local locked = 0
if nxt.failures >= lockAfter then nxt.failures = 0; nxt.lockedUntil = now + lockMs; locked = 1 end
redis.call('SET', KEYS[1], cjson.encode(nxt), 'PX', ttl)
return { 0, locked }`;

export type Reservation = { waitSeconds: number; locksAfterThis: boolean };

export async function reserveAttempt(ctx: AppContext, email: string): Promise<Reservation> {
  const ttl = Math.max(ctx.config.auth.lockMs, 3_600_000);
  const [refused, n] = (await ctx.redis.eval(RESERVE, 1, key(ctx, email), Date.now(), ctx.config.auth.lockAfter, ctx.config.auth.lockMs, ttl)) as [number, number];
  return refused ? { waitSeconds: Math.max(1, n), locksAfterThis: false } : { waitSeconds: 0, locksAfterThis: n === 1 };
}

export async function clearFailures(ctx: AppContext, email: string): Promise<void> {
  await ctx.redis.del(key(ctx, email));
}

/** Whether the address is locked now (for the administrators' user list). */
export async function isLocked(ctx: AppContext, email: string): Promise<boolean> {
  const s = await read(ctx, email);
  return !!s.lockedUntil && s.lockedUntil > Date.now();
}
