/**
 * The reporting pages for staff (server-rendered, no JavaScript needed):
 *   GET /staff/dashboard       the plan's figures, charts and the district comparison
 *   GET /staff/reports/print   the same as an A4 administrative report (print.css)
 * Filters use the statistics API's own validator (statsQuerySchema) and its
 * scope rule (authorizeStatsScope): a liaison only ever sees their district,
 * and supervisors see small commune-level counts as "<N". What the pages show
 * of a report is presenters/reportPresenter.ts; the model communes, settings
 * and poster pages have their own files (modelCommunes.ts, settings.ts, posters.ts).
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import type { Locale, Translate } from "../../i18n/index.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { can, type Actor } from "../../policies/index.js";
import { documentOf, exportLinks, presentReport, printControls, vietnamLocal } from "../../presenters/reportPresenter.js";
import { withoutEmptyCommunes } from "../../reports/printTable.js";
import type { Period } from "../../stats/periods.js";
import { reportData } from "../../stats/reportData.js";
import { authorizeStatsScope, periodAllowed, suppressionFor } from "../../stats/statsAccess.js";
import { validate } from "../../validation/parse.js";
import { periodOf, printOptionsSchema, scopeOf, statsQuerySchema } from "../../validation/stats.js";
import { CATEGORIES } from "../../validation/tip.js";
import { formBody, langOf, may, pageLocals, textOf, translateFields, translatorOf } from "./forms.js";

/** Query-string fields equal to "" mean "not chosen" (the form's "any" options). */
const given = (q: Record<string, unknown>) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== ""));

interface Filters {
  period: Period;
  scope: { districtCode?: string };
  category?: string;
  values: Record<string, string>;
  errors: Record<string, string>;
}

/** The filters asked for, checked by the API's validator and narrowed to what the actor may see. */
async function filtersOf(ctx: AppContext, res: Response, query: Record<string, unknown>): Promise<Filters> {
  const { actor } = staffOf(res);
  const parsed = validate(statsQuerySchema, given(query));
  const errors: Record<string, string> = parsed.ok ? {} : translateFields(res, parsed.fields);
  const q = parsed.ok ? parsed.value : { scope: "province" };
  let period = periodOf(q);
  if (!period) errors.period = translatorOf(res)("errors.invalid_period");
  else if (!periodAllowed(ctx, actor, period)) {
    errors.period = translatorOf(res)("errors.period_whole_months");
    period = null;
  }
  // The pages offer the province and districts; a commune-level view would show exact small counts.
  const asked = q.scope.startsWith("commune:") ? {} : scopeOf(q.scope);
  if (q.scope.startsWith("commune:")) errors.scope = translatorOf(res)("errors.invalid_scope");
  const scope = await authorizeStatsScope(ctx, actor, asked);
  period ??= periodOf({})!;
  const values = Object.fromEntries(["period", "from", "to", "scope", "category"].map((k) => [k, textOf(query[k])]));
  return { period, scope: { districtCode: scope.districtCode }, category: "category" in q ? q.category : undefined, values, errors };
}

/** The query string that asks for the same report (for the print and CSV links). */
function reportQuery(f: Filters, lang: Locale, withPeriod = true): string {
  const [from = "", to = ""] = f.period.label.split("..");
  const q: Record<string, string> = !withPeriod ? {} : f.period.kind === "custom" ? { from, to } : { period: f.period.label };
  q.scope = f.scope.districtCode ? `district:${f.scope.districtCode}` : "province";
  if (withPeriod && f.category) q.category = f.category;
  if (lang !== "vi") q.lang = lang;
  return new URLSearchParams(q).toString();
}

/** Everything the dashboard and the printed report show, in the page's language. */
async function buildReport(ctx: AppContext, res: Response, actor: Actor, f: Filters, opts: { communeTables?: boolean } = {}) {
  const suppression = suppressionFor(ctx, actor);
  const data = await reportData(ctx, { period: f.period, districtCode: f.scope.districtCode, category: f.category, suppression, communeTables: opts.communeTables });
  const lang = langOf(res);
  return { ...(await presentReport(ctx, translatorOf(res), lang, data)), links: { print: `/staff/reports/print?${reportQuery(f, lang)}`, ...exportLinks(f, lang) } };
}

/** The quick choices of the filter form: this month, quarter and year in Vietnam's calendar. */
function presets(t: Translate, now = new Date()) {
  const d = vietnamLocal(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return [
    { label: t("dashboard.filters.thisMonth"), period: `${y}-${String(m).padStart(2, "0")}` },
    { label: t("dashboard.filters.thisQuarter"), period: `${y}-Q${Math.floor((m - 1) / 3) + 1}` },
    { label: t("dashboard.filters.thisYear"), period: String(y) },
  ];
}

export function staffReportPages(ctx: AppContext): Router {
  const router = Router();
  const paths = ["/staff/dashboard", "/staff/reports/print"];
  router.use(paths, noStore, formBody, requireStaff, requireCsrf, pageLocals);

  router.get("/staff/dashboard", may("stats.view"), async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const f = await filtersOf(ctx, res, req.query as Record<string, unknown>);
    const tree = await ctx.units.tree();
    // Province-wide people choose a district; a liaison or district supervisor has theirs fixed.
    const scopes = actor.role === "admin" || !actor.districtCode ? [{ value: "province", label: translatorOf(res)("dashboard.scope.province") }, ...tree.districts.map((d) => ({ value: `district:${d.code}`, label: d.name }))] : null;
    const report = await buildReport(ctx, res, actor, f);
    res.status(Object.keys(f.errors).length ? 400 : 200).render("staff/reports/dashboard.njk", {
      report, values: f.values, errors: f.errors, scopes, categories: CATEGORIES, presets: presets(translatorOf(res)),
      may: { settings: can(actor, "settings.manage"), listCases: can(actor, "case.list") },
    });
  });

  router.get("/staff/reports/print", may("stats.export"), async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const { allCommunes, ...query } = req.query as Record<string, unknown>;
    const options = validate(printOptionsSchema, given({ allCommunes }));
    const f = await filtersOf(ctx, res, query);
    if (!options.ok || Object.keys(f.errors).length) throw new HttpError(400, "invalid_query", "errors.invalid_input");
    const suppression = suppressionFor(ctx, actor);
    const data = await reportData(ctx, { period: f.period, districtCode: f.scope.districtCode, category: f.category, suppression, communeTables: true });
    const lang = langOf(res);
    const other: Locale = lang === "vi" ? "en" : "vi";
    const shown = options.value.allCommunes ? { data, hidden: 0 } : withoutEmptyCommunes(data);
    res.render("staff/reports/print.njk", {
      report: await presentReport(ctx, translatorOf(res), lang, shown.data),
      doc: await documentOf(ctx, translatorOf(res), data, {}),
      print: printControls("/staff/reports/print", { ...f.values, lang: lang === "vi" ? "" : lang }, !!options.value.allCommunes, shown.hidden, exportLinks(f, lang)),
      fileHref: can(actor, "report.file", { districtCode: f.scope.districtCode ?? null }) ? `/staff/reports?${reportQuery(f, lang)}` : null,
      back: `/staff/dashboard?${reportQuery(f, lang)}`,
      langHref: `/staff/reports/print?${reportQuery(f, other)}${options.value.allCommunes ? "&allCommunes=1" : ""}`,
    });
  });

  return router;
}
