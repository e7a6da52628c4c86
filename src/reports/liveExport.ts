/**
 * A live report's table for an export: the rows of the period, scope and
 * category under this person's suppression rule (read from the reporting
 * connection), and — for the province's workbook — every district's communes.
 */
import type { AppContext } from "../context.js";
import { reportingDb } from "../db/readReplica.js";
import type { Translate } from "../i18n/index.js";
import type { Period } from "../stats/periods.js";
import { communeTablesOf } from "../stats/reportData.js";
import { reportRows } from "../stats/reportTable.js";
import type { Suppression } from "../stats/suppression.js";
import { exportTable, type ExportTable } from "./exportTable.js";

export interface LiveExport {
  period: Period;
  districtCode?: string;
  communeCode?: string;
  category?: string;
  suppression: Suppression;
  /** Add the province's communes (the XLSX's second sheet). */
  withCommunes: boolean;
}

export async function liveExportTable(ctx: AppContext, t: Translate, q: LiveExport): Promise<ExportTable> {
  const tree = await ctx.units.tree();
  const db = reportingDb(ctx.database);
  const { period, districtCode, communeCode, category, suppression } = q;
  const rows = await reportRows(db, tree, period.from, period.to, { districtCode, communeCode, category, suppression });
  const province = !districtCode && !communeCode;
  const communeTables = province && q.withCommunes ? await communeTablesOf(db, tree, period, { category, suppression }) : undefined;
  return exportTable(t, tree, { period, districtCode, communeCode, category, rows, communeTables, threshold: suppression.threshold });
}
