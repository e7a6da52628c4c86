/**
 * The printed report's tables without the communes that had no activity:
 * a commune row is left out when every cell it shows is 0. The decision reads
 * the cells as shown — a row with a hidden "x" stays, whatever it hides — so
 * leaving rows out tells a reader nothing the full table would not. District
 * rows always stay; a district whose communes all had none loses its commune
 * table, and the report says how many communes were left out.
 */
import type { ReportData } from "../stats/reportData.js";
import { REPORT_COLUMNS, type ReportRow } from "../stats/reportTable.js";

const active = (r: ReportRow) => r.level !== "commune" || REPORT_COLUMNS.some((c) => r.values[c] !== 0);

export function withoutEmptyCommunes(data: ReportData): { data: ReportData; hidden: number } {
  let hidden = 0;
  const keep = (rows: ReportRow[]) => {
    const kept = rows.filter(active);
    hidden += rows.length - kept.length;
    return kept;
  };
  const rows = keep(data.rows);
  const communeTables = data.communeTables.map((d) => ({ ...d, rows: keep(d.rows) })).filter((d) => d.rows.length > 0);
  return { data: { ...data, rows, communeTables }, hidden };
}
