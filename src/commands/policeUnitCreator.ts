/** policeUnitCreator: an administrator adds a police unit (one district, or the whole province). */
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { policeUnits } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";

export async function createPoliceUnit(ctx: AppContext, actor: Actor, input: { name: string; districtCode: string | null }): Promise<{ id: string }> {
  authorize(actor, "units.manage");
  const tree = await ctx.units.tree();
  if (input.districtCode && !tree.districts.some((d) => d.code === input.districtCode)) throw invalidInput("invalid_unit", { districtCode: "errors.invalid_district" });
  return ctx.database.db.transaction(async (tx) => {
    const [unit] = await tx.insert(policeUnits).values({ name: input.name.trim(), districtCode: input.districtCode }).returning({ id: policeUnits.id });
    await appendAudit(tx, { actorId: actor.id, action: "police_unit.created", subjectType: "police_unit", subjectId: unit!.id, districtCode: input.districtCode, details: { name: input.name.trim() } });
    return { id: unit!.id };
  });
}
