/**
 * The reporting pages for staff (server-rendered, no JavaScript needed):
 *   GET      /staff/dashboard                  the plan's figures, charts and the district comparison
 *   GET      /staff/reports/print              the same as an A4 administrative report (print.css)
 *   GET/POST /staff/model-communes             the year's model communes; register one (liaison, admin)
 *   POST     /staff/model-communes/:id/progress  record progress and completion
 *   GET/POST /staff/admin/settings             public figures on/off, the tipster's outcome wording
 *   GET      /staff/posters                    an A4 campaign poster with the tip line's QR code
 * Filters use the statistics API's own validator (statsQuerySchema) and its
 * scope rule (authorizeStatsScope): a liaison only ever sees their district,
 * and supervisors see small commune-level counts as "<N".
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { appendAudit } from "../../audit/auditLog.js";
import { isPublicUrl } from "../../setup/publicAddress.js";
import { qrSvg } from "../../auth/totp.js";
import { HELP_OUTCOMES, POLICE_OUTCOMES, TRIAGE_OUTCOMES } from "../../cases/workflow.js";
import { barChart } from "../../charts/svgCharts.js";
import { modelCommuneStatus, modelRows, recordModelProgress, registerModelCommune, vietnamYear } from "../../commands/modelCommuneRegistrar.js";
import type { AppContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import { translator, type Locale, type Translate } from "../../i18n/index.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize, can, type Actor, type GeneralAction } from "../../policies/index.js";
import { registerFigures } from "../../communes/register.js";
import { getSetting, putSetting, type OutcomeWordings } from "../../settings/settings.js";
import type { Period } from "../../stats/periods.js";
import { REPORT_COLUMNS, reportRows } from "../../stats/reportTable.js";
import { computeStats } from "../../stats/statistics.js";
import { authorizeStatsScope, periodAllowed, suppressionFor } from "../../stats/statsAccess.js";
import { unitTypeLabel } from "../../units/unitTypes.js";
import { uuidParam, validate } from "../../validation/staff.js";
import { periodOf, scopeOf, statsQuerySchema } from "../../validation/stats.js";
import { CATEGORIES } from "../../validation/tip.js";
import { modelCommuneSchema, modelProgressSchema } from "../../validation/modelCommunes.js";
import { fieldsOf, formBody, isFieldError, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";
import { reportingDb } from "../../db/readReplica.js";

const OFFSET_MS = 7 * 3_600_000;
const OUTCOMES = [...POLICE_OUTCOMES, ...HELP_OUTCOMES] as const;
const SOURCES = ["web", "mailbox", "phone"] as const;
const CAMPAIGNS = ["general", "june26", "school"] as const;

const may = (action: GeneralAction) => (_req: Request, res: Response, next: NextFunction) => {
  authorize(staffOf(res).actor, action);
  next();
};
const langOf = (res: Response) => res.locals.lang as Locale;
/** A date as Vietnam's calendar sees it (the UTC fields of the shifted date). */
const local = (d: Date) => new Date(d.getTime() + OFFSET_MS);
const dmy = (d: Date) => `${String(d.getUTCDate()).padStart(2, "0")}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${d.getUTCFullYear()}`;

/** Numbers, shares and changes in the page's language ("—"-like words when there is nothing to compare). */
export function formatters(lang: Locale, t: Translate) {
  const locale = lang === "vi" ? "vi-VN" : "en-GB";
  const num = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const pct = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const none = t("dashboard.noData");
  return {
    n: (v: number | string | null | undefined) => (v === null || v === undefined ? none : typeof v === "string" ? v : num.format(v)),
    share: (v: number | null) => (v === null ? none : pct.format(v)),
    change: (v: number | null) => (v === null ? none : `${v > 0 ? "+" : v < 0 ? "−" : "±"}${num.format(Math.abs(v))}%`),
    hours: (v: number | null) => (v === null ? none : t("dashboard.hours", { hours: num.format(v) })),
  };
}

