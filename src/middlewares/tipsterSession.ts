/**
 * The tipster's follow-up session (after a receipt sign-in): loadTipster reads
 * the cookie; requireTipster answers 401 (API) or sends back to /follow-up.
 */
import type { NextFunction, Request, Response } from "express";
import type { AppContext } from "../context.js";
import { HttpError } from "../errors.js";
import { TIPSTER_COOKIE, type TipsterSession } from "../sessions/sessionStore.js";
import { readCookie } from "./staffSession.js";

export function loadTipster(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const cookie = readCookie(req, TIPSTER_COOKIE);
    if (cookie) res.locals.tipster = await ctx.tipsterSessions.open(cookie);
    next();
  };
}

export function requireTipster(req: Request, res: Response, next: NextFunction): void {
  if (res.locals.tipster) return next();
  if (req.originalUrl.startsWith("/api/")) return next(new HttpError(401, "not_signed_in", "errors.receipt_session_expired"));
  res.redirect(303, `/follow-up${res.locals.langQuery ?? ""}`);
}

export const tipsterOf = (res: Response) => res.locals.tipster as TipsterSession;

export function tipsterCookieOptions(ctx: AppContext) {
  return { httpOnly: true, sameSite: "strict" as const, secure: ctx.config.isProduction, path: "/" };
}
