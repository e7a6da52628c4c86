/**
 * The audit log page for administrators and supervisors (a district
 * supervisor sees their district's rows only; auditPage applies the policy):
 *   GET /staff/audit?action=&from=&to=&page=
 * Newest first, 50 rows a page, times in Bến Tre's time zone. The filters are
 * a plain GET form, so they work without JavaScript and can be bookmarked.
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../context.js";
import { formatDateTime } from "../../i18n/format.js";
import type { Locale, Translate } from "../../i18n/index.js";
import { requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { auditPage } from "../../audit/auditQuery.js";
import { staffEmails } from "../../staff/staffQueries.js";
import { districtNames, isFieldError, pageLocals, textOf, translateFields, translatorOf } from "./forms.js";

/** The actions offered in the filter (anything else can still be typed into the URL). */
export const AUDIT_ACTIONS = [
  "auth.login", "auth.login_failed", "auth.logout", "auth.totp_enrolled",
  "user.invited", "user.reset", "user.activated", "user.reset_completed", "user.password_changed", "user.deactivated", "user.unlocked", "user.access_restored", "user.created_by_cli",
  "recovery.granted", "police_unit.created", "coverage.set", "system.bootstrapped",
  "case.assign", "case.triage", "case.forward", "case.acknowledge", "case.verify", "case.extend", "case.resolve", "case.refer", "case.close", "case.reopen", "case.released",
  "case.content_viewed", "case.photo_downloaded", "case.message_sent", "case.contact_revealed", "case.access_granted",
  "report.exported", "retention.purged", "model_commune.registered", "model_commune.progress", "settings.changed",
] as const;

const FILTERS = ["action", "from", "to"] as const;
const PAGE_SIZE = 50;

/** The message for `key`, or `raw` when the locale files have none. */
const orRaw = (t: Translate, key: string, raw: string) => (t(key) === key ? raw : t(key));

/** An action in the page's words: staff.auditActions, then the case pages' wording, then the raw name. */
export function auditActionLabel(t: Translate, action: string): string {
  const key = action.replace(/\./g, "_");
  return orRaw(t, `staff.auditActions.${key}`, orRaw(t, `cases.audit.${key}`, action));
}

export function staffAuditPage(ctx: AppContext): Router {
  const router = Router();

  router.get("/staff/audit", requireStaff, pageLocals, async (req: Request, res: Response) => {
    const t = translatorOf(res);
    const lang = res.locals.lang as Locale;
    // An empty filter box means "any": the schema would call "" an invalid date.
    const raw = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ""));
    const values = Object.fromEntries(FILTERS.map((k) => [k, textOf(req.query[k])]));
    let page: Awaited<ReturnType<typeof auditPage>> | null = null;
    let errors: Record<string, string> = {};
    try {
      page = await auditPage(ctx, staffOf(res).actor, raw);
    } catch (err) {
      if (!isFieldError(err)) throw err;
      errors = translateFields(res, err.fields);
    }
    const rows = page?.rows ?? [];
    const [email, places] = await Promise.all([staffEmails(ctx.database.db, rows.flatMap((r) => [r.actorId, r.subjectType === "staff" ? r.subjectId : null])), districtNames(ctx)]);
    const current = page?.query.page ?? 1;
    const link = (n: number) => {
      const kept = Object.fromEntries(Object.entries(values).filter(([, v]) => v));
      const qs = new URLSearchParams({ ...kept, ...(n > 1 ? { page: String(n) } : {}), ...(lang === "vi" ? {} : { lang }) }).toString();
      return `/staff/audit${qs ? `?${qs}` : ""}`;
    };
    // The language link keeps the filters (the layout's link keeps only the path).
    const other: Locale = lang === "vi" ? "en" : "vi";
    const switchQs = new URLSearchParams({ ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)), ...(current > 1 ? { page: String(current) } : {}), ...(other === "vi" ? {} : { lang: other }) }).toString();
    res.locals.langSwitch = { ...(res.locals.langSwitch as object), href: `/staff/audit${switchQs ? `?${switchQs}` : ""}` };
    res.status(page ? 200 : 400).render("staff/audit.njk", {
      rows: rows.map((r) => ({
        at: formatDateTime(r.at),
        actor: r.actorId ? (email.get(r.actorId) ?? r.actorId.slice(0, 8)) : t("staff.audit.system"),
        action: auditActionLabel(t, r.action),
        code: r.action,
        subject: r.subjectType ? { type: orRaw(t, `staff.audit.subjectType.${r.subjectType}`, r.subjectType), label: (r.subjectType === "staff" && r.subjectId && email.get(r.subjectId)) || (r.subjectId ? r.subjectId.slice(0, 8) : "") } : null,
        district: places.name(r.districtCode) ?? "—",
      })),
      actions: AUDIT_ACTIONS.map((a) => ({ value: a, label: auditActionLabel(t, a) })),
      values,
      errors,
      page: current,
      prevHref: current > 1 ? link(current - 1) : null,
      nextHref: rows.length === PAGE_SIZE ? link(current + 1) : null,
    });
  });

  return router;
}
