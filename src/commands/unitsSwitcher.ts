/**
 * unitsSwitcher: before the first tip arrives, an administrator chooses which
 * shipped administrative tree the tip line uses (Bến Tre 2019, 2020, or the
 * 2025 communes of Vĩnh Long without districts). Once a tip exists the tree
 * changes only through `units import`, deliberately: tips, coverage rules
 * and liaisons' districts are filed under the tree's codes.
 */
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { tips } from "../db/schema.js";
import { HttpError } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import { bundledTreeRows, type BundledTree } from "../units/bundledTrees.js";
import { replaceUnits, UNITS_LOCK } from "./unitsImporter.js";

/** @throws 409 tips_exist once a tip has arrived. */
export async function switchUnitsTree(ctx: AppContext, actor: Actor, tree: BundledTree): Promise<void> {
  authorize(actor, "units.manage");
  const rows = bundledTreeRows(tree);
  await ctx.database.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${UNITS_LOCK})`);
    // Tips are inserted without this lock, so the count is read under a table lock that waits for them.
    await tx.execute(sql`LOCK TABLE tips IN SHARE MODE`);
    const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(tips);
    if ((row?.n ?? 0) > 0) throw new HttpError(409, "tips_exist", "errors.units_tips_exist");
    await replaceUnits(tx, rows);
    await appendAudit(tx, { actorId: actor.id, action: "units.switched", subjectType: "units", subjectId: tree, details: { communes: rows.filter((r) => r.level === "commune").length } });
  });
  ctx.units.invalidate();
}
