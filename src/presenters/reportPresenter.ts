/**
 * What the staff report pages show (the dashboard, the printed report, a
 * filed report): a report's figures in the page's language with its charts
 * and tables, the Youth Union's document around it, and the links to the same
 * report's downloads. The routes choose the report and who may see it; this
 * only turns its data into what the templates print.
 */
import { barChart } from "../charts/svgCharts.js";
import { HELP_OUTCOMES, POLICE_OUTCOMES, TRIAGE_OUTCOMES } from "../cases/workflow.js";
import { registerFigures } from "../communes/register.js";
import type { AppContext } from "../context.js";
import { reportingDb } from "../db/readReplica.js";
import { formatDate } from "../i18n/format.js";
import type { Locale, Translate } from "../i18n/index.js";
import { periodName } from "../reports/periodNames.js";
import { getSetting } from "../settings/settings.js";
import type { Period } from "../stats/periods.js";
import { periodOfData, type ReportData, type WrittenReport } from "../stats/reportData.js";
import { REPORT_COLUMNS, reportColumnKey, type ReportRow } from "../stats/reportTable.js";
import { unitTypeLabel } from "../units/unitTypes.js";
import { issuerOf } from "../units/youthUnion.js";
import { CATEGORIES, TIP_SOURCES } from "../validation/tip.js";

const OFFSET_MS = 7 * 3_600_000;
const OUTCOMES = [...POLICE_OUTCOMES, ...HELP_OUTCOMES] as const;

/** A date as Vietnam's calendar sees it (the UTC fields of the shifted date). */
export const vietnamLocal = (d: Date) => new Date(d.getTime() + OFFSET_MS);

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

/** A report's data (live, or a filed report's snapshot) in the page's language. */
export async function presentReport(ctx: AppContext, t: Translate, lang: Locale, data: ReportData) {
  const fmt = formatters(lang, t);
  const tree = await ctx.units.tree();
  const { stats, districtCode } = data;
  const db = reportingDb(ctx.database);
  // The official commune register of the period's year (not tip data): its own figures beside the tip-based ones.
  const register = await registerFigures(db, tree, vietnamLocal(new Date(data.period.from)).getUTCFullYear(), await getSetting(db, "registerTargets"), districtCode ?? undefined);
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
    bySource: count(stats.received.bySource, TIP_SOURCES, "dashboard.sources"),
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
  const from = vietnamLocal(period.from);
  const year = from.getUTCFullYear();
  const kind = texts.kind ?? period.kind;
  const days = () => t("dashboard.print.periodDays", { from: formatDate(period.from), to: formatDate(new Date(period.to.getTime() - 86_400_000)) });
  const phrase =
    period.kind === "month" ? t("dashboard.print.periodMonth", { month: from.getUTCMonth() + 1, year })
    : period.kind === "quarter" ? t("dashboard.print.periodQuarter", { quarter: ROMAN[Math.floor(from.getUTCMonth() / 3)]!, year })
    : period.kind === "half" ? t(from.getUTCMonth() < 6 ? "dashboard.print.periodHalf1" : "dashboard.print.periodHalf2", { year })
    : period.kind === "year" ? t("dashboard.print.periodYear", { year })
    : days();
  const issued = texts.issuedOn ? new Date(`${texts.issuedOn}T00:00:00Z`) : vietnamLocal(new Date());
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

/**
 * The printed report's controls (on screen only, no JavaScript): the checkbox that lists communes with no
 * activity too, as a GET form that keeps the report's own fields, the count of communes left out, the downloads.
 */
export function printControls(
  action: string,
  fields: Record<string, string>,
  allCommunes: boolean,
  hidden: number,
  downloads: { csv: string; csvComma: string; xlsx: string },
) {
  return { action, fields: Object.entries(fields).filter(([, v]) => v !== "").map(([name, value]) => ({ name, value })), allCommunes, hidden, downloads };
}
