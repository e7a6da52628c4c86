/** Filed reports, read back: the list a person may see and one report with the snapshot for their role. */
import { and, desc, eq, getTableColumns, isNull, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { savedReports } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { forbidden } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import type { ReportData } from "./reportData.js";
import { smallNumberThreshold } from "./statsAccess.js";

export type SavedReport = typeof savedReports.$inferSelect;

/** Reports of one district (and the province's when `withProvince`), or all of them; newest period first. */
export async function listSavedReports(db: Db, scope: { districtCode?: string; withProvince?: boolean }): Promise<Array<Omit<SavedReport, "figures" | "figuresSuppressed">>> {
  let where: SQL | undefined;
  if (scope.districtCode) {
    const own = eq(savedReports.districtCode, scope.districtCode);
    where = scope.withProvince ? or(own, isNull(savedReports.districtCode)) : own;
  }
  const { figures: _f, figuresSuppressed: _s, ...columns } = getTableColumns(savedReports);
  return db.select(columns).from(savedReports).where(and(where)).orderBy(desc(savedReports.periodFrom), desc(savedReports.createdAt)).limit(500);
}

export async function savedReport(db: Db, id: string): Promise<SavedReport | null> {
  const [row] = await db.select().from(savedReports).where(eq(savedReports.id, id));
  return row ?? null;
}

/** The snapshot someone may read: exact figures, or the suppressed ones for people under the small-number rule. */
export const snapshotFor = (r: SavedReport, threshold: number): ReportData => (threshold > 0 ? r.figuresSuppressed : r.figures) as unknown as ReportData;

/**
 * The snapshot this person may read (to view: stats.view; to download: stats.export), for the report's district.
 * A snapshot made with a lower threshold than today's would show a supervisor more than today's rule allows: refused.
 */
export function snapshotForActor(ctx: AppContext, actor: Actor, r: SavedReport, action: "stats.view" | "stats.export"): ReportData {
  authorize(actor, action, { districtCode: r.districtCode });
  const threshold = smallNumberThreshold(ctx, actor);
  if (threshold > r.threshold) throw forbidden();
  return snapshotFor(r, threshold);
}
