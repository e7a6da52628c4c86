/**
 * caseContentOpener: open a case's content for a staff member — when the
 * policy allows it and the person holds a key wrap, the decrypted report,
 * messages and notes (photos are listed; their bytes are opened one by one).
 * Each opening writes its audit row (case.content_viewed,
 * case.photo_downloaded): who read which case is recorded, even though
 * nothing in the case changes.
 */
import { and, asc, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { tipKeyPairFor, type CaseContent, type CaseMessage } from "../cases/caseView.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import type { TipRow } from "../db/rows.js";
import { tipItems } from "../db/schema.js";
import { notFound } from "../errors.js";
import { authorizeCase, type Actor, type CaseAction } from "../policies/index.js";
import type { ReportContent } from "../tips/reportContent.js";

function decryptJson<T>(item: typeof tipItems.$inferSelect, tipId: string, keys: crypto.KeyPair): T {
  return JSON.parse(crypto.utf8.decode(crypto.decryptItem(item, tipId, item.id, keys))) as T;
}

/** Decrypted content, or null when the person holds no key for this tip. */
export async function openCaseContent(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, tip: TipRow, action: CaseAction = "case.viewContent"): Promise<CaseContent | null> {
  authorizeCase(actor, action, tip);
  const keys = await tipKeyPairFor(ctx, actor, privateKey, tip.id);
  if (!keys) return null;
  // In the order of events: the tip's own item positions; the stored hour only breaks ties of older rows.
  const items = await ctx.database.db.select().from(tipItems).where(eq(tipItems.tipId, tip.id)).orderBy(asc(tipItems.position), asc(tipItems.createdHour));
  const report = items.find((i) => i.kind === "report");
  if (!report) return null;
  const asMessage = (i: typeof tipItems.$inferSelect): CaseMessage => {
    const body = decryptJson<{ text: string; purpose?: string; photoIds?: string[] }>(i, tip.id, keys);
    return { id: i.id, author: i.author ?? "staff", authorId: i.authorId, hour: i.createdHour.toISOString(), text: body.text, purpose: body.purpose, photoIds: body.photoIds ?? [] };
  };
  const content: CaseContent = {
    report: decryptJson<ReportContent>(report, tip.id, keys),
    photoIds: items.filter((i) => i.kind === "photo").map((i) => i.id),
    messages: items.filter((i) => i.kind === "message").map(asMessage),
    notes: items.filter((i) => i.kind === "note").map(asMessage),
    hasContact: items.some((i) => i.kind === "contact"),
  };
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "case.content_viewed", subjectType: "case", subjectId: tip.id, districtCode: tip.districtCode }));
  return content;
}

/** One photo's bytes (a metadata-free JPEG). */
export async function openCasePhoto(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, tip: TipRow, photoId: string): Promise<Uint8Array> {
  authorizeCase(actor, "case.downloadPhoto", tip);
  const keys = await tipKeyPairFor(ctx, actor, privateKey, tip.id);
  const [item] = await ctx.database.db.select().from(tipItems).where(and(eq(tipItems.id, photoId), eq(tipItems.tipId, tip.id), eq(tipItems.kind, "photo")));
  if (!keys || !item) throw notFound();
  const bytes = crypto.decryptFile(item, tip.id, item.id, keys);
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "case.photo_downloaded", subjectType: "case", subjectId: tip.id, districtCode: tip.districtCode, details: { photoId } }));
  return bytes;
}
