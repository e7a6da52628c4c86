/**
 * invitationCreator: an administrator invites a new staff member, or resets
 * an existing one's password (then the account gets a new key pair when the
 * link is used). The link's token is random; only its SHA-256 is stored; it
 * works once and expires (INVITATION_HOURS, 72 by default).
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { invitations, policeUnits, staffUsers } from "../db/schema.js";
import { HttpError, invalidInput } from "../errors.js";
import { authorize, type Actor, type Role } from "../policies/index.js";
import { hashToken } from "../staff/staffQueries.js";

export interface InvitationInput {
  email: string;
  role: Role;
  districtCode?: string | null;
  policeUnitId?: string | null;
}

export interface IssuedLink {
  invitationId: string;
  /** The one-time link (sent by email; returned to the administrator only when email is off). */
  url: string;
  emailed: boolean;
}

function linkFor(ctx: AppContext, token: string): string {
  return `${ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`}/staff/activate?token=${token}`;
}

async function issue(ctx: AppContext, actor: Actor, values: Omit<typeof invitations.$inferInsert, "tokenHash" | "invitedBy" | "expiresAt">, action: string): Promise<IssuedLink> {
  const token = Buffer.from(crypto.randomBytes(32)).toString("base64url");
  const [row] = await ctx.database.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(invitations)
      .values({ ...values, tokenHash: hashToken(token), invitedBy: actor.id, expiresAt: new Date(Date.now() + ctx.config.auth.invitationMs) })
      .returning({ id: invitations.id });
    await appendAudit(tx, { actorId: actor.id, action, subjectType: "invitation", subjectId: inserted[0]!.id, districtCode: values.districtCode ?? null, details: { email: values.email, role: values.role } });
    return inserted;
  });
  const url = linkFor(ctx, token);
  let emailed = false;
  if (ctx.mailer.enabled) {
    await ctx.mailer.send({ to: values.email, subject: "homthu: kích hoạt tài khoản / activate your account", text: `Mở liên kết sau để đặt mật khẩu (dùng một lần, hết hạn sau ${Math.round(ctx.config.auth.invitationMs / 3_600_000)} giờ):\nOpen this one-time link to set your password:\n\n${url}\n` });
    emailed = true;
  }
  return { invitationId: row!.id, url, emailed };
}

/** @throws HttpError 400 with field messages; 403 unless the actor manages users. */
export async function createInvitation(ctx: AppContext, actor: Actor, input: InvitationInput): Promise<IssuedLink> {
  authorize(actor, "users.manage");
  const email = input.email.trim().toLowerCase();
  const fields: Record<string, string> = {};
  const tree = await ctx.units.tree();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fields.email = "errors.invalid_email";
  if ((input.role === "liaison" || (input.role === "supervisor" && input.districtCode)) && !tree.districts.some((d) => d.code === input.districtCode)) fields.districtCode = "errors.invalid_district";
  if (input.role === "police") {
    const [unit] = input.policeUnitId && /^[0-9a-f-]{36}$/.test(input.policeUnitId) ? await ctx.database.db.select().from(policeUnits).where(eq(policeUnits.id, input.policeUnitId)) : [];
    if (!unit) fields.policeUnitId = "errors.invalid_police_unit";
  }
  const [existing] = await ctx.database.db.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.email, email));
  if (existing) fields.email = "errors.email_taken";
  const [pending] = await ctx.database.db.select({ id: invitations.id }).from(invitations).where(and(eq(invitations.email, email), isNull(invitations.usedAt), isNull(invitations.userId), gt(invitations.expiresAt, new Date())));
  if (pending && !existing) fields.email = "errors.invitation_pending";
  if (Object.keys(fields).length) throw invalidInput("invalid_invitation", fields);
  const districtCode = input.role === "admin" ? null : input.role === "police" ? null : (input.districtCode ?? null);
  return issue(ctx, actor, { email, role: input.role, districtCode, policeUnitId: input.role === "police" ? input.policeUnitId! : null }, "user.invited");
}

/** An administrator's reset: a one-time link that sets a new password and a new key pair. */
export async function createPasswordReset(ctx: AppContext, actor: Actor, userId: string): Promise<IssuedLink> {
  authorize(actor, "users.manage");
  const [user] = await ctx.database.db.select().from(staffUsers).where(eq(staffUsers.id, userId));
  if (!user) throw new HttpError(404, "not_found", "errors.not_found");
  return issue(ctx, actor, { email: user.email, role: user.role, districtCode: user.districtCode, policeUnitId: user.policeUnitId, userId: user.id }, "user.reset");
}
