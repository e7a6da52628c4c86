/**
 * The staff pages for one's own account (server-rendered, Vietnamese first,
 * no JavaScript needed):
 *   GET/POST /staff/login              email + password (+ TOTP code once the account asks for it)
 *   GET/POST /staff/totp/enroll        first sign-in of a TOTP role: QR code drawn here, confirm a code
 *   POST     /staff/logout
 *   GET      /staff                    home: who is signed in, and the pages their role may use
 *   GET/POST /staff/profile/password   change one's password (old, new, confirm)
 *   GET/POST /staff/activate?token=    set a password from an invitation or reset link
 * plus the administration and audit pages (./admin.ts, ./audit.ts).
 * Sign-in and activation have no session yet, so instead of a CSRF token they
 * refuse cross-site posts; every other post carries the session's _csrf.
 */
import { Router, type Request, type Response } from "express";
import { unreadCases } from "../../cases/caseQueries.js";
import { formatDateTime } from "../../i18n/format.js";
import { otpauthUrl, qrSvg } from "../../auth/totp.js";
import { activateAccount } from "../../commands/accountActivator.js";
import { changePassword } from "../../commands/passwordChanger.js";
import type { AppContext } from "../../context.js";
import { unreadNotificationCount } from "../../notifications/notificationQueries.js";
import { policeUnitName } from "../../policeUnits/policeUnitQueries.js";
import { myPendingTips, pendingAccess } from "../../staff/pendingAccessQueries.js";
import { hashToken, hasAdministrator, pendingInvitationEmail } from "../../staff/staffQueries.js";
import { forbidden, HttpError } from "../../errors.js";
import type { Locale } from "../../i18n/index.js";
import { isCrossSite } from "../../middlewares/formToken.js";
import { limiter } from "../../middlewares/rateLimit.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireSession, requireStaff, staffOf, unauthenticated, type StaffRequestState } from "../../middlewares/staffSession.js";
import { can } from "../../policies/index.js";
import { activationSchema, loginSchema, passwordChangeSchema, totpEnrollSchema } from "../../validation/staff.js";
import { validate } from "../../validation/parse.js";
import { finishTotpEnrollment, signIn, signOut } from "../../flows/staffSignIn.js";
import { staffAdminPages } from "./admin.js";
import { staffAuditPage } from "./audit.js";
import { checklistView, staffSetupPages } from "./setup.js";
import { countOf, districtNames, fieldsOf, formBody, isFieldError, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";

interface LoginView {
  email?: string;
  errors?: Record<string, string>;
  /** A message about the whole form (wrong credentials, wait), shown as an alert. */
  message?: string;
  /** A neutral prompt (enter your code; signed out). */
  notice?: string;
}

const stageOf = (res: Response) => (res.locals.staff as StaffRequestState | undefined)?.session.record.stage;

async function renderLogin(ctx: AppContext, res: Response, status: number, view: LoginView): Promise<void> {
  // Before the first administrator exists nobody can sign in: say how to create one.
  const noAdmin = !(await hasAdministrator(ctx.database.db));
  res.status(status).render("staff/login.njk", { email: view.email ?? "", errors: view.errors ?? {}, message: view.message ?? null, notice: view.notice ?? null, noAdmin });
}

async function renderEnroll(res: Response, status: number, errors: Record<string, string> = {}): Promise<void> {
  const staff = staffOf(res);
  const secret = staff.session.record.pendingTotpSecret;
  if (!secret) throw unauthenticated();
  // qrSvg draws the QR code on this server from our own otpauth URL. The SVG is
  // only <path> geometry (the email and secret are encoded as modules, never as
  // text or attributes), so it can be inserted unescaped with `| safe`.
  const svg = await qrSvg(otpauthUrl(staff.user.email, secret));
  res.status(status).render("staff/totpEnroll.njk", { svg, secret, email: staff.user.email, errors });
}

function renderPassword(res: Response, status: number, errors: Record<string, string> = {}, changed = false): void {
  res.status(status).render("staff/password.njk", { errors, changed });
}

/** The email of the unused, unexpired invitation (or reset) behind a token, or null. */
async function pendingInvitation(ctx: AppContext, token: string): Promise<string | null> {
  if (!token || token.length > 200) return null;
  return pendingInvitationEmail(ctx.database.db, hashToken(token));
}

/** The activation page; the language link keeps the token (the layout's link keeps only the path). */
function renderActivate(res: Response, status: number, view: { token: string; email: string | null; errors?: Record<string, string>; message?: string }): void {
  const other: Locale = res.locals.lang === "vi" ? "en" : "vi";
  const qs = new URLSearchParams({ token: view.token, ...(other === "vi" ? {} : { lang: other }) });
  res.locals.langSwitch = { ...(res.locals.langSwitch as object), href: `/staff/activate?${qs}` };
  res.status(status).render("staff/activate.njk", { token: view.token, email: view.email, errors: view.errors ?? {}, message: view.message ?? null });
}

/** The new password typed a second time (field `confirmPassword`) must match the first. */
function confirmationError(password: unknown, confirm: unknown): Record<string, string> {
  if (textOf(password) === "") return {};
  if (textOf(confirm) === "") return { confirmPassword: "errors.required" };
  return textOf(password) === textOf(confirm) ? {} : { confirmPassword: "errors.password_mismatch" };
}

export function staffPages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff", noStore);
  // Shared with POST /api/v1/auth/login: one budget per client, whichever door it uses.
  const perClient = limiter(ctx, { name: "login", window: "hour", limit: ctx.config.auth.loginsPerHour, per: "client" });
  const sameSite = (req: Request, _res: Response, next: (err?: unknown) => void) => next(isCrossSite(req) ? forbidden() : undefined);
  const signedIn = [requireStaff, pageLocals];

  router.get("/staff/login", pageLocals, (req: Request, res: Response) => {
    if (stageOf(res) === "full") return seeOther(res, "/staff");
    return renderLogin(ctx, res, 200, { notice: req.query.loggedOut === "1" ? translatorOf(res)("staff.login.loggedOut") : undefined });
  });

  router.post("/staff/login", perClient, formBody, sameSite, pageLocals, async (req: Request, res: Response) => {
    const t = translatorOf(res);
    const body = fieldsOf(req, res);
    const email = textOf(body.email);
    const parsed = validate(loginSchema, body);
    if (!parsed.ok) return renderLogin(ctx, res, 400, { email, errors: translateFields(res, parsed.fields) });
    const outcome = await signIn(ctx, req, res, parsed.value);
    if (outcome.kind === "ok") return seeOther(res, "/staff");
    if (outcome.kind === "enroll") return seeOther(res, "/staff/totp/enroll");
    if (outcome.kind === "throttled") {
      res.setHeader("Retry-After", String(outcome.retryAfterSeconds));
      return renderLogin(ctx, res, 429, { email, message: t("staff.login.throttled", { seconds: outcome.retryAfterSeconds }) });
    }
    // One message whatever was wrong (address, password or code): it never tells
    // whether the address exists, nor whether the password was right.
    await renderLogin(ctx, res, 401, { email, message: t("staff.login.invalidWithCode") });
  });

  router.get("/staff/totp/enroll", pageLocals, async (_req: Request, res: Response) => {
    const stage = stageOf(res);
    if (stage === "full") return seeOther(res, "/staff");
    if (stage !== "totp_enroll") return seeOther(res, "/staff/login");
    await renderEnroll(res, 200);
  });

  router.post("/staff/totp/enroll", formBody, requireSession, requireCsrf, pageLocals, async (req: Request, res: Response) => {
    if (stageOf(res) === "full") return seeOther(res, "/staff");
    const parsed = validate(totpEnrollSchema, fieldsOf(req, res));
    if (!parsed.ok) return renderEnroll(res, 400, translateFields(res, parsed.fields));
    try {
      await finishTotpEnrollment(ctx, res, parsed.value.code);
    } catch (err) {
      if (isFieldError(err)) return renderEnroll(res, 400, translateFields(res, err.fields));
      throw err;
    }
    seeOther(res, "/staff");
  });

  router.post("/staff/logout", formBody, (_req: Request, res: Response, next: (err?: unknown) => void) => (res.locals.staff ? next() : seeOther(res, "/staff/login")), requireCsrf, async (_req: Request, res: Response) => {
    await signOut(ctx, res);
    seeOther(res, "/staff/login", { loggedOut: "1" });
  });

  router.get("/staff", ...signedIn, async (req: Request, res: Response) => {
    const { user, actor } = staffOf(res);
    const admin = can(actor, "users.manage");
    const lists = can(actor, "case.list");
    const [places, unit, waiting, mine, checklist, fresh, unreadNotes] = await Promise.all([
      districtNames(ctx),
      policeUnitName(ctx.database.db, user.policeUnitId),
      admin ? pendingAccess(ctx.database.db) : [],
      user.needsRestore ? 0 : myPendingTips(ctx.database.db, user.id),
      can(actor, "settings.manage") ? checklistView(ctx, user.id) : null,
      lists ? unreadCases(ctx.database.db, actor) : null,
      unreadNotificationCount(ctx.database.db, user.id),
    ]);
    const done = textOf(req.query.done);
    res.render("staff/home.njk", {
      flash: done === "pendingGranted" ? translatorOf(res)("staff.home.pendingGranted", { users: countOf(req.query.users), count: countOf(req.query.count) }) : null,
      waiting: waiting.map((w) => ({ ...w, district: places.name(w.districtCode) })),
      myPending: mine,
      checklist,
      // The cases new to this person, linked directly: one tap from the home page to a case.
      fresh: fresh && {
        total: fresh.total,
        rows: fresh.rows.map((r) => ({
          id: r.id,
          ref: r.id.slice(0, 8),
          category: r.category,
          place: places.name(r.districtCode),
          urgent: r.urgent,
          received: formatDateTime(r.receivedAt),
        })),
      },
      unreadNotifications: unreadNotes,
      user: { email: user.email, role: user.role, district: places.name(user.districtCode), policeUnit: unit, needsRestore: user.needsRestore },
      may: { listCases: can(actor, "case.list"), viewStats: can(actor, "stats.view"), manageSettings: can(actor, "settings.manage"), manageUsers: can(actor, "users.manage"), manageUnits: can(actor, "units.manage"), viewAudit: can(actor, "audit.view"), viewCommunes: can(actor, "communes.view"), viewPlaces: can(actor, "places.view"), manageQueues: can(actor, "queues.manage") },
    });
  });

  router.get("/staff/profile/password", ...signedIn, (req: Request, res: Response) => renderPassword(res, 200, {}, req.query.changed === "1"));

  router.post("/staff/profile/password", formBody, requireStaff, requireCsrf, pageLocals, async (req: Request, res: Response) => {
    const { confirmPassword, ...body } = fieldsOf(req, res);
    const parsed = validate(passwordChangeSchema, body);
    const mismatch = confirmationError(body.newPassword, confirmPassword);
    if (!parsed.ok || Object.keys(mismatch).length) return renderPassword(res, 400, translateFields(res, { ...(parsed.ok ? {} : parsed.fields), ...mismatch }));
    try {
      await changePassword(ctx, staffOf(res).user.id, parsed.value.oldPassword, parsed.value.newPassword, staffOf(res).cookie);
    } catch (err) {
      if (isFieldError(err)) return renderPassword(res, 400, translateFields(res, err.fields));
      throw err;
    }
    seeOther(res, "/staff/profile/password", { changed: "1" });
  });

  router.get("/staff/activate", pageLocals, async (req: Request, res: Response) => {
    const token = textOf(req.query.token);
    const email = await pendingInvitation(ctx, token);
    if (!email) return renderActivate(res, 400, { token, email, message: translatorOf(res)("errors.invalid_token") });
    renderActivate(res, 200, { token, email });
  });

  router.post("/staff/activate", perClient, formBody, sameSite, pageLocals, async (req: Request, res: Response) => {
    const { confirmPassword, ...body } = fieldsOf(req, res);
    const token = textOf(body.token);
    const email = await pendingInvitation(ctx, token);
    if (!email) return renderActivate(res, 400, { token, email, message: translatorOf(res)("errors.invalid_token") });
    const parsed = validate(activationSchema, body);
    const mismatch = confirmationError(body.password, confirmPassword);
    if (!parsed.ok || Object.keys(mismatch).length) return renderActivate(res, 400, { token, email, errors: translateFields(res, { ...(parsed.ok ? {} : parsed.fields), ...mismatch }) });
    try {
      await activateAccount(ctx, parsed.value.token, parsed.value.password);
    } catch (err) {
      if (isFieldError(err)) return renderActivate(res, 400, { token, email, errors: translateFields(res, err.fields) });
      if (err instanceof HttpError && err.status === 400) return renderActivate(res, 400, { token, email, message: translatorOf(res)(err.messageKey) });
      throw err;
    }
    res.status(201).render("staff/activated.njk", { email });
  });

  router.use(staffAdminPages(ctx));
  router.use(staffAuditPage(ctx));
  router.use(staffSetupPages(ctx));
  return router;
}
