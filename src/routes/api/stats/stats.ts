/**
 * Statistics for the plan's reports:
 *   GET /api/v1/stats?period=2020-Q1|2020-03|2020 (or from=&to=)&scope=province|district:831|commune:28801&category=&groupBy=
 *   GET /api/v1/reports/:period.csv|.xlsx?scope=…&category=…&sep=semicolon|comma   the printable report's table
 *       (CSV: UTF-8 with BOM, ";" by default; XLSX: headers, widths, a total row; both with a title line)
 *   GET /api/v1/reports/custom.csv|.xlsx?from=2020-02-01&to=2020-02-29&scope=…   the same for a custom period
 *   GET /api/v1/reports/saved/:id.csv|.xlsx?sep=…   a filed report's table, from its snapshot (src/reports/)
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../../context.js";
import { recordReportExport } from "../../../commands/reportExportRecorder.js";
import { invalidInput, notFound } from "../../../errors.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { computeStats } from "../../../stats/statistics.js";
import { authorizeStatsScope, requirePeriodAllowed, suppressionFor } from "../../../stats/statsAccess.js";
import { shownByCommune } from "../../../stats/suppression.js";
import { customPeriod, parsePeriod } from "../../../stats/periods.js";
import { savedReport, snapshotForActor } from "../../../stats/savedReports.js";
import { filedExportTable } from "../../../reports/exportTable.js";
import { liveExportTable } from "../../../reports/liveExport.js";
import { exportFile, exportFileOf, type ExportedFile } from "../../../reports/exportFile.js";
import { parseOrThrow, uuidParam } from "../../../validation/parse.js";
import { exportQuerySchema, periodOf, savedExportQuerySchema, scopeOf, statsQuerySchema } from "../../../validation/stats.js";
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
    const file = exportFileOf(String(req.params.file));
    const q = parseOrThrow(exportQuerySchema, req.query, "invalid_query");
    // A named period in the file name (2020-Q1.csv, 2020-Q1.xlsx), or "custom.csv" with from= and to=.
    const period = !file ? null : file.name === "custom" ? (q.from && q.to ? customPeriod(q.from, q.to) : null) : parsePeriod(file.name);
    if (!file || !period) throw invalidInput("invalid_query", { period: "errors.invalid_period" });
    const scope = await authorizeStatsScope(ctx, actor, scopeOf(q.scope), "stats.export");
    requirePeriodAllowed(ctx, actor, period);
    const t = res.locals.t as Translate;
    const table = await liveExportTable(ctx, t, { period, ...scope, category: q.category, suppression: suppressionFor(ctx, actor), withCommunes: file.format === "xlsx" });
    const exported = { periodLabel: period.label, districtCode: scope.districtCode ?? null, scope: q.scope, category: q.category ?? null, format: file.format };
    await recordReportExport(ctx, actor, exported);
    send(res, await exportFile(t, table, file.format, q.sep));
  });

  // A filed report: the figures of its snapshot (as this person may see them), never recomputed.
  router.get("/api/v1/reports/saved/:file", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const file = exportFileOf(String(req.params.file));
    const id = uuidParam.safeParse(file?.name);
    if (!file || !id.success) throw notFound();
    const q = parseOrThrow(savedExportQuerySchema, req.query, "invalid_query");
    const r = await savedReport(ctx.database.db, id.data);
    if (!r) throw notFound();
    const data = snapshotForActor(ctx, actor, r, "stats.export");
    const t = res.locals.t as Translate;
    const table = filedExportTable(t, await ctx.units.tree(), r, data);
    const scope = data.districtCode ? `district:${data.districtCode}` : "province";
    const exported = { periodLabel: data.period.label, districtCode: data.districtCode, scope, category: data.category, format: file.format };
    await recordReportExport(ctx, actor, { ...exported, savedReportId: r.id });
    send(res, await exportFile(t, table, file.format, q.sep));
  });

  return router;
}

/** A downloaded file: its type and name, then its bytes. */
function send(res: Response, f: ExportedFile): void {
  res.setHeader("Content-Type", f.type);
  res.setHeader("Content-Disposition", `attachment; filename="${f.fileName}"`);
  res.send(f.body);
}
