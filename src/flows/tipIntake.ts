/**
 * The intake steps shared by the JSON/multipart API and the HTML form: parse
 * the upload, clean every photo, validate the fields, create the tip. The two
 * routes differ only in how they answer.
 */
import type { NextFunction, Request, Response } from "express";
import multer from "multer";
import type { AppContext } from "../context.js";
import { createTip, type AcceptedPhoto, type CreatedTip } from "../commands/tipCreator.js";
import { PhotoError, sanitizePhoto } from "../photos/sanitizePhoto.js";
import { validateTip } from "../validation/tip.js";
import type { KeptAnswer } from "../redis/replayStore.js";

export type IntakeResult = { ok: true; created: CreatedTip; category: string } | { ok: false; fields: Record<string, string> };

/** multer with the configured limits; files stay in memory (never on disk) and are re-encoded at once. */
export function photoUpload(ctx: AppContext) {
  const { maxPhotoBytes, maxPhotos } = ctx.config.limits;
  return multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxPhotoBytes, files: maxPhotos, fields: 20, fieldSize: 24 * 1024, parts: maxPhotos + 20, headerPairs: 50 },
  }).array("photos", maxPhotos);
}

/** Run multer and hand its error (if any) to `onError` instead of the global handler. */
export function runUpload(ctx: AppContext, req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve) => photoUpload(ctx)(req, res, ((err?: unknown) => resolve(err ?? null)) as NextFunction));
}

async function cleanPhotos(files: Express.Multer.File[], keepGps: boolean): Promise<{ photos: AcceptedPhoto[]; error?: string }> {
  const photos: AcceptedPhoto[] = [];
  for (const file of files) {
    try {
      photos.push(await sanitizePhoto(file.buffer, keepGps));
    } catch (e) {
      if (e instanceof PhotoError) return { photos: [], error: `errors.${e.reason}` };
      throw e;
    }
  }
  return { photos };
}

/** Validate fields and photos together, so the tipster sees every problem at once; create the tip when all is well. */
export async function acceptTip(ctx: AppContext, fields: unknown, files: Express.Multer.File[] = []): Promise<IntakeResult> {
  const tree = await ctx.units.tree();
  const checked = validateTip(fields, tree);
  const keepGps = checked.ok && checked.value.sharePhotoLocation;
  const { photos, error } = await cleanPhotos(files, keepGps);
  const errors = checked.ok ? {} : { ...checked.fields };
  if (error) errors.photos ??= error;
  if (!checked.ok || error) return { ok: false, fields: errors };
  const created = await createTip(ctx, checked.value, photos);
  return { ok: true, created, category: checked.value.category };
}

/** How long a repeated submission waits for the first one's answer while that one is still being processed. */
export const REPLAY_WAIT_MS = 25_000;

export type OnceResult =
  | ({ kind: "created" | "replayed" } & KeptAnswer)
  | { kind: "invalid"; fields: Record<string, string> }
  /** The first submission with this token is still being processed after REPLAY_WAIT_MS. */
  | { kind: "pending" }
  /** The token was used and its answer is no longer kept. */
  | { kind: "used" };

/**
 * acceptTip, once per token: the first submission with `token` creates the
 * tip and keeps its answer (encrypted, see redis/replayStore.ts); a repeat
 * gets that same answer. A refused or failed submission frees the token.
 */
export async function acceptTipOnce(
  ctx: AppContext,
  once: { ns: "form" | "api"; token: string; claimUntil: number },
  fields: unknown,
  files: Express.Multer.File[] = [],
): Promise<OnceResult> {
  const claim = await ctx.replays.claim(once.ns, once.token, REPLAY_WAIT_MS);
  if (claim.state === "replay") return { kind: "replayed", ...claim.answer };
  if (claim.state !== "first") return { kind: claim.state };
  let result: IntakeResult;
  try {
    result = await acceptTip(ctx, fields, files);
  } catch (err) {
    await ctx.replays.release(claim);
    throw err;
  }
  if (!result.ok) {
    await ctx.replays.release(claim);
    return { kind: "invalid", fields: result.fields };
  }
  const answer = { receipt: result.created.receipt, helpRequest: result.category === "help_request" };
  await ctx.replays.settle(claim, answer, once.claimUntil);
  return { kind: "created", ...answer };
}
