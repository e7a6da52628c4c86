/** coverageSetter: an administrator says which police unit takes a district's (or one commune's) cases; null removes the rule. */
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { coverage, policeUnits } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";

export async function setCoverage(ctx: AppContext, actor: Actor, unitCode: string, policeUnitId: string | null): Promise<void> {
  authorize(actor, "units.manage");
  const tree = await ctx.units.tree();
  const isDistrict = tree.districts.some((d) => d.code === unitCode);
  if (!isDistrict && !tree.communeDistrict.has(unitCode)) throw invalidInput("invalid_coverage", { unitCode: "errors.invalid_commune" });
  if (policeUnitId) {
    const [unit] = await ctx.database.db.select({ id: policeUnits.id }).from(policeUnits).where(eq(policeUnits.id, policeUnitId));
    if (!unit) throw invalidInput("invalid_coverage", { policeUnitId: "errors.invalid_police_unit" });
  }
  await ctx.database.db.transaction(async (tx) => {
    if (policeUnitId) await tx.insert(coverage).values({ unitCode, policeUnitId }).onConflictDoUpdate({ target: coverage.unitCode, set: { policeUnitId } });
    else await tx.delete(coverage).where(eq(coverage.unitCode, unitCode));
    await appendAudit(tx, { actorId: actor.id, action: "coverage.set", subjectType: "unit", subjectId: unitCode, districtCode: isDistrict ? unitCode : (tree.communeDistrict.get(unitCode) ?? null), details: { policeUnitId } });
  });
}
