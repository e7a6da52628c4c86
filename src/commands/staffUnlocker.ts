/** staffUnlocker: an administrator lifts the lock that repeated failed sign-ins put on an account; audited. */
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { clearFailures } from "../auth/loginThrottle.js";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema.js";
import { notFound } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";

export async function unlockStaff(ctx: AppContext, actor: Actor, userId: string): Promise<void> {
  authorize(actor, "users.manage");
  const [user] = await ctx.database.db.select().from(staffUsers).where(eq(staffUsers.id, userId));
  if (!user) throw notFound();
  // Audit first: if the audit row cannot be written, the lock stays.
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "user.unlocked", subjectType: "staff", subjectId: user.id, districtCode: user.districtCode }));
  await clearFailures(ctx, user.email);
}
