/**
 * tipsterSignIn: a tipster comes back with their receipt. One argon2id
 * derivation gives the lookup value and the wrapping key; it is done even for
 * a receipt that is malformed or unknown, so a wrong receipt costs and looks
 * the same as a right one. A burst of failures anywhere slows every receipt
 * sign-in down (a shared delay) instead of locking any particular tip — no
 * tip can be locked out by someone guessing at it.
 */
import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { tips } from "../db/schema.js";

/** Failures in the current minute above which every sign-in waits a little longer. */
const FREE_FAILURES_PER_MINUTE = 30;
const MAX_DELAY_MS = 5_000;

const failureKey = (ctx: AppContext) => `${ctx.config.redisPrefix}:receipt-failures:${Math.floor(Date.now() / 60_000)}`;

/** The shared slow-down for the current minute, in ms. */
export async function receiptDelayMs(ctx: AppContext): Promise<number> {
  const n = Number((await ctx.redis.get(failureKey(ctx)).catch(() => null)) ?? 0);
  return Math.min(MAX_DELAY_MS, Math.max(0, n - FREE_FAILURES_PER_MINUTE) * 100);
}

async function countFailure(ctx: AppContext): Promise<void> {
  await ctx.redis.multi().incr(failureKey(ctx)).expire(failureKey(ctx), 120).exec().catch(() => undefined);
}

/** The tip id and its private key (null when purged), or null for a wrong receipt. */
export async function tipsterSignIn(ctx: AppContext, receipt: string): Promise<{ tipId: string; privateKey: crypto.Bytes | null } | null> {
  const delay = await receiptDelayMs(ctx);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const digits = crypto.normalizeReceipt(receipt);
  // A malformed receipt still pays for one derivation, so its answer takes as long.
  const { lookup, wrapKey } = await crypto.deriveReceiptKeys(digits ?? "0000000000000000", ctx.keys.receiptSalt);
  const [tip] = await ctx.database.db.select({ id: tips.id, wrapped: tips.receiptWrappedKey, purgedAt: tips.purgedAt }).from(tips).where(eq(tips.receiptLookup, lookup));
  if (!digits || !tip) {
    await countFailure(ctx);
    return null;
  }
  if (tip.purgedAt || tip.wrapped.length === 0) return { tipId: tip.id, privateKey: null };
  return { tipId: tip.id, privateKey: crypto.unwrapWithKey(tip.wrapped, wrapKey, `receipt:${tip.id}`) };
}
