/**
 * A report's table as every export writes it (CSV, XLSX): a title with the
 * period, its days, the scope and the category; the header in the reader's
 * language (from the locale files); one row per unit with the cells exactly
 * as the dashboard and the printed report show them (suppressed cells stay
 * "x"); and a total row. Built from the rows of a live report or from a filed
 * report's snapshot, so a filed report exports the figures it was filed with.
 */
import type { Translate } from "../i18n/index.js";
import type { Period } from "../stats/periods.js";
import type { ReportData } from "../stats/reportData.js";
import type { SavedReport } from "../stats/savedReports.js";
import { REPORT_COLUMNS, reportColumnKey, type ReportRow } from "../stats/reportTable.js";
import { formatDate, formatIsoDay } from "../i18n/format.js";
import { SUPPRESSED, type Shown } from "../stats/suppression.js";
import type { UnitTree } from "../units/directory.js";
import { unitTypeLabel } from "../units/unitTypes.js";
import { periodDays, periodName, scopeName } from "./periodNames.js";

export type Cell = string | number;

/** The leading columns (unit type, code, name) before the report's figures. */
export const LEAD_COLUMNS = 3;

export interface ExportTable {
  /** One line: what, when (named period and its days) and where. */
  title: string;
  /** Lines under the title (a filed report's number and filing date). */
  notes: string[];
  header: string[];
  rows: Array<{ level: ReportRow["level"]; cells: Cell[] }>;
  /** The sum of the top-level rows (districts; a single commune for a commune scope). */
  total: Cell[];
  /** The province's table: every district (its row) followed by its communes, for a second XLSX sheet; empty otherwise. */
  communes?: Array<{ level: ReportRow["level"]; cells: Cell[] }>;
  /** The small-number threshold the cells follow (0: exact). */
  threshold: number;
  /** A file name without its extension. */
  fileName: string;
}

export interface ExportSource {
  period: Period;
  districtCode?: string | null;
  communeCode?: string | null;
  category?: string | null;
  rows: ReportRow[];
  /** The province's communes by district (the printed report's tables), for the XLSX's second sheet. */
  communeTables?: ReportData["communeTables"];
  threshold: number;
  /** A filed report: its number, the date written on it and the day it was filed. */
  filed?: { id: string; number: string; issuedOn: string; savedOn: Date };
}

/** A column's sum, or "x" when one of its cells is hidden (a sum would give the hidden cell away). */
function sum(cells: Shown[]): Shown {
  return cells.some((c) => c === SUPPRESSED) ? SUPPRESSED : cells.reduce<number>((a, c) => a + Number(c), 0);
}

/** The title line of an export: what (`titleKey`), the named period and its days, the scope and the category. */
export function exportTitle(t: Translate, tree: UnitTree, src: Pick<ExportSource, "period" | "districtCode" | "communeCode" | "category">, titleKey = "reports.export.title") {
  const { period } = src;
  const where = scopeName(t, tree, src);
  const when = period.kind === "custom" ? periodName(t, period) : `${periodName(t, period)} (${periodDays(period).from} – ${periodDays(period).to})`;
  let title = t(titleKey, { period: when, scope: where });
  if (src.category) title += `; ${t("dashboard.onlyCategory", { category: t(`categories.${src.category}`) })}`;
  return { title, where };
}

export function exportTable(t: Translate, tree: UnitTree, src: ExportSource): ExportTable {
  const { period } = src;
  const { title, where } = exportTitle(t, tree, src);
  const notes = src.filed
    ? [t("reports.export.filed", { number: src.filed.number || "…", date: formatIsoDay(src.filed.issuedOn), savedOn: formatDate(src.filed.savedOn) })]
    : [];
  const header = [t("reports.columns.level"), t("reports.columns.code"), t("reports.columns.name"), ...REPORT_COLUMNS.map((c) => t(reportColumnKey(c)))];
  const line = (r: ReportRow) => ({ level: r.level, cells: [unitTypeLabel(t, r.type), r.code, r.name, ...REPORT_COLUMNS.map((c) => r.values[c])] });
  const rows = src.rows.map(line);
  const communes = (src.communeTables ?? []).flatMap((d) => [...src.rows.filter((r) => r.code === d.code), ...d.rows].map(line));
  // District rows are the scope's exact totals; the communes below a district are its detail, not added again.
  const top = src.rows.some((r) => r.level === "district") ? src.rows.filter((r) => r.level === "district") : src.rows;
  const total: Cell[] = [t("reports.export.total"), "", where, ...REPORT_COLUMNS.map((c) => sum(top.map((r) => r.values[c])))];
  const base = `homthu-${period.label.replace("..", "_")}`;
  return { title, notes, header, rows, total, communes, threshold: src.threshold, fileName: src.filed ? `${base}-${src.filed.id.slice(0, 8)}` : base };
}

/** A filed report's table: the snapshot as this person may read it, with the report's number and filing day. */
export function filedExportTable(t: Translate, tree: UnitTree, r: Pick<SavedReport, "id" | "number" | "issuedOn" | "createdAt">, data: ReportData): ExportTable {
  const period = { from: new Date(data.period.from), to: new Date(data.period.to), label: data.period.label, kind: data.period.kind };
  const filed = { id: r.id, number: r.number, issuedOn: r.issuedOn, savedOn: r.createdAt };
  const { districtCode, category, rows, communeTables, threshold } = data;
  return exportTable(t, tree, { period, districtCode, category, rows, communeTables, threshold, filed });
}
