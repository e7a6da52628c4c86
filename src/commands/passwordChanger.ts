/**
 * passwordChanger: a staff member changes their own password. The old one is
 * required (it unwraps the private key), and the same private key is wrapped
 * again under a key derived from the new password with a fresh salt — no case
 * access is lost.
 */
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { passwordProblem } from "../auth/passwordPolicy.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { staffUsers } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { unlockStaffKey } from "../tips/tipReader.js";
import { staffWrapLabel } from "../auth/staffKeys.js";

/** `currentCookie`: the session making the change stays; every other session of the user ends (a stolen one included). */
export async function changePassword(ctx: AppContext, userId: string, oldPassword: string, newPassword: string, currentCookie?: string): Promise<void> {
  const [user] = await ctx.database.db.select().from(staffUsers).where(eq(staffUsers.id, userId));
  if (!user || !(await crypto.verifyPassword(user.passwordHash, oldPassword))) throw invalidInput("invalid_password", { oldPassword: "errors.wrong_password" });
  const problem = passwordProblem(newPassword);
  if (problem) throw invalidInput("invalid_password", { newPassword: problem });
  const { privateKey } = await unlockStaffKey(ctx.database.db, userId, oldPassword);
  const keySalt = crypto.newSalt();
  const kek = await crypto.derivePasswordKey(newPassword, keySalt);
  await ctx.database.db.transaction(async (tx) => {
    await tx
      .update(staffUsers)
      .set({ passwordHash: await crypto.hashPassword(newPassword), keySalt, wrappedPrivateKey: crypto.wrapWithKey(privateKey, kek, staffWrapLabel(userId)) })
      .where(eq(staffUsers.id, userId));
    await appendAudit(tx, { actorId: userId, action: "user.password_changed", subjectType: "staff", subjectId: userId, districtCode: user.districtCode });
  });
  await ctx.sessions.destroyAllFor(userId, currentCookie);
}
