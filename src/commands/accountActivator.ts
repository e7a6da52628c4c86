/**
 * accountActivator: the invited (or reset) person opens their one-time link
 * and chooses a password. A new account is created with its key pair (the
 * tips from before it existed reach it through pendingAccessGranter); a reset
 * account gets a new key pair too — its old wraps are useless and removed, and
 * it sees old cases again only after an administrator restores access.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { passwordProblem } from "../auth/passwordPolicy.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { invitations, recoveryKeyHolders, staffUsers, tipKeyWraps } from "../db/schema.js";
import { HttpError, invalidInput } from "../errors.js";
import { staffWrapLabel } from "../auth/staffKeys.js";
import { createStaff } from "./staffCreator.js";
import { invalidateIntakeRecipients } from "../tips/intakeRecipients.js";
import { hashToken } from "../staff/staffQueries.js";

export const invalidToken = () => new HttpError(400, "invalid_token", "errors.invalid_token");

/** @throws HttpError invalid_token (expired, used or unknown link) or invalid_input (password rules). */
export async function activateAccount(ctx: AppContext, token: string, password: string): Promise<{ userId: string; email: string }> {
  const problem = passwordProblem(password);
  if (problem) throw invalidInput("invalid_password", { password: problem });
  const result = await ctx.database.db.transaction(async (tx) => {
    const [inv] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.tokenHash, hashToken(token)), isNull(invitations.usedAt), gt(invitations.expiresAt, new Date())))
      .for("update");
    if (!inv) throw invalidToken();
    await tx.update(invitations).set({ usedAt: new Date() }).where(eq(invitations.id, inv.id));
    if (!inv.userId) {
      const [taken] = await tx.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.email, inv.email));
      if (taken) throw new HttpError(400, "email_taken", "errors.invalid_input", { token: "errors.email_taken" });
      const created = await createStaff(tx, { email: inv.email, role: inv.role, districtCode: inv.districtCode, policeUnitId: inv.policeUnitId, password });
      // Tips from before this account existed are not sealed to it yet: the next sign-in of someone
      // who holds their keys and may share them re-seals them (commands/pendingAccessGranter.ts).
      await appendAudit(tx, { actorId: created.id, action: "user.activated", subjectType: "staff", subjectId: created.id, districtCode: inv.districtCode });
      return { userId: created.id, email: inv.email, reset: false };
    }
    const keys = crypto.generateKeyPair();
    const keySalt = crypto.newSalt();
    const kek = await crypto.derivePasswordKey(password, keySalt);
    await tx
      .update(staffUsers)
      .set({ passwordHash: await crypto.hashPassword(password), keySalt, publicKey: keys.publicKey, wrappedPrivateKey: crypto.wrapWithKey(keys.privateKey, kek, staffWrapLabel(inv.userId)), needsRestore: true, totpEnabled: false, totpSecret: null })
      .where(eq(staffUsers.id, inv.userId));
    await tx.delete(tipKeyWraps).where(eq(tipKeyWraps.userId, inv.userId));
    await tx.delete(recoveryKeyHolders).where(eq(recoveryKeyHolders.userId, inv.userId));
    await appendAudit(tx, { actorId: inv.userId, action: "user.reset_completed", subjectType: "staff", subjectId: inv.userId, districtCode: inv.districtCode });
    return { userId: inv.userId, email: inv.email, reset: true };
  });
  invalidateIntakeRecipients();
  if (result.reset) await ctx.sessions.destroyAllFor(result.userId);
  return { userId: result.userId, email: result.email };
}