/** "Quý 2 năm 2020", "Tháng 3 năm 2020", "Năm 2020", or the two days of a custom period. */
export function periodName(t: Translate, p: Period): string {
  const from = local(p.from);
  const year = from.getUTCFullYear();
  if (p.kind === "year") return t("dashboard.period.year", { year });
  if (p.kind === "quarter") return t("dashboard.period.quarter", { quarter: Math.floor(from.getUTCMonth() / 3) + 1, year });
  if (p.kind === "month") return t("dashboard.period.month", { month: from.getUTCMonth() + 1, year });
  return t("dashboard.period.custom", { from: dmy(from), to: dmy(local(new Date(p.to.getTime() - 86_400_000))) });
}

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

/** The CSV of the same report: named periods in the file name, custom ones as from= and to=. */
function csvLink(f: Filters, lang: Locale): string {
  const q = new URLSearchParams(reportQuery(f, lang, false));
  if (f.category) q.set("category", f.category);
  if (f.period.kind !== "custom") return `/api/v1/reports/${encodeURIComponent(f.period.label)}.csv?${q}`;
  const [from = "", to = ""] = f.period.label.split("..");
  q.set("from", from);
  q.set("to", to);
  return `/api/v1/reports/custom.csv?${q}`;
}

/** Everything the dashboard and the printed report show, in the page's language. */
async function buildReport(ctx: AppContext, res: Response, actor: Actor, f: Filters, opts: { communeTables?: boolean } = {}) {
  const t = translatorOf(res);
  const lang = langOf(res);
  const fmt = formatters(lang, t);
  const tree = await ctx.units.tree();
  const suppression = suppressionFor(ctx, actor);
  const threshold = suppression.threshold;
  const { districtCode } = f.scope;
  const db = reportingDb(ctx.database);
  const [stats, rows, models] = await Promise.all([
    computeStats(db, ctx.config, { from: f.period.from, to: f.period.to, districtCode, category: f.category }),
    reportRows(db, tree, f.period.from, f.period.to, { districtCode, category: f.category, suppression }),
    modelCommuneStatus(ctx, local(f.period.from).getUTCFullYear()),
  ]);
  // The official commune register of the period's year (not tip data): its own figures beside the tip-based ones.
  const register = await registerFigures(db, tree, local(f.period.from).getUTCFullYear(), await getSetting(db, "registerTargets"), districtCode);
  // The printed report of the province also tabulates every district's communes.
  const communeTables = opts.communeTables && !districtCode
    ? await Promise.all(tree.districts.map(async (d) => ({ name: d.name, rows: (await reportRows(db, tree, f.period.from, f.period.to, { districtCode: d.code, category: f.category, suppression })).filter((r) => r.level === "commune") })))
    : [];
  const districtName = new Map(tree.districts.map((d) => [d.code, d.name]));
  const communeName = new Map(tree.districts.flatMap((d) => d.communes.map((c) => [c.code, c.name] as const)));
  const count = (m: Record<string, number>, keys: readonly string[], prefix: string) => keys.map((k) => ({ key: k, label: t(`${prefix}.${k}`), n: m[k] ?? 0 }));
  const byCategory = count(stats.received.byCategory, CATEGORIES, "categories");
  const byDistrict = tree.districts.filter((d) => !districtCode || d.code === districtCode).map((d) => ({ label: d.name, value: stats.received.byDistrict[d.code] ?? 0 }));
  const scopeName = districtCode ? (districtName.get(districtCode) ?? districtCode) : t("dashboard.scope.province");
  return {
    periodName: periodName(t, f.period),
    scopeName,
    categoryName: f.category ? t(`categories.${f.category}`) : null,
    stats,
    register,
    fmt,
    threshold,
    byCategory,
    bySource: count(stats.received.bySource, SOURCES, "dashboard.sources"),
    byTriage: count(stats.triage.byOutcome, TRIAGE_OUTCOMES, "dashboard.triage"),
    byOutcome: count(stats.resolved.byOutcome, OUTCOMES, "dashboard.outcomes"),
    charts: {
      category: barChart({ id: "chart-category", title: t("dashboard.charts.byCategory"), description: t("dashboard.charts.sameAsTable"), bars: byCategory.map((c) => ({ label: c.label, value: c.n, display: fmt.n(c.n) })) }),
      district: districtCode ? null : barChart({ id: "chart-district", title: t("dashboard.charts.byDistrict"), description: t("dashboard.charts.sameAsTable"), bars: byDistrict.map((d) => ({ ...d, display: fmt.n(d.value) })) }),
    },
    byDistrict,
    table: { columns: REPORT_COLUMNS.map((c) => ({ key: c, label: t(`reports.columns.${c}`) })), rows: rows.map((r) => ({ ...r, level: unitTypeLabel(t, r.type), isDistrict: r.level === "district" })) },
    communeTables,
    models: modelRows(models.filter((m) => !districtCode || m.districtCode === districtCode))
      .map((m) => ({ ...m, commune: m.registration ? (communeName.get(m.registration.communeCode) ?? m.registration.communeCode) : null, deadline: dmy(local(new Date(m.deadline))) })),
    modelYear: local(f.period.from).getUTCFullYear(),
    links: {
      print: `/staff/reports/print?${reportQuery(f, lang)}`,
      csv: csvLink(f, lang),
    },
  };
}

