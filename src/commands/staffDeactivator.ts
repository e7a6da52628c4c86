/**
 * staffDeactivator: an administrator turns an account off. Its sessions end at
 * once, and its key wraps (tips, recovery key) are deleted, so even its
 * password could no longer open anything. Its open cases are no longer its
 * own: one waiting for triage goes back to "received", so the next routing
 * sweep gives it to another liaison of its district; the others keep their
 * state with nobody named in charge (a case never reads "assigned" to nobody,
 * nor stays with someone who can no longer act on it).
 */
import { and, eq, inArray } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { OPEN_STATUSES } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import { recoveryKeyHolders, staffUsers, tipKeyWraps, tips } from "../db/schema.js";
import { HttpError, notFound } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import { invalidateIntakeRecipients } from "../tips/intakeRecipients.js";

export async function deactivateStaff(ctx: AppContext, actor: Actor, userId: string): Promise<void> {
  authorize(actor, "users.manage");
  if (userId === actor.id) throw new HttpError(409, "cannot_deactivate_self", "errors.cannot_deactivate_self");
  await ctx.database.db.transaction(async (tx) => {
    const [user] = await tx.update(staffUsers).set({ active: false }).where(eq(staffUsers.id, userId)).returning();
    if (!user) throw notFound();
    await tx.delete(tipKeyWraps).where(eq(tipKeyWraps.userId, userId));
    await tx.delete(recoveryKeyHolders).where(eq(recoveryKeyHolders.userId, userId));
    const held = await tx.select().from(tips).where(and(eq(tips.assigneeId, userId), inArray(tips.status, OPEN_STATUSES))).for("update");
    for (const tip of held) {
      const status = tip.status === "assigned" ? "received" : tip.status;
      await tx.update(tips).set({ assigneeId: null, status, version: tip.version + 1 }).where(eq(tips.id, tip.id));
      await appendAudit(tx, { actorId: actor.id, action: "case.released", subjectType: "case", subjectId: tip.id, districtCode: tip.districtCode, details: { from: tip.status, to: status, assigneeId: userId } });
    }
    await appendAudit(tx, { actorId: actor.id, action: "user.deactivated", subjectType: "staff", subjectId: userId, districtCode: user.districtCode });
  });
  invalidateIntakeRecipients();
  await ctx.sessions.destroyAllFor(userId);
}
