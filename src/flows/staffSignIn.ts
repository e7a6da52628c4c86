/**
 * The session side of signing in, shared by the API and the HTML login page:
 * run the login command, then create a fresh session (a new id at every
 * step, so a planted cookie is never promoted) and set the cookie.
 */
import type { Request, Response } from "express";
import { newTotpSecret, otpauthUrl, verifyTotp } from "../auth/totp.js";
import { grantPendingAccess } from "../commands/pendingAccessGranter.js";
import { sharePlaceKeys } from "../commands/placeKeySharer.js";
import { staffLogin } from "../commands/staffLogin.js";
import { enrolTotp, recordLogout } from "../commands/totpEnroller.js";
import type { StaffUser } from "../db/rows.js";
import { actorOf } from "../policies/index.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../errors.js";
import { readCookie, sessionCookieOptions, STAFF_COOKIE, type StaffRequestState } from "../middlewares/staffSession.js";

export type SignInResult =
  | { kind: "ok"; user: StaffUser; csrf: string }
  | { kind: "enroll"; otpauthUrl: string; csrf: string }
  | { kind: "invalid" }
  | { kind: "throttled"; retryAfterSeconds: number };

export async function signIn(ctx: AppContext, req: Request, res: Response, input: { email: string; password: string; totp?: string }): Promise<SignInResult> {
  const outcome = await staffLogin(ctx, input);
  if (outcome.kind !== "ok" && outcome.kind !== "enroll") return outcome;
  const old = readCookie(req, STAFF_COOKIE);
  if (old) await ctx.sessions.destroy(old);
  if (outcome.kind === "enroll") {
    const secret = newTotpSecret();
    const { cookie, record } = await ctx.sessions.create(outcome.user.id, outcome.privateKey, "totp_enroll", { pendingTotpSecret: secret });
    res.cookie(STAFF_COOKIE, cookie, sessionCookieOptions(ctx));
    return { kind: "enroll", otpauthUrl: otpauthUrl(outcome.user.email, secret), csrf: record.csrf };
  }
  const { cookie, record } = await ctx.sessions.create(outcome.user.id, outcome.privateKey, "full");
  res.cookie(STAFF_COOKIE, cookie, sessionCookieOptions(ctx));
  await sharePendingKeys(ctx, outcome.user, outcome.privateKey);
  return { kind: "ok", user: outcome.user, csrf: record.csrf };
}

/**
 * A key holder just signed in: newcomers waiting for the keys this person may
 * share get them now. A failure here must not stop the sign-in; the next
 * key holder's sign-in (or the admin home's button) tries again.
 */
async function sharePendingKeys(ctx: AppContext, user: StaffUser, privateKey: Uint8Array): Promise<void> {
  await grantPendingAccess(ctx, actorOf(user), privateKey, "sign_in").catch((err: unknown) => ctx.logger.warn({ err }, "pending tip keys not shared at sign-in"));
  await sharePlaceKeys(ctx, actorOf(user), privateKey).catch((err: unknown) => ctx.logger.warn({ err }, "pending place keys not shared at sign-in"));
}

/** Confirm the first TOTP code; the session is replaced by a full one. */
export async function finishTotpEnrollment(ctx: AppContext, res: Response, code: string): Promise<{ user: StaffUser; csrf: string }> {
  const staff = res.locals.staff as StaffRequestState | undefined;
  const secret = staff?.session.record.pendingTotpSecret;
  if (!staff || staff.session.record.stage !== "totp_enroll" || !secret) throw new HttpError(401, "not_authenticated", "errors.not_authenticated");
  if (!(await verifyTotp(ctx, staff.user.id, secret, code))) throw new HttpError(400, "invalid_totp", "errors.invalid_input", { code: "errors.invalid_totp" });
  await enrolTotp(ctx, staff.user, secret);
  await ctx.sessions.destroy(staff.cookie);
  const { cookie, record } = await ctx.sessions.create(staff.user.id, staff.session.privateKey, "full");
  res.cookie(STAFF_COOKIE, cookie, sessionCookieOptions(ctx));
  await sharePendingKeys(ctx, staff.user, staff.session.privateKey);
  return { user: { ...staff.user, totpEnabled: true }, csrf: record.csrf };
}

export async function signOut(ctx: AppContext, res: Response): Promise<void> {
  const staff = res.locals.staff as StaffRequestState | undefined;
  if (!staff) return;
  await ctx.sessions.destroy(staff.cookie);
  await recordLogout(ctx, staff.user);
  res.clearCookie(STAFF_COOKIE, sessionCookieOptions(ctx));
}
