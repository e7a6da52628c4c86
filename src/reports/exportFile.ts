/**
 * What an export answers: the file's bytes, its content type and its name,
 * for a table in CSV (";" or ",") or XLSX. The routes only parse, call this
 * and send.
 */
import type { Translate } from "../i18n/index.js";
import { reportCsv, type CsvSeparatorName } from "./csvExport.js";
import type { ExportTable } from "./exportTable.js";
import { reportXlsx, XLSX_TYPE } from "./xlsxExport.js";

export const EXPORT_FORMATS = ["csv", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** "2020-Q1.csv" → { name: "2020-Q1", format: "csv" }; null for another extension. */
export function exportFileOf(file: string): { name: string; format: ExportFormat } | null {
  const m = /^(.+)\.(csv|xlsx)$/.exec(file);
  return m ? { name: m[1]!, format: m[2] as ExportFormat } : null;
}

export interface ExportedFile {
  type: string;
  fileName: string;
  body: string | Buffer;
}

export async function exportFile(t: Translate, table: ExportTable, format: ExportFormat, separator: CsvSeparatorName): Promise<ExportedFile> {
  if (format === "csv") return { type: "text/csv; charset=utf-8", fileName: `${table.fileName}.csv`, body: reportCsv(table, separator) };
  const legend = t("dashboard.districts.smallNumbers", { threshold: table.threshold });
  return { type: XLSX_TYPE, fileName: `${table.fileName}.xlsx`, body: await reportXlsx(table, { sheetName: t("reports.export.sheet"), communesSheetName: t("reports.export.communesSheet"), legend }) };
}
