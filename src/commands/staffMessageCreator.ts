/**
 * staffMessageCreator: a case handler writes to the tipster. A question on a
 * case still being triaged moves it to "needs more information" (the triage
 * clock pauses until the answer); anything else is a reply. Messages are
 * encrypted like tip content; the tipster reads them with the receipt.
 */
import { appendAudit } from "../audit/auditLog.js";
import { addEncryptedItem } from "../cases/caseNotes.js";
import { loadCase } from "../cases/caseView.js";
import { RULES } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import { authorizeCase, type Actor } from "../policies/index.js";
import { triageCase } from "./caseTriager.js";

export async function sendStaffMessage(ctx: AppContext, actor: Actor, tipId: string, text: string, purpose: "reply" | "question", expectedVersion?: number): Promise<"asked" | "sent"> {
  const tip = await loadCase(ctx, tipId);
  authorizeCase(actor, "case.messageTipster", tip);
  if (purpose === "question" && (RULES.triage.from as readonly string[]).includes(tip.status)) {
    await triageCase(ctx, actor, tipId, { outcome: "needs_info", text }, { expectedVersion });
    return "asked";
  }
  await ctx.database.db.transaction(async (tx) => {
    await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "message", author: "staff", authorId: actor.id, body: { text, purpose } });
    await appendAudit(tx, { actorId: actor.id, action: "case.message_sent", subjectType: "case", subjectId: tipId, districtCode: tip.districtCode });
  });
  return "sent";
}
