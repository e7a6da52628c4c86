/**
 * A report table as CSV: UTF-8 with a byte-order mark, the title (period and
 * scope) and a filed report's note as one-cell lines above the header, then
 * the rows as the dashboard shows them. ";" by default — Excel set to
 * Vietnamese uses ";" as its list separator and opens a "," file as one
 * column — or "," on request.
 */
import { toCsv, type CsvSeparator } from "../stats/reportTable.js";
import type { ExportTable } from "./exportTable.js";

export const CSV_SEPARATORS = { semicolon: ";", comma: "," } as const satisfies Record<string, CsvSeparator>;
export type CsvSeparatorName = keyof typeof CSV_SEPARATORS;

export function reportCsv(table: ExportTable, separator: CsvSeparatorName = "semicolon"): string {
  return toCsv(table.header, table.rows.map((r) => r.cells), { separator: CSV_SEPARATORS[separator], title: [table.title, ...table.notes] });
}
