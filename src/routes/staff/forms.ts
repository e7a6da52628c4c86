/**
 * Pieces shared by the staff HTML pages (sign-in, profile, administration,
 * audit, reports): the form body parser, the locals every staff template reads,
 * the page's language, a policy check as a step, field messages translated
 * for the page, and times in Bến Tre's time zone.
 */
import { formBody as urlencodedBody } from "../../middlewares/bodies.js";
import { type NextFunction, type Request, type Response } from "express";
import type { AppContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { pickLocale, type Locale, type Translate } from "../../i18n/index.js";
import { translateField } from "../../middlewares/errorHandler.js";
import { setLocale } from "../../middlewares/locale.js";
import { staffOf, type StaffRequestState } from "../../middlewares/staffSession.js";
import { authorize, type GeneralAction } from "../../policies/index.js";

/** Staff forms are small url-encoded posts (no JavaScript, no files). */
export const formBody = urlencodedBody("32kb");

/** The signed-in person (fully signed in only) and the session's CSRF token, for the templates. */
export function pageLocals(_req: Request, res: Response, next: NextFunction): void {
  const staff = res.locals.staff as StaffRequestState | undefined;
  if (staff) {
    res.locals.csrf = staff.session.record.csrf;
    if (staff.session.record.stage === "full") res.locals.me = { email: staff.user.email, role: staff.user.role };
  }
  next();
}

/**
 * The posted fields, without `lang`: the forms keep the language in their
 * action's query string, but a hidden `lang` field is honoured too. The
 * schemas are strict, so the language field must not reach them.
 */
export function fieldsOf(req: Request, res: Response): Record<string, unknown> {
  const body = { ...((req.body ?? {}) as Record<string, unknown>) };
  if (body.lang === "en" || body.lang === "vi") setLocale(res, req, pickLocale(body.lang));
  delete body.lang;
  return body;
}

export { countOf, textOf } from "../../validation/parse.js";

export const translatorOf = (res: Response): Translate => res.locals.t as Translate;

/** The page's language (middlewares/locale.ts). */
export const langOf = (res: Response) => res.locals.lang as Locale;

/** A route step: the signed-in person may do `action` (else 403). */
export const may = (action: GeneralAction) => (_req: Request, res: Response, next: NextFunction) => {
  authorize(staffOf(res).actor, action);
  next();
};

/** Field name → locale key (as validators and commands give them) → field name → message. */
export function translateFields(res: Response, fields: Record<string, string> | undefined): Record<string, string> {
  const t = translatorOf(res);
  return Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, translateField(t, v)]));
}

/** A 400 carrying field messages: the form is shown again with them. */
export const isFieldError = (err: unknown): err is HttpError & { fields: Record<string, string> } =>
  err instanceof HttpError && err.status === 400 && !!err.fields && Object.keys(err.fields).length > 0;

/** Send the browser on after a successful post, keeping the language. */
export function seeOther(res: Response, path: string, query: Record<string, string> = {}): void {
  const lang = res.locals.lang as Locale;
  const qs = new URLSearchParams({ ...query, ...(lang === "vi" ? {} : { lang }) }).toString();
  res.redirect(303, `${path}${qs ? `?${qs}` : ""}`);
}

/** District code → name, from the administrative tree. */
export async function districtNames(ctx: AppContext) {
  const tree = await ctx.units.tree();
  const names = new Map(tree.districts.map((d) => [d.code, d.name]));
  return { districts: tree.districts.map((d) => ({ code: d.code, name: d.name })), name: (code: string | null | undefined) => (code ? (names.get(code) ?? code) : null) };
}

/** The units tree, and district or commune code → name ("" for none). */
export async function placeNames(ctx: AppContext) {
  const tree = await ctx.units.tree();
  const names = new Map<string, string>();
  for (const d of tree.districts) {
    names.set(d.code, d.name);
    for (const c of d.communes) names.set(c.code, c.name);
  }
  return { tree, name: (code: string | null | undefined) => (code ? (names.get(code) ?? code) : "") };
}
