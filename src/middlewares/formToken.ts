/**
 * The token of a tipster's form (the report form, the follow-up reply form):
 * signed (keyed BLAKE2b), expiring, single-use, and without a cookie (a cookie
 * would be one more thing on a tipster's phone). It stops the form being
 * posted from another site, and a second post of the same form ends as the
 * first did instead of making a second tip or message (the claim, and a tip's
 * kept answer, live in Redis under names derived from the whole token:
 * redis/replayStore.ts, flows/submitOnce.ts).
 */
import type { Request } from "express";
import type { AppContext } from "../context.js";
import { constantTimeEqual, mac, randomBytes, utf8 } from "../crypto/index.js";
import { bucketEnd } from "../time/coarse.js";

export function issueFormToken(ctx: AppContext): string {
  const payload = `${Date.now()}.${Buffer.from(randomBytes(16)).toString("hex")}`;
  return `${payload}.${mac(ctx.keys.formToken, payload)}`;
}

/**
 * When an authentic, unexpired token stops being usable (epoch ms): the end of
 * the hour in which it expires, so that its claim in Redis expires on an hour
 * boundary. Null for a forged, malformed or expired token.
 */
export function formTokenLapse(ctx: AppContext, token: unknown): number | null {
  if (typeof token !== "string" || token.length > 200) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [issued, nonce, sig] = parts as [string, string, string];
  if (!constantTimeEqual(utf8.encode(mac(ctx.keys.formToken, `${issued}.${nonce}`)), utf8.encode(sig))) return null;
  const age = Date.now() - Number(issued);
  if (!(age >= 0 && age <= ctx.config.limits.formTokenTtlMs)) return null;
  return bucketEnd("hour", new Date(Number(issued) + ctx.config.limits.formTokenTtlMs)).getTime();
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
