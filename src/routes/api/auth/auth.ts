/**
 * Staff sign-in for API clients (the HTML pages use the same commands):
 *   POST /api/v1/auth/login        { email, password, totp? }   (totp with the password once enrolled;
 *                                  without it the answer is that of a wrong password)
 *   POST /api/v1/auth/totp/enroll  { code }          (after totp_enrollment_required)
 *   POST /api/v1/auth/logout
 *   GET  /api/v1/me                the user and a fresh csrfToken
 *   POST /api/v1/me/password       { oldPassword, newPassword }
 *   POST /api/v1/activate          { token, password }  (the invitation link)
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../../context.js";
import { HttpError } from "../../../errors.js";
import { limiter } from "../../../middlewares/rateLimit.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireCsrf, requireSession, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { presentStaff } from "../../../presenters/staffPresenter.js";
import { activationSchema, loginSchema, passwordChangeSchema, totpEnrollSchema } from "../../../validation/staff.js";
import { parseOrThrow } from "../../../validation/parse.js";
import { activateAccount } from "../../../commands/accountActivator.js";
import { changePassword } from "../../../commands/passwordChanger.js";
import { signIn, finishTotpEnrollment, signOut } from "../../../flows/staffSignIn.js";

export const invalidCredentials = () => new HttpError(401, "invalid_credentials", "errors.invalid_credentials");

export function authApi(ctx: AppContext): Router {
  const router = Router();
  router.use(noStore);
  const perClient = limiter(ctx, { name: "login", window: "hour", limit: ctx.config.auth.loginsPerHour, per: "client" });

  router.post("/api/v1/auth/login", perClient, async (req: Request, res: Response) => {
    const input = parseOrThrow(loginSchema, req.body, "invalid_login");
    const outcome = await signIn(ctx, req, res, input);
    if (outcome.kind === "ok") return void res.json({ user: presentStaff(outcome.user), csrfToken: outcome.csrf });
    if (outcome.kind === "enroll") return void res.json({ status: "totp_enrollment_required", otpauthUrl: outcome.otpauthUrl, csrfToken: outcome.csrf });
    if (outcome.kind === "throttled") {
      res.setHeader("Retry-After", String(outcome.retryAfterSeconds));
      throw new HttpError(429, "too_many_attempts", "errors.too_many_attempts");
    }
    throw invalidCredentials();
  });

  router.post("/api/v1/auth/totp/enroll", requireSession, requireCsrf, async (req: Request, res: Response) => {
    const { code } = parseOrThrow(totpEnrollSchema, req.body, "invalid_totp");
    const done = await finishTotpEnrollment(ctx, res, code);
    res.json({ user: presentStaff(done.user), csrfToken: done.csrf });
  });

  router.post("/api/v1/auth/logout", requireStaff, requireCsrf, async (_req: Request, res: Response) => {
    await signOut(ctx, res);
    res.status(204).end();
  });

  router.get("/api/v1/me", requireStaff, (_req: Request, res: Response) => {
    const staff = staffOf(res);
    res.json({ user: presentStaff(staff.user), csrfToken: staff.session.record.csrf });
  });

  router.post("/api/v1/me/password", requireStaff, requireCsrf, async (req: Request, res: Response) => {
    const input = parseOrThrow(passwordChangeSchema, req.body, "invalid_password");
    await changePassword(ctx, staffOf(res).user.id, input.oldPassword, input.newPassword, staffOf(res).cookie);
    res.status(204).end();
  });

  router.post("/api/v1/activate", perClient, async (req: Request, res: Response) => {
    const input = parseOrThrow(activationSchema, req.body, "invalid_activation");
    const user = await activateAccount(ctx, input.token, input.password);
    res.status(201).json({ user });
  });

  return router;
}

