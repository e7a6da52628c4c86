/**
 * Which police unit takes a case: a commune-level rule first (a commune given
 * to another unit than its district), then the district's rule, then a unit
 * registered for that district. Rules are data administrators edit.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { coverage, policeUnits } from "../db/schema.js";

/** The unit a case goes to by the rules (null: none); inside a command's transaction or on its own. */
export async function unitForCase(tx: Db | Tx, tip: { districtCode: string; communeCode: string }): Promise<string | null> {
  const rules = await tx.select().from(coverage).where(inArray(coverage.unitCode, [tip.communeCode, tip.districtCode]));
  const rule = rules.find((r) => r.unitCode === tip.communeCode) ?? rules.find((r) => r.unitCode === tip.districtCode);
  if (rule) return rule.policeUnitId;
  const [unit] = await tx.select({ id: policeUnits.id }).from(policeUnits).where(and(eq(policeUnits.districtCode, tip.districtCode), eq(policeUnits.active, true))).limit(1);
  return unit?.id ?? null;
}

/** Every coverage rule (district or commune code → police unit). */
export const listCoverage = (db: Db) => db.select().from(coverage);
