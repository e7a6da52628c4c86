/** reportExportRecorder: the audit row of a report export (CSV or XLSX, live or filed), after the policy allows it. */
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { authorize, type Actor } from "../policies/index.js";

export interface ReportExport {
  periodLabel: string;
  districtCode: string | null;
  scope: string | undefined;
  category: string | null;
  format: "csv" | "xlsx";
  /** A filed report's export: its id (the figures are its snapshot). */
  savedReportId?: string;
}

export async function recordReportExport(ctx: AppContext, actor: Actor, e: ReportExport): Promise<void> {
  authorize(actor, "stats.export");
  await ctx.database.db.transaction((tx) =>
    appendAudit(tx, {
      actorId: actor.id,
      action: "report.exported",
      subjectType: "report",
      subjectId: e.periodLabel,
      districtCode: e.districtCode,
      details: { scope: e.scope, category: e.category, format: e.format, ...(e.savedReportId ? { savedReportId: e.savedReportId } : {}) },
    }),
  );
}
