/**
 * The tipster follow-up steps shared by the JSON API and the HTML pages:
 * sign in with the receipt, and add a message with photos (same photo rules
 * as at intake: size, real type, metadata removed), once per form token or
 * Idempotency-Key.
 */
import type { Request, Response } from "express";
import { addTipsterMessage } from "../commands/tipsterMessageCreator.js";
import { tipsterSignIn } from "../commands/tipsterSignIn.js";
import type { AppContext } from "../context.js";
import { readCookie } from "../middlewares/staffSession.js";
import { tipsterCookieOptions, tipsterOf } from "../middlewares/tipsterSession.js";
import { sanitizePhotos } from "../photos/sanitizePhoto.js";
import { TIPSTER_COOKIE } from "../sessions/sessionStore.js";
import { validate } from "../validation/parse.js";
import { tipsterMessageSchema } from "../validation/cases.js";
import { submitOnce } from "./submitOnce.js";

/** True when signed in (cookie set); false for a wrong receipt. */
export async function receiptSignIn(ctx: AppContext, req: Request, res: Response, receipt: string): Promise<boolean> {
  const found = await tipsterSignIn(ctx, receipt);
  if (!found) return false;
  await ctx.tipsterSessions.destroy(readCookie(req, TIPSTER_COOKIE));
  const { cookie } = await ctx.tipsterSessions.create(found.tipId, found.privateKey);
  res.cookie(TIPSTER_COOKIE, cookie, tipsterCookieOptions(ctx));
  return true;
}

/** Validate and store a tipster message; returns field errors (locale keys) or null. */
export async function postTipsterMessage(ctx: AppContext, res: Response, body: unknown, files: Express.Multer.File[]): Promise<Record<string, string> | null> {
  const checked = validate(tipsterMessageSchema, body);
  const { photos, error: photoError } = await sanitizePhotos(files.map((f) => f.buffer), false);
  if (!checked.ok || photoError) return { ...(checked.ok ? {} : checked.fields), ...(photoError ? { photos: photoError } : {}) };
  await addTipsterMessage(ctx, tipsterOf(res).tipId, checked.value.text, photos);
  return null;
}

export type ReplyResult = { kind: "sent" } | { kind: "invalid"; fields: Record<string, string> } | { kind: "pending" };

/**
 * postTipsterMessage once per token: the follow-up form's token (`via`
 * "form") or the API's Idempotency-Key ("api"), claimed in a namespace of the
 * signed-in tip, so a token means nothing to another tip. A repeat (a double
 * tap, a reload after the connection dropped) stores nothing and is told the
 * message was sent; one sent while the first is still being processed waits
 * for it ("pending" if it is still not done). A refused message frees the
 * token: the tipster corrects it and sends again.
 */
export async function postTipsterMessageOnce(
  ctx: AppContext,
  res: Response,
  once: { via: "form" | "api"; token: string; claimUntil: number },
  body: unknown,
  files: Express.Multer.File[],
): Promise<ReplyResult> {
  const ns = `reply:${once.via}:${tipsterOf(res).tipId}` as const;
  const result = await submitOnce(ctx, { ns, token: once.token, claimUntil: once.claimUntil }, async () => {
    const fields = await postTipsterMessage(ctx, res, body, files);
    return fields ? { ok: false, fields } : { ok: true, answer: null };
  });
  if (result.kind === "invalid" || result.kind === "pending") return result;
  // A reply keeps no answer, so a repeat finds its token "used": done, which means the message was stored.
  return { kind: "sent" };
}
