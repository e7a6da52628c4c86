/**
 * staffLogin: check an email, a password and (when enrolled) a TOTP code.
 *
 * The answer for a wrong password and for an unknown address is the same and
 * costs the same: an unknown address is checked against a dummy argon2 hash.
 * An account with TOTP must send its code with the password; without it the
 * answer is that of a wrong password.
 * On success the private key is unwrapped with the password (a second argon2
 * derivation) so that the session can hold it. Every outcome is audited.
 */
import { eq } from "drizzle-orm";
import { appendAudit, audit } from "../audit/auditLog.js";
import { clearFailures, reserveAttempt } from "../auth/loginThrottle.js";
import { openTotpSecret, verifyTotp } from "../auth/totp.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import type { StaffUser } from "../db/rows.js";
import { staffUsers } from "../db/schema.js";
import { unlockStaffKey } from "../tips/tipReader.js";


export type LoginOutcome =
  | { kind: "invalid" }
  | { kind: "throttled"; retryAfterSeconds: number }
  | { kind: "enroll"; user: StaffUser; privateKey: crypto.Bytes }
  | { kind: "ok"; user: StaffUser; privateKey: crypto.Bytes };

let dummyHash: Promise<string> | undefined;

export function totpRequired(ctx: AppContext, user: StaffUser): boolean {
  return user.totpEnabled || ctx.config.auth.totpRequiredRoles.includes(user.role);
}

export async function staffLogin(ctx: AppContext, input: { email: string; password: string; totp?: string }): Promise<LoginOutcome> {
  const email = input.email.trim().toLowerCase();
  const attempt = await reserveAttempt(ctx, email);
  if (attempt.waitSeconds > 0) return { kind: "throttled", retryAfterSeconds: attempt.waitSeconds };

  const [user] = await ctx.database.db.select().from(staffUsers).where(eq(staffUsers.email, email));
  const usable = user?.active ? user : undefined;
  dummyHash ??= crypto.hashPassword(crypto.randomBytes(16).join(""));
  const passwordOk = await crypto.verifyPassword(usable?.passwordHash ?? (await dummyHash), input.password);

  const fail = async (reason: string): Promise<LoginOutcome> => {
    const locked = attempt.locksAfterThis;
    await audit(ctx.database.db, { actorId: usable?.id ?? null, action: "auth.login_failed", subjectType: "staff", subjectId: usable?.id, districtCode: usable?.districtCode ?? null, details: { reason: usable ? reason : "unknown_or_inactive", locked } });
    return { kind: "invalid" };
  };
  if (!usable || !passwordOk) return fail("password");

  // With TOTP on, a missing or wrong code fails exactly like a wrong password
  // (same answer, same audit, the attempt counts): an online guess never learns
  // that the password was right. Accounts without TOTP ignore the field.
  if (usable.totpEnabled) {
    if (!input.totp) return fail("totp_missing");
    if (!usable.totpSecret || !(await verifyTotp(ctx, usable.id, openTotpSecret(ctx, usable.id, usable.totpSecret), input.totp))) return fail("totp");
  }
  const { privateKey } = await unlockStaffKey(ctx.database.db, usable.id, input.password);
  await clearFailures(ctx, email);
  if (!usable.totpEnabled && totpRequired(ctx, usable)) return { kind: "enroll", user: usable, privateKey };
  await ctx.database.db.transaction(async (tx) => {
    await tx.update(staffUsers).set({ lastLoginAt: new Date() }).where(eq(staffUsers.id, usable.id));
    await appendAudit(tx, { actorId: usable.id, action: "auth.login", subjectType: "staff", subjectId: usable.id, districtCode: usable.districtCode });
  });
  return { kind: "ok", user: usable, privateKey };
}
