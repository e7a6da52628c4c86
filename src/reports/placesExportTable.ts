/**
 * The places register's figures as an export table (CSV, XLSX): one row per
 * district with the counts and the two shares as the dashboard shows them
 * (hidden cells "x"), and the scope's total row. Shares are written as
 * fractions (0.25) rounded to three decimals, empty when there is nothing to
 * divide by.
 */
import type { Translate } from "../i18n/index.js";
import { PLACE_COLUMNS, type PlaceFigures, type PlaceRowShown } from "../places/placeFigures.js";
import type { Period } from "../stats/periods.js";
import type { UnitTree } from "../units/directory.js";
import { unitTypeLabel } from "../units/unitTypes.js";
import { exportTitle, type Cell, type ExportTable } from "./exportTable.js";

const shareCell = (v: PlaceRowShown["handledShare"]): Cell => (v === null ? "" : typeof v === "number" ? Math.round(v * 1000) / 1000 : v);

export interface PlacesExportSource {
  period: Period;
  districtCode?: string | null;
  category?: string | null;
  figures: PlaceFigures;
}

export function placesExportTable(t: Translate, tree: UnitTree, src: PlacesExportSource): ExportTable {
  const { title, where } = exportTitle(t, tree, src, "places.figures.exportTitle");
  const f = src.figures;
  const vars = { year: f.year, low: `${f.target.low * 100}%`, high: `${f.target.high * 100}%` };
  const columns = [...PLACE_COLUMNS.map((c) => t(`places.figures.columns.${c}`, vars)), t("places.figures.columns.handledShare", vars), t("places.figures.columns.yearShare", vars)];
  const cellsOf = (r: PlaceRowShown): Cell[] => [...PLACE_COLUMNS.map((c) => r.counts[c]), shareCell(r.handledShare), shareCell(r.yearShare)];
  const type = new Map(tree.districts.map((d) => [d.code, d.type]));
  return {
    title,
    notes: [],
    header: [t("reports.columns.level"), t("reports.columns.code"), t("reports.columns.name"), ...columns],
    rows: f.districts.map((r) => ({ level: "district" as const, cells: [unitTypeLabel(t, type.get(r.code ?? "") ?? ""), r.code ?? "", r.name ?? "", ...cellsOf(r)] })),
    total: [t("reports.export.total"), "", where, ...cellsOf(f.total)],
    threshold: f.threshold,
    fileName: `homthu-places-${src.period.label.replace("..", "_")}`,
  };
}