/** The quick choices of the filter form: this month, quarter and year in Vietnam's calendar. */
function presets(t: Translate, now = new Date()) {
  const d = local(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return [
    { label: t("dashboard.filters.thisMonth"), period: `${y}-${String(m).padStart(2, "0")}` },
    { label: t("dashboard.filters.thisQuarter"), period: `${y}-Q${Math.floor((m - 1) / 3) + 1}` },
    { label: t("dashboard.filters.thisYear"), period: String(y) },
  ];
}

async function renderModelCommunes(ctx: AppContext, res: Response, status: number, year: number, view: { values?: Record<string, unknown>; errors?: Record<string, string>; message?: string; done?: string } = {}) {
  const { actor } = staffOf(res);
  const tree = await ctx.units.tree();
  const all = await modelCommuneStatus(ctx, year);
  const mine = actor.role === "admin" || !actor.districtCode ? all : all.filter((d) => d.districtCode === actor.districtCode);
  const communeName = new Map(tree.districts.flatMap((d) => d.communes.map((c) => [c.code, c.name] as const)));
  const rows = modelRows(mine).map((d) => ({
    ...d,
    commune: d.registration ? (communeName.get(d.registration.communeCode) ?? d.registration.communeCode) : null,
    completed: !!d.registration?.completedAt,
    completedOn: d.registration?.completedAt ? dmy(local(d.registration.completedAt)) : null,
    manage: can(actor, "model.manage", { districtCode: d.districtCode }),
  }));
  // The registration form: the districts this person manages (several models a year are welcome);
  // a past year only for administrators.
  const yearOpen = actor.role === "admin" || year >= vietnamYear();
  const open = yearOpen ? tree.districts.filter((d) => can(actor, "model.manage", { districtCode: d.code })) : [];
  const values = Object.fromEntries(["districtCode", "communeCode", "content", "startDate", "plannedEndDate"].map((k) => [k, textOf(view.values?.[k])]));
  if (!values.districtCode && open.length === 1) values.districtCode = open[0]!.code;
  res.status(status).render("staff/reports/modelCommunes.njk", {
    year, rows, open, values, errors: view.errors ?? {}, message: view.message ?? null, pastYear: year < vietnamYear(),
    done: view.done === "registered" || view.done === "progress" ? view.done : null,
    deadline: all[0] ? dmy(local(new Date(all[0].deadline))) : null,
    years: [year - 1, year, year + 1],
  });
}

const yearOf = (v: unknown) => {
  const y = Number(textOf(v));
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : local(new Date()).getUTCFullYear();
};

/** The settings form: one checkbox, two text fields per outcome (empty = the general wording). */
const settingsSchema = z.strictObject({
  publicFigures: z.enum(["true", "on"]).optional(),
  _csrf: z.string().optional(),
  ...Object.fromEntries(OUTCOMES.flatMap((o) => (["vi", "en"] as const).map((l) => [`wording.${o}.${l}`, z.string().trim().max(500, "errors.too_long").optional()]))),
});

async function renderSettings(ctx: AppContext, res: Response, status: number, view: { values?: Record<string, unknown>; errors?: Record<string, string>; saved?: boolean } = {}) {
  const [publicFigures, wordings] = await Promise.all([getSetting(ctx.database.db, "publicFigures"), getSetting(ctx.database.db, "outcomeWordings")]);
  const field = (o: string, l: "vi" | "en") => (view.values ? textOf(view.values[`wording.${o}.${l}`]) : (wordings[o]?.[l] ?? ""));
  res.status(status).render("staff/reports/settings.njk", {
    publicFigures: view.values ? !!view.values.publicFigures : publicFigures,
    outcomes: OUTCOMES.map((o) => ({ key: o, vi: field(o, "vi"), en: field(o, "en") })),
    errors: view.errors ?? {},
    saved: !!view.saved,
  });
}

/** The tip line's own address: PUBLIC_URL, or the address this page was asked on. */
const tipLineUrl = (ctx: AppContext, req: Request) => (ctx.config.publicUrl ?? `${req.protocol}://${req.get("host")}`).replace(/\/+$/, "");

export function staffReportPages(ctx: AppContext): Router {
  const router = Router();
  const paths = ["/staff/dashboard", "/staff/reports", "/staff/model-communes", "/staff/admin/settings", "/staff/posters"];
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
    const f = await filtersOf(ctx, res, req.query as Record<string, unknown>);
    if (Object.keys(f.errors).length) throw new HttpError(400, "invalid_query", "errors.invalid_input");
    const report = await buildReport(ctx, res, actor, f, { communeTables: true });
    const today = local(new Date());
    const other: Locale = langOf(res) === "vi" ? "en" : "vi";
    res.render("staff/reports/print.njk", {
      report,
      today: { day: today.getUTCDate(), month: today.getUTCMonth() + 1, year: today.getUTCFullYear() },
      back: `/staff/dashboard?${reportQuery(f, langOf(res))}`,
      langHref: `/staff/reports/print?${reportQuery(f, other)}`,
    });
  });

  router.get("/staff/model-communes", may("stats.view"), async (req: Request, res: Response) => {
    await renderModelCommunes(ctx, res, 200, yearOf(req.query.year), { done: textOf(req.query.done) });
  });

  router.post("/staff/model-communes", may("model.manage"), async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const year = yearOf(body.year);
    const parsed = validate(modelCommuneSchema, body);
    if (!parsed.ok) return renderModelCommunes(ctx, res, 400, year, { values: body, errors: translateFields(res, parsed.fields) });
    const { _csrf, ...input } = parsed.value;
    try {
      await registerModelCommune(ctx, staffOf(res).actor, input);
    } catch (err) {
      if (isFieldError(err)) return renderModelCommunes(ctx, res, 400, year, { values: body, errors: translateFields(res, err.fields) });
      if (err instanceof HttpError && err.status === 409) return renderModelCommunes(ctx, res, 409, year, { values: body, message: translatorOf(res)(err.messageKey) });
      throw err;
    }
    seeOther(res, "/staff/model-communes", { year: String(input.year), done: "registered" });
  });

  router.post("/staff/model-communes/:id/progress", may("model.manage"), async (req: Request, res: Response) => {
    const id = uuidParam.safeParse(req.params.id);
    if (!id.success) throw notFound();
    const body = fieldsOf(req, res);
    const year = yearOf(body.year);
    delete body.year;
    const parsed = validate(modelProgressSchema, body);
    if (!parsed.ok) return renderModelCommunes(ctx, res, 400, year, { errors: translateFields(res, parsed.fields) });
    await recordModelProgress(ctx, staffOf(res).actor, id.data, parsed.value.progress, parsed.value.completed);
    seeOther(res, "/staff/model-communes", { year: String(year), done: "progress" });
  });

  router.get("/staff/admin/settings", may("settings.manage"), (req: Request, res: Response) => renderSettings(ctx, res, 200, { saved: req.query.saved === "1" }));

  router.post("/staff/admin/settings", may("settings.manage"), async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const parsed = validate(settingsSchema, body);
    if (!parsed.ok) return renderSettings(ctx, res, 400, { values: body, errors: translateFields(res, parsed.fields) });
    const v = parsed.value as Record<string, string | undefined>;
    const publicFigures = !!v.publicFigures;
    // Only wordings someone wrote are stored; an outcome without one keeps the general default.
    const wordings: OutcomeWordings = {};
    for (const o of OUTCOMES) {
      const vi = v[`wording.${o}.vi`] ?? "";
      const en = v[`wording.${o}.en`] ?? "";
      if (vi || en) wordings[o] = { vi, en };
    }
    const { actor } = staffOf(res);
    await ctx.database.db.transaction(async (tx) => {
      const before = { publicFigures: await getSetting(tx, "publicFigures"), outcomeWordings: await getSetting(tx, "outcomeWordings") };
      await putSetting(tx, "publicFigures", publicFigures);
      await putSetting(tx, "outcomeWordings", wordings);
      const changed = [...(before.publicFigures !== publicFigures ? ["publicFigures"] : []), ...(JSON.stringify(before.outcomeWordings) !== JSON.stringify(wordings) ? ["outcomeWordings"] : [])];
      await appendAudit(tx, { actorId: actor.id, action: "settings.changed", subjectType: "settings", details: { changed, publicFigures, outcomesWithWording: Object.keys(wordings) } });
    });
    seeOther(res, "/staff/admin/settings", { saved: "1" });
  });

  router.get("/staff/posters", async (req: Request, res: Response) => {
    const tree = await ctx.units.tree();
    const district = tree.districts.find((d) => d.code === textOf(req.query.district)) ?? null;
    const campaign = (CAMPAIGNS as readonly string[]).includes(textOf(req.query.campaign)) ? textOf(req.query.campaign) : "general";
    const base = tipLineUrl(ctx, req);
    const target = district ? `${base}/report?district=${encodeURIComponent(district.code)}` : `${base}/`;
    // A QR code for 127.0.0.1 or a LAN address would be printed and pasted on walls, leading nowhere.
    const refused = !isPublicUrl(base);
    // qrSvg draws modules as <path> geometry from our own URL; the xmlns URL is
    // dropped (not needed inside HTML) so the page names no address but ours.
    const qr = refused ? null : (await qrSvg(target)).replace(/\s*xmlns="[^"]*"/, "").replace("<svg", '<svg class="poster-qr" role="img" aria-labelledby="poster-qr-label"');
    const other = new URLSearchParams({ ...(district ? { district: district.code } : {}), campaign, ...(langOf(res) === "vi" ? { lang: "en" } : {}) });
    res.render("staff/reports/poster.njk", {
      qr, target, refused, publicUrl: ctx.config.publicUrl ?? null, district, campaign, campaigns: CAMPAIGNS, districts: tree.districts,
      tVi: translator("vi"),
      back: `/staff${res.locals.langQuery as string}`,
      backHome: true,
      langHref: `/staff/posters?${other}`,
    });
  });

  return router;
}
