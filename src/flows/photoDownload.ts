/**
 * Sending a decrypted photo, the same for the staff page, the staff API and
 * the tipster's follow-up page: every photo was re-encoded as a JPEG without
 * metadata at intake, is shown inline, and is never cached (the routers send
 * no-store). For staff, opening it checks the policy and writes the
 * case.photo_downloaded audit row (commands/caseContentOpener.ts openCasePhoto).
 */
import type { Response } from "express";
import { loadCase } from "../cases/caseView.js";
import { openCasePhoto } from "../commands/caseContentOpener.js";
import type { AppContext } from "../context.js";
import type { Bytes } from "../crypto/index.js";
import { staffOf } from "../middlewares/staffSession.js";

export function sendPhoto(res: Response, bytes: Bytes): void {
  res.setHeader("Content-Type", "image/jpeg");
  res.setHeader("Content-Disposition", "inline");
  res.end(Buffer.from(bytes));
}

/** One photo of a case, for the signed-in staff member (404 when the case or photo is not there, 403 by policy). */
export async function sendCasePhoto(ctx: AppContext, res: Response, caseId: string, photoId: string): Promise<void> {
  const staff = staffOf(res);
  const tip = await loadCase(ctx, caseId);
  sendPhoto(res, await openCasePhoto(ctx, staff.actor, staff.session.privateKey, tip, photoId));
}
