/**
 * The report as rows: one per district (and per commune within a district
 * scope), the way the plan's administrative reports tabulate — used by the
 * CSV and XLSX exports, the dashboard and the printable report. Commune-level
 * cells follow the suppression rule (src/stats/suppression.ts) for people who
 * must not be able to single out a tiny hamlet.
 */
import { sql } from "drizzle-orm";
import { POLICE_OUTCOMES, TRIAGE_OUTCOMES } from "../cases/workflow.js";
import type { Db } from "../db/client.js";
import type { UnitTree } from "../units/directory.js";
import { monthRows } from "./monthCounts.js";
import { COLUMN_SQL, hiddenCommunes, QUANTITY_COLUMNS, QUANTITY_SQL, SUPPRESSED, type QuantityColumn, type Shown, type Suppression } from "./suppression.js";

/** Columns that count tips (COLUMN_SQL's aggregates; small counts are hidden from supervisors). */
export const COUNT_COLUMNS = ["received", "urgent", "actionable", "forwarded", "resolved", "spot_eliminated", "plants_destroyed", "arrests_made", "nothing_found", "help_requests", "referred", "false_or_malicious"] as const;
/** Every column of the report: the counts, then what the police results add up to (plants, m², people, grams). */
export const REPORT_COLUMNS = [...COUNT_COLUMNS, ...QUANTITY_COLUMNS] as const;
export type ReportColumn = (typeof REPORT_COLUMNS)[number];

/** The quantity columns' keys in the one set of quantity labels (`quantities.*`, also the police result form's). */
const QUANTITY_KEYS: Record<QuantityColumn, string> = { qty_plants: "plantsDestroyed", qty_area_m2: "areaM2", qty_people: "peopleHandled", qty_seized_grams: "seizedGrams" };

/**
 * The locale key of a column's heading. A column that counts one outcome is named by that
 * outcome's one key (`outcomes.*`, `triageOutcomes.*`), as the forms and the case page name it,
 * so the forms, the case page, the reports, the public figures and every export say the same words.
 */
export function reportColumnKey(c: ReportColumn): string {
  if ((POLICE_OUTCOMES as readonly string[]).includes(c)) return `outcomes.${c}`;
  if ((TRIAGE_OUTCOMES as readonly string[]).includes(c)) return `triageOutcomes.${c}`;
  if (c in QUANTITY_KEYS) return `quantities.${QUANTITY_KEYS[c as QuantityColumn]}`;
  return `reports.columns.${c}`;
}

export interface ReportRow {
  level: "district" | "commune";
  code: string;
  name: string;
  /** The unit's type from the units data (Thành phố, Huyện, Phường, Xã…). */
  type: string;
  values: Record<ReportColumn, Shown>;
}

export interface ReportScope {
  districtCode?: string;
  /** One commune: its own row only. */
  communeCode?: string;
  category?: string;
}

export async function reportRows(db: Db, tree: UnitTree, from: Date, to: Date, opts: ReportScope & { suppression?: Suppression }): Promise<ReportRow[]> {
  const districtCode = opts.districtCode ?? (opts.communeCode ? tree.communeDistrict.get(opts.communeCode) : undefined);
  const r = await db.execute<Record<string, number | string>>(sql`
    SELECT district_code, commune_code, ${COLUMN_SQL}, ${QUANTITY_SQL}
      FROM (${monthRows(from, to, { districtCode, communeCode: opts.communeCode, category: opts.category })}) r
     GROUP BY district_code, commune_code`);
  const zero = () => Object.fromEntries(REPORT_COLUMNS.map((c) => [c, 0])) as Record<ReportColumn, number>;
  const byDistrict = new Map<string, Record<ReportColumn, number>>();
  const byCommune = new Map<string, Record<ReportColumn, number>>();
  for (const row of r.rows) {
    const d = byDistrict.get(String(row.district_code)) ?? zero();
    const c = zero();
    for (const col of REPORT_COLUMNS) {
      d[col] = Math.round((d[col] + Number(row[col])) * 100) / 100;
      c[col] = Number(row[col]);
    }
    byDistrict.set(String(row.district_code), d);
    byCommune.set(String(row.commune_code), c);
  }
  const threshold = opts.suppression?.threshold ?? 0;
  // Commune cells someone with a threshold may not see: the rule's hidden cells, and every one under a category filter.
  const hidden = districtCode && opts.suppression && threshold > 0 && !opts.category
    ? await hiddenCommunes(db, tree, from, to, { districtCode, suppression: opts.suppression, columns: COUNT_COLUMNS })
    : null;
  // A quantity is hidden wherever the count of the cases it adds up ("resolved") is.
  const countOf = (col: ReportColumn) => ((QUANTITY_COLUMNS as readonly string[]).includes(col) ? "resolved" : (col as (typeof COUNT_COLUMNS)[number]));
  const hide = (col: ReportColumn, commune: string) => threshold > 0 && (!hidden || hidden.get(countOf(col))!.has(commune));
  const rows: ReportRow[] = [];
  for (const d of tree.districts) {
    if (districtCode && d.code !== districtCode) continue;
    if (!opts.communeCode) rows.push({ level: "district", code: d.code, name: d.name, type: d.type, values: byDistrict.get(d.code) ?? zero() });
    if (!districtCode) continue;
    for (const c of d.communes) {
      if (opts.communeCode && c.code !== opts.communeCode) continue;
      const v = byCommune.get(c.code) ?? zero();
      const shown = Object.fromEntries(REPORT_COLUMNS.map((k) => [k, hide(k, c.code) ? SUPPRESSED : v[k]])) as Record<ReportColumn, Shown>;
      rows.push({ level: "commune", code: c.code, name: c.name, type: c.type, values: shown });
    }
  }
  return rows;
}

export type CsvSeparator = "," | ";";

/**
 * RFC 4180 CSV with a UTF-8 byte-order mark, so Excel opens Vietnamese
 * correctly. `separator` is "," by default; Excel set to Vietnamese (whose list
 * separator is ";") opens a ";" file in columns. `title` lines come first, each
 * one cell (the report's period and scope above the header).
 */
export function toCsv(header: string[], rows: Array<Array<string | number>>, opts: { separator?: CsvSeparator; title?: string[] } = {}): string {
  const separator = opts.separator ?? ",";
  const cell = (v: string | number) => {
    const s = String(v);
    // A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote mark.
    const formula = /^[=+\-@\t\r]/.test(s);
    // Both separators are quoted whichever is used, so a file reads the same if opened with the other one.
    return /[",;\r\n]/.test(s) || formula ? `"${(formula ? "'" : "") + s.replace(/"/g, '""')}"` : s;
  };
  const lines = [...(opts.title ?? []).map((l) => [l]), header, ...rows];
  return "\uFEFF" + lines.map((r) => r.map(cell).join(separator)).join("\r\n") + "\r\n";
}
