/**
 * TOTP second factor (RFC 6238, otplib). The secret is kept encrypted under a
 * SECRET_KEY sub-key; a code is accepted once (the last used time step is
 * remembered in Redis), with one step of clock drift either way.
 */
import { generateSecret, generateURI, verifySync } from "otplib";
import QRCode from "qrcode";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";

export function newTotpSecret(): string {
  return generateSecret();
}

export function sealTotpSecret(ctx: AppContext, userId: string, secret: string): crypto.Bytes {
  return crypto.wrapWithKey(crypto.utf8.encode(secret), ctx.keys.totp, `totp:${userId}`);
}

export function openTotpSecret(ctx: AppContext, userId: string, sealed: crypto.Bytes): string {
  return crypto.utf8.decode(crypto.unwrapWithKey(sealed, ctx.keys.totp, `totp:${userId}`));
}

export function otpauthUrl(email: string, secret: string): string {
  return generateURI({ issuer: "homthu", label: email, secret });
}

/** The otpauth URL as an SVG QR code, drawn here (no external service sees the secret). */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
}

/** Check a code and burn its time step so it cannot be replayed. */
export async function verifyTotp(ctx: AppContext, userId: string, secret: string, code: unknown): Promise<boolean> {
  if (typeof code !== "string" || !/^\d{6}$/.test(code)) return false;
  const result = verifySync({ secret, token: code, epochTolerance: 30 }) as { valid: boolean; timeStep?: number };
  if (!result.valid || result.timeStep === undefined) return false;
  // Atomic: the first request to claim this (user, time step) wins; a racing replay finds the key taken.
  // A step older than the last accepted one is refused too (codes only move forward).
  const lastKey = `${ctx.config.redisPrefix}:totp:${userId}`;
  const last = Number((await ctx.redis.get(lastKey)) ?? -1);
  if (result.timeStep <= last) return false;
  const claimed = await ctx.redis.set(`${lastKey}:${result.timeStep}`, "1", "EX", 300, "NX");
  if (claimed !== "OK") return false;
  await ctx.redis.set(lastKey, String(result.timeStep), "EX", 300);
  return true;
}
