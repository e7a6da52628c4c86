/**
 * Everything a report shows, as data (no words): the plan's figures, the
 * table by district (and commune), every district's communes for the
 * province's printed report, and the year's model communes. The dashboard and
 * the printed report render it live; a filed report keeps it as its snapshot.
 */
import type { AppContext } from "../context.js";
import type { Db } from "../db/client.js";
import type { UnitTree } from "../units/directory.js";
import { reportingDb } from "../db/readReplica.js";
import { placeFigures, type PlaceFigures } from "../places/placeFigures.js";
import { KIND_OF_CATEGORY } from "../places/register.js";
import { modelCommuneStatus, modelRows, type ModelTableRow } from "./modelCommuneStatus.js";
import type { Period } from "./periods.js";
import { reportRows, type ReportRow } from "./reportTable.js";
import { computeStats, type Stats } from "./statistics.js";
import type { Suppression } from "./suppression.js";

const OFFSET_MS = 7 * 3_600_000;

export interface ReportData {
  period: { from: string; to: string; label: string; kind: Period["kind"] };
  districtCode: string | null;
  category: string | null;
  threshold: number;
  stats: Stats;
  rows: ReportRow[];
  communeTables: Array<{ code: string; name: string; rows: ReportRow[] }>;
  models: ModelTableRow[];
  modelYear: number;
  /** The places register's figures (absent from reports filed before it, and under a category that names no kind of place). */
  places?: PlaceFigures | null;
}

/** What people write on a report in the Youth Union's format (kept with a filed report). */
export interface WrittenReport {
  number: string;
  place: string;
  issuedOn: string;
  subject: string;
  assessment: string;
  nextSteps: string;
  signerTitle: string;
  signerName: string;
  recipients: string;
}

export async function reportData(
  ctx: AppContext,
  q: { period: Period; districtCode?: string; category?: string; suppression: Suppression; communeTables?: boolean },
): Promise<ReportData> {
  const tree = await ctx.units.tree();
  // Reads go to the reporting connection (a replica when configured).
  const db = reportingDb(ctx.database);
  const { period, districtCode, category, suppression } = q;
  const modelYear = new Date(period.from.getTime() + OFFSET_MS).getUTCFullYear();
  // A category filter narrows the places to the kind it names; a category that names none has no places figures.
  const kind = category ? KIND_OF_CATEGORY[category] : undefined;
  const [stats, rows, models, placesFigures] = await Promise.all([
    computeStats(db, ctx.config, { from: period.from, to: period.to, districtCode, category }),
    reportRows(db, tree, period.from, period.to, { districtCode, category, suppression }),
    modelCommuneStatus(ctx, modelYear),
    category && !kind ? null : placeFigures(db, tree, period, { districtCode, kind, suppression }),
  ]);
  // The printed report of the province also tabulates every district's communes.
  const communeTables = q.communeTables && !districtCode ? await communeTablesOf(db, tree, period, { category, suppression }) : [];
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString(), label: period.label, kind: period.kind },
    districtCode: districtCode ?? null,
    category: category ?? null,
    threshold: suppression.threshold,
    stats,
    rows,
    communeTables,
    models: modelRows(models.filter((m) => !districtCode || m.districtCode === districtCode)),
    modelYear,
    places: placesFigures,
  };
}

/** A snapshot read back from JSON: the period's dates as dates again. */
export const periodOfData = (d: ReportData): Period => ({
  from: new Date(d.period.from),
  to: new Date(d.period.to),
  label: d.period.label,
  kind: d.period.kind,
});

/** Every district's communes, one table each, under the suppression rule (the province's printed report and XLSX). */
export async function communeTablesOf(db: Db, tree: UnitTree, period: Pick<Period, "from" | "to">, q: { category?: string; suppression: Suppression }): Promise<ReportData["communeTables"]> {
  return Promise.all(
    tree.districts.map(async (d) => ({
      code: d.code,
      name: d.name,
      rows: (await reportRows(db, tree, period.from, period.to, { districtCode: d.code, category: q.category, suppression: q.suppression })).filter((r) => r.level === "commune"),
    })),
  );
}
