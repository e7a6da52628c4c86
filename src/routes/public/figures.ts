/**
 * The optional public figures page:
 *   GET /figures   the province's figures for each of the last twelve complete months
 * Administrators switch it on (setting "publicFigures"); while it is off the
 * page does not exist (404) and nothing links to it. Every cell follows the
 * small-number rule (src/stats/suppression.ts) — the strictest audience sees
 * it — and there is neither a total row (a total minus the shown months would
 * reveal a hidden one, so no secondary suppression is needed) nor the
 * current month (a count that moves today would date a tip).
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../context.js";
import { notFound } from "../../errors.js";
import type { Translate } from "../../i18n/index.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { getSetting } from "../../settings/settings.js";
import { parsePeriod } from "../../stats/periods.js";
import { reportColumnKey, reportRows, type ReportColumn } from "../../stats/reportTable.js";
import { shownPrimary } from "../../stats/suppression.js";
import { reportingDb } from "../../db/readReplica.js";

/** The four figures the public sees, as columns of the report table. */
export const PUBLIC_COLUMNS = ["received", "actionable", "spot_eliminated", "plants_destroyed"] as const satisfies readonly ReportColumn[];

const OFFSET_MS = 7 * 3_600_000;

/** The names (2020-03) of the twelve complete months before `now`, oldest first, in Vietnam's calendar. */
export function lastTwelveMonths(now = new Date()): string[] {
  const d = new Date(now.getTime() + OFFSET_MS);
  const months: string[] = [];
  for (let i = 12; i >= 1; i--) {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    months.push(`${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, "0")}`);
  }
  return months;
}

/** The public threshold: the configured one, and never less than 3. */
export const publicThreshold = (ctx: AppContext) => Math.max(3, ctx.config.reports.smallNumberThreshold);

/** The suppressed cells of each month, oldest first. */
async function monthlyCells(ctx: AppContext, months: string[], threshold: number): Promise<Array<{ name: string; cells: Array<number | string> }>> {
  const tree = await ctx.units.tree();
  return Promise.all(
    months.map(async (name) => {
      const period = parsePeriod(name)!;
      const rows = await reportRows(reportingDb(ctx.database), tree, period.from, period.to, {});
      return { name, cells: PUBLIC_COLUMNS.map((c) => shownPrimary(rows.reduce((sum, r) => sum + Number(r.values[c]), 0), threshold)) };
    }),
  );
}

const CACHE_MS = 10 * 60_000;

export function publicFigurePages(ctx: AppContext): Router {
  const router = Router();
  // A public page must not cost twelve queries per request; the months shown are complete, so a short cache is exact enough.
  let cached: { key: string; at: number; rows: Awaited<ReturnType<typeof monthlyCells>> } | undefined;

  router.get("/figures", noStore, async (_req: Request, res: Response) => {
    if (!(await getSetting(ctx.database.db, "publicFigures"))) throw notFound();
    const t = res.locals.t as Translate;
    const threshold = publicThreshold(ctx);
    const months = lastTwelveMonths();
    const key = `${months[0]}:${threshold}`;
    if (!cached || cached.key !== key || Date.now() - cached.at > CACHE_MS) cached = { key, at: Date.now(), rows: await monthlyCells(ctx, months, threshold) };
    const rows = cached.rows.map(({ name, cells }) => ({ label: t("figures.month", { month: Number(name.slice(5)), year: Number(name.slice(0, 4)) }), cells }));
    res.render("public/figures.njk", { months: rows, columns: PUBLIC_COLUMNS.map((c) => t(reportColumnKey(c))), threshold });
  });

  return router;
}
