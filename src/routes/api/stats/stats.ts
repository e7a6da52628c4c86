/**
 * Statistics for the plan's reports:
 *   GET /api/v1/stats?period=2020-Q1|2020-03|2020 (or from=&to=)&scope=province|district:831|commune:28801&category=&groupBy=
 *   GET /api/v1/reports/:period.csv?scope=…&category=…   the same table as the printable report, UTF-8 with BOM
 *   GET /api/v1/reports/custom.csv?from=2020-02-01&to=2020-02-29&scope=…   the same for a custom period
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../../context.js";
import { recordReportExport } from "../../../commands/reportExportRecorder.js";
import { invalidInput } from "../../../errors.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { computeStats } from "../../../stats/statistics.js";
import { authorizeStatsScope, requirePeriodAllowed, suppressionFor } from "../../../stats/statsAccess.js";
import { shownByCommune } from "../../../stats/suppression.js";
import { customPeriod, parsePeriod } from "../../../stats/periods.js";
import { unitTypeLabel } from "../../../units/unitTypes.js";
import { REPORT_COLUMNS, reportColumnKey, reportRows, toCsv } from "../../../stats/reportTable.js";
import { parseOrThrow } from "../../../validation/staff.js";
import { periodOf, scopeOf, statsQuerySchema } from "../../../validation/stats.js";
import type { Translate } from "../../../i18n/index.js";
import { reportingDb } from "../../../db/readReplica.js";

export function statsApi(ctx: AppContext): Router {
  const router = Router();
  router.use(["/api/v1/stats", "/api/v1/reports"], noStore, requireStaff);

  router.get("/api/v1/stats", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const q = parseOrThrow(statsQuerySchema, req.query, "invalid_query");
    const period = periodOf(q);
    if (!period) throw invalidInput("invalid_query", { period: "errors.invalid_period" });
    const scope = await authorizeStatsScope(ctx, actor, scopeOf(q.scope));
    requirePeriodAllowed(ctx, actor, period);
    const reads = reportingDb(ctx.database);
    const stats = await computeStats(reads, ctx.config, { from: period.from, to: period.to, ...scope, category: q.category });
    const byCommune = await shownByCommune(reads, await ctx.units.tree(), period.from, period.to, { districtCode: scope.districtCode, category: q.category, suppression: suppressionFor(ctx, actor) }, stats.received.byCommune);
    const result = { ...stats, received: { ...stats.received, byCommune }, scope, period: { ...stats.period, label: period.label } };
    const groups = q.groupBy ? { district: result.received.byDistrict, commune: byCommune, category: result.received.byCategory, source: result.received.bySource }[q.groupBy] : undefined;
    res.json(groups ? { ...result, groupBy: q.groupBy, groups } : result);
  });

  router.get("/api/v1/reports/:file", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const file = String(req.params.file);
    const name = file.endsWith(".csv") ? file.slice(0, -4) : null;
    const q = parseOrThrow(statsQuerySchema.pick({ scope: true, lang: true, category: true, from: true, to: true }), req.query, "invalid_query");
    // A named period in the file name (2020-Q1.csv), or "custom.csv" with from= and to=.
    const period = name === "custom" ? (q.from && q.to ? customPeriod(q.from, q.to) : null) : name ? parsePeriod(name) : null;
    if (!period) throw invalidInput("invalid_query", { period: "errors.invalid_period" });
    const scope = await authorizeStatsScope(ctx, actor, scopeOf(q.scope), "stats.export");
    requirePeriodAllowed(ctx, actor, period);
    const tree = await ctx.units.tree();
    const reads = reportingDb(ctx.database);
    const rows = await reportRows(reads, tree, period.from, period.to, { ...scope, category: q.category, suppression: suppressionFor(ctx, actor) });
    const t = res.locals.t as Translate;
    const header = [t("reports.columns.level"), t("reports.columns.code"), t("reports.columns.name"), ...REPORT_COLUMNS.map((c) => t(reportColumnKey(c)))];
    const csv = toCsv(header, rows.map((r) => [unitTypeLabel(t, r.type), r.code, r.name, ...REPORT_COLUMNS.map((c) => r.values[c])]));
    await recordReportExport(ctx, actor, { periodLabel: period.label, districtCode: scope.districtCode ?? null, scope: q.scope, category: q.category ?? null, format: "csv" });
    res.setHeader("Content-Type", "text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", `attachment; filename="homthu-${period.label.replace("..", "_")}.csv"`);
    res.send(csv);
  });

  return router;
}
