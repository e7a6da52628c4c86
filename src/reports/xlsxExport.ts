/**
 * A report table as an Excel workbook (exceljs): the title row (period and
 * scope) across the table, a filed report's note, the header in the reader's
 * language (wrapped, frozen), one row per unit — numbers as numbers, a hidden
 * cell as the same "x" every other export shows — a bold total row, column
 * widths that fit the names, and the small-number legend when cells follow
 * the rule. A4 landscape, one page wide, when printed from Excel. The
 * province's workbook has a second sheet with every district's communes.
 */
import ExcelJS from "exceljs";
import { LEAD_COLUMNS, type ExportTable } from "./exportTable.js";

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const THIN = { style: "thin" } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/** Characters a column needs: its longest cell, within bounds (headers wrap instead of widening). */
const widthOf = (cells: Array<string | number>, min: number, max: number) => Math.min(max, Math.max(min, ...cells.map((c) => String(c).length + 2)));

export async function reportXlsx(table: ExportTable, opts: { sheetName: string; communesSheetName: string; legend?: string }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "homthu";
  addSheet(wb, opts.sheetName, table, table.rows, table.total, opts.legend);
  // The province: its communes, district by district, on a second sheet (the printed report's commune tables).
  if (table.communes?.length) addSheet(wb, opts.communesSheetName, table, table.communes, null, opts.legend);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function addSheet(wb: ExcelJS.Workbook, name: string, table: ExportTable, rows: ExportTable["rows"], totalRow: ExportTable["total"] | null, legend?: string): void {
  const columns = table.header.length;
  const headerRow = 2 + table.notes.length;
  const ws = wb.addWorksheet(name.slice(0, 31), {
    pageSetup: { paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
    views: [{ state: "frozen", ySplit: headerRow, xSplit: LEAD_COLUMNS }],
  });

  const title = ws.addRow([table.title]);
  title.font = { bold: true, size: 13 };
  ws.mergeCells(1, 1, 1, columns);
  for (const note of table.notes) {
    ws.addRow([note]).font = { italic: true };
    ws.mergeCells(ws.rowCount, 1, ws.rowCount, columns);
  }

  const header = ws.addRow(table.header);
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: "middle", horizontal: "center" };
  header.height = 60;
  header.eachCell((c) => {
    c.border = BORDER;
    c.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFE8E8E8" } };
  });

  const figure = (row: ExcelJS.Row) =>
    row.eachCell((c, col) => {
      c.border = BORDER;
      if (col > LEAD_COLUMNS) c.alignment = { horizontal: "right" };
    });
  const nested = rows.some((x) => x.level === "commune");
  for (const r of rows) {
    const row = ws.addRow(r.cells);
    if (r.level === "district" && nested) row.font = { bold: true };
    figure(row);
  }
  if (totalRow) {
    const total = ws.addRow(totalRow);
    total.font = { bold: true };
    figure(total);
    total.eachCell((c) => (c.border = { ...BORDER, top: { style: "double" } }));
  }

  if (legend && table.threshold > 0) {
    ws.addRow([]);
    ws.addRow([legend]).alignment = { wrapText: true, vertical: "top" };
    ws.mergeCells(ws.rowCount, 1, ws.rowCount, columns);
    ws.getRow(ws.rowCount).height = 45;
  }

  const body = [...rows.map((r) => r.cells), ...(totalRow ? [totalRow] : [])];
  ws.getColumn(1).width = widthOf(body.map((r) => r[0]!), 10, 16);
  ws.getColumn(2).width = widthOf(body.map((r) => r[1]!), 7, 12);
  ws.getColumn(3).width = widthOf(body.map((r) => r[2]!), 18, 36);
  for (let c = LEAD_COLUMNS + 1; c <= columns; c++) ws.getColumn(c).width = 12;
}
