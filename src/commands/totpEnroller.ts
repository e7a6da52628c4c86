/**
 * totpEnroller: store a confirmed TOTP secret (sealed) and turn TOTP on, with
 * the enrolment and the sign-in it completes audited in the same transaction.
 * The caller (flows/staffSignIn.ts) has checked the first code.
 */
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { sealTotpSecret } from "../auth/totp.js";
import type { AppContext } from "../context.js";
import type { StaffUser } from "../db/rows.js";
import { staffUsers } from "../db/schema.js";

export async function enrolTotp(ctx: AppContext, user: StaffUser, secret: string): Promise<void> {
  const who = { actorId: user.id, subjectType: "staff", subjectId: user.id, districtCode: user.districtCode };
  await ctx.database.db.transaction(async (tx) => {
    await tx
      .update(staffUsers)
      .set({ totpSecret: sealTotpSecret(ctx, user.id, secret), totpEnabled: true, lastLoginAt: new Date() })
      .where(eq(staffUsers.id, user.id));
    await appendAudit(tx, { ...who, action: "auth.totp_enrolled" });
    await appendAudit(tx, { ...who, action: "auth.login" });
  });
}

/** The audit row of a sign-out (the session itself is destroyed by the caller). */
export async function recordLogout(ctx: AppContext, user: StaffUser): Promise<void> {
  await ctx.database.db.transaction((tx) =>
    appendAudit(tx, { actorId: user.id, action: "auth.logout", subjectType: "staff", subjectId: user.id, districtCode: user.districtCode }),
  );
}
