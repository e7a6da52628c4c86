/**
 * The report form's token: signed (keyed BLAKE2b), expiring, single-use, and
 * without a cookie (a cookie would be one more thing on a tipster's phone).
 * It stops the form being posted from another site or replayed. A used token's
 * random nonce is remembered in Redis until it would have expired anyway.
 */
import type { Request } from "express";
import type { AppContext } from "../context.js";
import { constantTimeEqual, mac, randomBytes, utf8 } from "../crypto/index.js";

export function issueFormToken(ctx: AppContext): string {
  const payload = `${Date.now()}.${Buffer.from(randomBytes(16)).toString("hex")}`;
  return `${payload}.${mac(ctx.keys.formToken, payload)}`;
}

/** True when the token is authentic, unexpired and not used before (it is used up now). */
export async function consumeFormToken(ctx: AppContext, token: unknown): Promise<boolean> {
  if (typeof token !== "string" || token.length > 200) return false;
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [issued, nonce, sig] = parts as [string, string, string];
  if (!constantTimeEqual(utf8.encode(mac(ctx.keys.formToken, `${issued}.${nonce}`)), utf8.encode(sig))) return false;
  const age = Date.now() - Number(issued);
  if (!(age >= 0 && age <= ctx.config.limits.formTokenTtlMs)) return false;
  try {
    const fresh = await ctx.redis.set(`${ctx.config.redisPrefix}:formtoken:${nonce}`, "1", "PX", ctx.config.limits.formTokenTtlMs, "NX");
    return fresh === "OK";
  } catch {
    // Redis down: accept an authentic, unexpired token rather than lose the tip.
    return true;
  }
}

/** Browsers say where a form post comes from; a cross-site post is refused outright. */
export function isCrossSite(req: Request): boolean {
  const site = req.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = req.get("origin");
  if (origin && origin !== "null") {
    try {
      return new URL(origin).host !== req.get("host");
    } catch {
      return true;
    }
  }
  return false;
}
