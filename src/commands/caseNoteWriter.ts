/**
 * caseNoteWriter: an internal note on a case, written by someone who may read
 * it. Encrypted like all case content (sealed to the tip's key, so only the
 * case's key holders read it; never shown to the tipster). The audit row says
 * a note was added, never what it says.
 */
import { appendAudit } from "../audit/auditLog.js";
import { loadCase } from "../cases/caseView.js";
import { addEncryptedItem } from "../cases/caseNotes.js";
import type { AppContext } from "../context.js";
import { invalidInput } from "../errors.js";
import { authorizeCase, type Actor } from "../policies/index.js";

export async function addCaseNote(ctx: AppContext, actor: Actor, tipId: string, text: string): Promise<void> {
  const tip = await loadCase(ctx, tipId);
  authorizeCase(actor, "case.viewContent", tip);
  if (!text.trim()) throw invalidInput("invalid_note", { text: "errors.required" });
  await ctx.database.db.transaction(async (tx) => {
    const noteId = await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "note", author: "staff", authorId: actor.id, body: { text: text.trim(), purpose: "internal" } });
    await appendAudit(tx, { actorId: actor.id, action: "case.note_added", subjectType: "case", subjectId: tipId, districtCode: tip.districtCode, details: { noteId } });
  });
}
