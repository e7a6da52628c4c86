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
import { isPublicUrl } from "../../setup/publicAddress.js";
import { qrSvg } from "../../auth/totp.js";
import { HELP_OUTCOMES, POLICE_OUTCOMES, TRIAGE_OUTCOMES } from "../../cases/workflow.js";
import { barChart } from "../../charts/svgCharts.js";
import { updateSettings } from "../../commands/settingsUpdater.js";
import { recordModelProgress, registerModelCommune } from "../../commands/modelCommuneRegistrar.js";
import { modelCommuneStatus, modelRows, vietnamYear } from "../../stats/modelCommuneStatus.js";
import type { AppContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import { translator, type Locale, type Translate } from "../../i18n/index.js";
import { formatDate } from "../../i18n/format.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize, can, type Actor, type GeneralAction } from "../../policies/index.js";
import { registerFigures } from "../../communes/register.js";
import { getSetting, type OutcomeWordings } from "../../settings/settings.js";
import type { Period } from "../../stats/periods.js";
import { periodOfData, reportData, type ReportData, type WrittenReport } from "../../stats/reportData.js";
import { REPORT_COLUMNS, reportColumnKey, type ReportRow } from "../../stats/reportTable.js";
import { authorizeStatsScope, periodAllowed, suppressionFor } from "../../stats/statsAccess.js";
import { unitTypeLabel } from "../../units/unitTypes.js";
import { issuerOf } from "../../units/youthUnion.js";
import { uuidParam, validate } from "../../validation/parse.js";
import { periodOf, printOptionsSchema, scopeOf, statsQuerySchema } from "../../validation/stats.js";
import { CATEGORIES } from "../../validation/tip.js";
import { modelCommuneSchema, modelProgressSchema } from "../../validation/modelCommunes.js";
import { fieldsOf, formBody, isFieldError, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";
import { reportingDb } from "../../db/readReplica.js";
import { periodName } from "../../reports/periodNames.js";
import { withoutEmptyCommunes } from "../../reports/printTable.js";

const OFFSET_MS = 7 * 3_600_000;
const OUTCOMES = [...POLICE_OUTCOMES, ...HELP_OUTCOMES] as const;
const SOURCES = ["web", "mailbox", "phone"] as const;
const CAMPAIGNS = ["general", "june26", "school"] as const;

const may = (action: GeneralAction) => (_req: Request, res: Response, next: NextFunction) => {
  authorize(staffOf(res).actor, action);
  next();
};
export const langOf = (res: Response) => res.locals.lang as Locale;
/** A date as Vietnam's calendar sees it (the UTC fields of the shifted date). */
const local = (d: Date) => new Date(d.getTime() + OFFSET_MS);

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

/** The downloads of the same report: CSV (";" and ",") and XLSX; named periods in the file name, custom ones as from= and to=. */
export function exportLinks(f: { period: Period; scope: { districtCode?: string }; category?: string }, lang: Locale) {
  const q = new URLSearchParams({ scope: f.scope.districtCode ? `district:${f.scope.districtCode}` : "province" });
  if (f.category) q.set("category", f.category);
  if (lang !== "vi") q.set("lang", lang);
  let name = encodeURIComponent(f.period.label);
  if (f.period.kind === "custom") {
    const [from = "", to = ""] = f.period.label.split("..");
    q.set("from", from);
    q.set("to", to);
    name = "custom";
  }
  const comma = new URLSearchParams(q);
  comma.set("sep", "comma");
  return {
    csv: `/api/v1/reports/${name}.csv?${q}`,
    csvComma: `/api/v1/reports/${name}.csv?${comma}`,
    xlsx: `/api/v1/reports/${name}.xlsx?${q}`,
    placesCsv: `/api/v1/places/figures/${name}.csv?${q}`,
    placesXlsx: `/api/v1/places/figures/${name}.xlsx?${q}`,
  };
}

/** Everything the dashboard and the printed report show, in the page's language. */
async function buildReport(ctx: AppContext, res: Response, actor: Actor, f: Filters, opts: { communeTables?: boolean } = {}) {
  const suppression = suppressionFor(ctx, actor);
  const data = await reportData(ctx, { period: f.period, districtCode: f.scope.districtCode, category: f.category, suppression, communeTables: opts.communeTables });
  const lang = langOf(res);
  return { ...(await presentReport(ctx, res, data)), links: { print: `/staff/reports/print?${reportQuery(f, lang)}`, ...exportLinks(f, lang) } };
}

/** A report's data (live, or a filed report's snapshot) in the page's language. */
export async function presentReport(ctx: AppContext, res: Response, data: ReportData) {
  const t = translatorOf(res);
  const fmt = formatters(langOf(res), t);
  const tree = await ctx.units.tree();
  const { stats, districtCode } = data;
  const db = reportingDb(ctx.database);
  // The official commune register of the period's year (not tip data): its own figures beside the tip-based ones.
  const register = await registerFigures(db, tree, local(new Date(data.period.from)).getUTCFullYear(), await getSetting(db, "registerTargets"), districtCode ?? undefined);
  const districtName = new Map(tree.districts.map((d) => [d.code, d.name]));
  const communeName = new Map(tree.districts.flatMap((d) => d.communes.map((c) => [c.code, c.name] as const)));
  const count = (m: Record<string, number>, keys: readonly string[], prefix: string) => keys.map((k) => ({ key: k, label: t(`${prefix}.${k}`), n: m[k] ?? 0 }));
  const byCategory = count(stats.received.byCategory, CATEGORIES, "categories");
  const byDistrict = tree.districts
    .filter((d) => !districtCode || d.code === districtCode)
    .map((d) => ({ label: d.name, value: stats.received.byDistrict[d.code] ?? 0 }));
  const scopeName = districtCode ? (districtName.get(districtCode) ?? districtCode) : t("dashboard.scope.province");
  const rowsOf = (rows: ReportRow[]) => rows.map((r) => ({ ...r, level: unitTypeLabel(t, r.type), isDistrict: r.level === "district" }));
  return {
    periodName: periodName(t, periodOfData(data)),
    scopeName,
    categoryName: data.category ? t(`categories.${data.category}`) : null,
    stats,
    register,
    places: data.places ?? null,
    fmt,
    threshold: data.threshold,
    byCategory,
    bySource: count(stats.received.bySource, SOURCES, "dashboard.sources"),
    byTriage: count(stats.triage.byOutcome, TRIAGE_OUTCOMES, "triageOutcomes"),
    byOutcome: count(stats.resolved.byOutcome, OUTCOMES, "outcomes"),
    charts: {
      category: barChart({ id: "chart-category", title: t("dashboard.charts.byCategory"), description: t("dashboard.charts.sameAsTable"), bars: byCategory.map((c) => ({ label: c.label, value: c.n, display: fmt.n(c.n) })) }),
      district: districtCode ? null : barChart({ id: "chart-district", title: t("dashboard.charts.byDistrict"), description: t("dashboard.charts.sameAsTable"), bars: byDistrict.map((d) => ({ ...d, display: fmt.n(d.value) })) }),
    },
    byDistrict,
    table: { columns: REPORT_COLUMNS.map((c) => ({ key: c, label: t(reportColumnKey(c)), short: t(`reports.short.${c}`) })), rows: rowsOf(data.rows) },
    communeTables: data.communeTables.map((d) => ({ ...d, rows: rowsOf(d.rows) })),
    models: data.models.map((m) => ({
      ...m,
      commune: m.registration ? (communeName.get(m.registration.communeCode) ?? m.registration.communeCode) : null,
      deadline: formatDate(new Date(m.deadline)),
    })),
    modelYear: data.modelYear,
  };
}

/** The text written for a report (a filed one's, or blank for the live print), and its kind. */
type ReportTexts = WrittenReport & { kind: string };

const ROMAN = ["I", "II", "III", "IV"];
const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** The Youth Union's document around a report: issuer, number, place and date, title by period, signature, recipients. */
export async function documentOf(ctx: AppContext, t: Translate, data: ReportData, texts: Partial<ReportTexts>) {
  const tree = await ctx.units.tree();
  const issuer = issuerOf(tree, data.districtCode);
  const period = periodOfData(data);
  const from = local(period.from);
  const year = from.getUTCFullYear();
  const kind = texts.kind ?? period.kind;
  const days = () => t("dashboard.print.periodDays", { from: formatDate(period.from), to: formatDate(new Date(period.to.getTime() - 86_400_000)) });
  const phrase =
    period.kind === "month" ? t("dashboard.print.periodMonth", { month: from.getUTCMonth() + 1, year })
    : period.kind === "quarter" ? t("dashboard.print.periodQuarter", { quarter: ROMAN[Math.floor(from.getUTCMonth() / 3)]!, year })
    : period.kind === "half" ? t(from.getUTCMonth() < 6 ? "dashboard.print.periodHalf1" : "dashboard.print.periodHalf2", { year })
    : period.kind === "year" ? t("dashboard.print.periodYear", { year })
    : days();
  const issued = texts.issuedOn ? new Date(`${texts.issuedOn}T00:00:00Z`) : local(new Date());
  const title = kind === "thematic" ? t("dashboard.print.titleThematic") : kind === "adhoc" ? t("dashboard.print.titleAdhoc") : t("dashboard.print.title");
  return {
    parent: issuer.parent,
    committee: issuer.committee,
    number: texts.number || `      ${issuer.numberSuffix}`,
    placeDate: t("dashboard.print.placeDateOf", { place: texts.place || issuer.place, day: issued.getUTCDate(), month: issued.getUTCMonth() + 1, year: issued.getUTCFullYear() }),
    title,
    subtitle: texts.subject ? `${texts.subject} (${phrase})` : t("dashboard.print.subject", { period: phrase }),
    assessment: lines(texts.assessment ?? ""),
    nextSteps: lines(texts.nextSteps ?? ""),
    signerTitle: texts.signerTitle || t("dashboard.print.defaultSigner"),
    signerName: texts.signerName ?? "",
    recipients: lines(texts.recipients || t(data.districtCode ? "dashboard.print.recipientsDistrict" : "dashboard.print.recipientsProvince")),
    defaults: { place: issuer.place, numberSuffix: issuer.numberSuffix },
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
    completedOn: d.registration?.completedAt ? formatDate(d.registration.completedAt) : null,
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
    deadline: all[0] ? formatDate(new Date(all[0].deadline)) : null,
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

/**
 * The printed report's controls (on screen only, no JavaScript): the checkbox that lists communes with no
 * activity too, as a GET form that keeps the report's own fields, the count of communes left out, the downloads.
 */
export function printControls(action: string, fields: Record<string, string>, allCommunes: boolean, hidden: number, downloads: { csv: string; csvComma: string; xlsx: string }) {
  return { action, fields: Object.entries(fields).filter(([, v]) => v !== "").map(([name, value]) => ({ name, value })), allCommunes, hidden, downloads };
}

/** The tip line's own address: PUBLIC_URL, or the address this page was asked on. */
const tipLineUrl = (ctx: AppContext, req: Request) => (ctx.config.publicUrl ?? `${req.protocol}://${req.get("host")}`).replace(/\/+$/, "");

export function staffReportPages(ctx: AppContext): Router {
  const router = Router();
  const paths = ["/staff/dashboard", "/staff/reports/print", "/staff/model-communes", "/staff/admin/settings", "/staff/posters"];
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
      report: await presentReport(ctx, res, shown.data),
      doc: await documentOf(ctx, translatorOf(res), data, {}),
      print: printControls("/staff/reports/print", { ...f.values, lang: lang === "vi" ? "" : lang }, !!options.value.allCommunes, shown.hidden, exportLinks(f, lang)),
      fileHref: can(actor, "report.file", { districtCode: f.scope.districtCode ?? null }) ? `/staff/reports?${reportQuery(f, lang)}` : null,
      back: `/staff/dashboard?${reportQuery(f, lang)}`,
      langHref: `/staff/reports/print?${reportQuery(f, other)}${options.value.allCommunes ? "&allCommunes=1" : ""}`,
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
    await updateSettings(ctx, actor, publicFigures, wordings);
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
