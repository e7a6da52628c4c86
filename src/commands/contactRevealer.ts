/**
 * contactRevealer: a tipster who chose to leave a phone or email gave up part
 * of their anonymity towards the case handlers — so it is shown only after
 * the staff member states a reason, and the reason goes into the audit log
 * in the same transaction.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { loadCase, tipKeyPairFor } from "../cases/caseView.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { tipItems } from "../db/schema.js";
import { HttpError, invalidInput, notFound } from "../errors.js";
import { authorizeCase, type Actor } from "../policies/index.js";

export async function revealContact(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, tipId: string, reason: string): Promise<string> {
  if (!reason.trim()) throw invalidInput("invalid_reveal", { reason: "errors.required" });
  const tip = await loadCase(ctx, tipId);
  authorizeCase(actor, "case.revealContact", tip);
  const [item] = await ctx.database.db.select().from(tipItems).where(and(eq(tipItems.tipId, tipId), eq(tipItems.kind, "contact")));
  if (!item) throw notFound();
  const keys = await tipKeyPairFor(ctx, actor, privateKey, tipId);
  if (!keys) throw new HttpError(409, "no_key", "errors.no_key");
  const { contact } = JSON.parse(crypto.utf8.decode(crypto.decryptItem(item, tipId, item.id, keys))) as { contact: string };
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "case.contact_revealed", subjectType: "case", subjectId: tipId, districtCode: tip.districtCode, details: { reason: reason.trim() } }));
  return contact;
}
