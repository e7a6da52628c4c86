/**
 * staffDeactivator: an administrator turns an account off. Its sessions end at
 * once, and its key wraps (tips, recovery key) are deleted, so even its
 * password could no longer open anything.
 */
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { recoveryKeyHolders, staffUsers, tipKeyWraps } from "../db/schema.js";
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
    await appendAudit(tx, { actorId: actor.id, action: "user.deactivated", subjectType: "staff", subjectId: userId, districtCode: user.districtCode });
  });
  invalidateIntakeRecipients();
  await ctx.sessions.destroyAllFor(userId);
}
