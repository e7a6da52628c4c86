/**
 * Deny by default: every request under /staff or /api/v1 needs a full staff
 * session, except the paths listed below. A staff router added later is
 * therefore closed until someone opens it here on purpose; the routers'
 * own requireStaff calls stay as a second wall.
 *
 * Mounted once in app.ts, after loadStaff and before every staff router.
 * Express matches routes case-insensitively and ignores one trailing slash,
 * so paths are compared the same way here; anything else (encoded letters,
 * double slashes) matches no exception and is therefore closed.
 */
import type { NextFunction, Request, Response } from "express";
import { noStore } from "./securityHeaders.js";
import { requireStaff } from "./staffSession.js";

/** The prefixes the gate closes. */
export const GATED_PREFIXES = ["/staff", "/api/v1"] as const;

/**
 * Open without a full session. Each entry is an exact path, or a prefix when
 * it ends in "/". The handlers of these paths check what they need themselves.
 */
export const OPEN_PATHS: readonly string[] = [
  // Tipsters: intake and the follow-up API (their own receipt session).
  "/api/v1/tips",
  "/api/v1/tipster/",
  // Signing in and activating an invitation.
  "/api/v1/auth/login",
  "/api/v1/activate",
  "/staff/login",
  "/staff/activate",
  // Half-signed-in: TOTP enrolment after the right password (requireSession / the page's own stage check).
  "/api/v1/auth/totp/enroll",
  "/staff/totp/enroll",
  // Signing out without a session sends to the login page instead of a 401.
  "/staff/logout",
];

const normalise = (path: string) => (path.length > 1 ? path.replace(/\/$/, "") : path).toLowerCase();

export function isGated(path: string): boolean {
  const p = normalise(path);
  return GATED_PREFIXES.some((g) => p === g || p.startsWith(`${g}/`));
}

export function isOpen(path: string): boolean {
  const p = normalise(path);
  return OPEN_PATHS.some((open) => (open.endsWith("/") ? p.startsWith(open) : p === open));
}

export function staffGate(req: Request, res: Response, next: NextFunction): void {
  if (!isGated(req.path) || isOpen(req.path)) return next();
  noStore(req, res, () => requireStaff(req, res, next));
}
