/**
 * The intake steps shared by the JSON/multipart API and the HTML form: parse
 * the upload, clean every photo, validate the fields, create the tip. The two
 * routes differ only in how they answer.
 */
import type { NextFunction, Request, Response } from "express";
import multer from "multer";
import type { AppContext } from "../context.js";
import { createTip, type CreatedTip } from "../commands/tipCreator.js";
import { sanitizePhotos } from "../photos/sanitizePhoto.js";
import { validateTip } from "../validation/tip.js";
import type { TipAnswer } from "../redis/replayStore.js";
import { submitOnce, type Once, type OnceResult } from "./submitOnce.js";

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

/** Validate fields and photos together, so the tipster sees every problem at once; create the tip when all is well. */
export async function acceptTip(ctx: AppContext, fields: unknown, files: Express.Multer.File[] = []): Promise<IntakeResult> {
  const tree = await ctx.units.tree();
  const checked = validateTip(fields, tree);
  const keepGps = checked.ok && checked.value.sharePhotoLocation;
  const { photos, error } = await sanitizePhotos(files.map((f) => f.buffer), keepGps);
  const errors = checked.ok ? {} : { ...checked.fields };
  if (error) errors.photos ??= error;
  if (!checked.ok || error) return { ok: false, fields: errors };
  const created = await createTip(ctx, checked.value, photos);
  return { ok: true, created, category: checked.value.category };
}

/**
 * acceptTip, once per token (the report form's token, or the API's
 * Idempotency-Key): the first submission with `token` creates the tip and
 * keeps its receipt; a repeat gets that same receipt (flows/submitOnce.ts).
 */
export async function acceptTipOnce(
  ctx: AppContext,
  once: Once<"form" | "api">,
  fields: unknown,
  files: Express.Multer.File[] = [],
): Promise<OnceResult<TipAnswer>> {
  return submitOnce(ctx, once, async () => {
    const result = await acceptTip(ctx, fields, files);
    if (!result.ok) return result;
    return { ok: true, answer: { receipt: result.created.receipt, helpRequest: result.category === "help_request" } };
  });
}
