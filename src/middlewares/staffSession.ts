/**
 * Staff authentication for every /staff and /api/v1 staff route:
 * loadStaff reads the session cookie (and the user, who must still be
 * active); requireStaff answers 401 (JSON) or sends to the login page (HTML);
 * requireCsrf checks the session's token on every state-changing request
 * (header X-CSRF-Token for the API, field _csrf for forms).
 */
import type { NextFunction, Request, Response } from "express";
import type { AppContext } from "../context.js";
import { constantTimeEqual, utf8 } from "../crypto/index.js";
import { HttpError } from "../errors.js";
import type { StaffUser } from "../db/rows.js";
import type { OpenSession } from "../sessions/sessionStore.js";
import { actorOf, type Actor } from "../policies/index.js";
import { staffById } from "../staff/staffQueries.js";

export const STAFF_COOKIE = "homthu_staff";

/** What a signed-in request carries in res.locals.staff. */
export interface StaffRequestState {
  session: OpenSession;
  cookie: string;
  user: StaffUser;
  actor: Actor;
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export function sessionCookieOptions(ctx: AppContext) {
  return { httpOnly: true, sameSite: "strict" as const, secure: ctx.config.isProduction, path: "/" };
}

export function loadStaff(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const cookie = readCookie(req, STAFF_COOKIE);
    const session = await ctx.sessions.open(cookie);
    if (session && cookie) {
      const user = await staffById(ctx.database.db, session.record.userId);
      if (user?.active) res.locals.staff = { session, cookie, user, actor: actorOf(user) } satisfies StaffRequestState;
      else await ctx.sessions.destroy(cookie);
    }
    next();
  };
}

export const unauthenticated = () => new HttpError(401, "not_authenticated", "errors.not_authenticated");

/** Only fully signed-in staff (TOTP done where required) pass. */
export function requireStaff(req: Request, res: Response, next: NextFunction): void {
  const staff = res.locals.staff as StaffRequestState | undefined;
  if (staff?.session.record.stage === "full") return next();
  // originalUrl: a router mounted on a path sees a shortened req.path.
  if (req.originalUrl.toLowerCase().startsWith("/api/") || req.method !== "GET") return next(unauthenticated());
  res.redirect(303, `/staff/login${res.locals.langQuery ?? ""}`);
}

/** Any session, even one still enrolling TOTP (for the enrolment step itself). */
export function requireSession(_req: Request, res: Response, next: NextFunction): void {
  next(res.locals.staff ? undefined : unauthenticated());
}

export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  if (["GET", "HEAD", "OPTIONS"].includes(req.method)) return next();
  const staff = res.locals.staff as StaffRequestState | undefined;
  const body = req.body as Record<string, unknown> | undefined;
  const sent = req.get("x-csrf-token") ?? (typeof body?._csrf === "string" ? body._csrf : "");
  if (staff && sent && constantTimeEqual(utf8.encode(sent), utf8.encode(staff.session.record.csrf))) return next();
  next(new HttpError(403, "csrf_failed", "errors.csrf_failed"));
}

export const staffOf = (res: Response): StaffRequestState => res.locals.staff as StaffRequestState;
