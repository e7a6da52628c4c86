/**
 * The help services directory's changes (administrators): add a service,
 * change it (including taking it off the public list). Policy inside, audit
 * row in the same transaction.
 */
import { eq, sql } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { helpServices } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import type { HelpServiceInput } from "../validation/help.js";

async function checkDistrict(ctx: AppContext, districtCode: string | null) {
  if (districtCode && !(await ctx.units.tree()).districts.some((d) => d.code === districtCode)) throw invalidInput("invalid_help_service", { districtCode: "errors.invalid_district" });
}

export async function createHelpService(ctx: AppContext, actor: Actor, input: HelpServiceInput): Promise<{ id: string }> {
  authorize(actor, "help.manage");
  await checkDistrict(ctx, input.districtCode);
  return ctx.database.db.transaction(async (tx) => {
    const [row] = await tx.insert(helpServices).values({ ...input, updatedBy: actor.id }).returning({ id: helpServices.id });
    await appendAudit(tx, { actorId: actor.id, action: "help_service.created", subjectType: "help_service", subjectId: row!.id, districtCode: input.districtCode, details: { name: input.name, kind: input.kind } });
    return { id: row!.id };
  });
}

export async function updateHelpService(ctx: AppContext, actor: Actor, id: string, input: HelpServiceInput): Promise<void> {
  authorize(actor, "help.manage");
  await checkDistrict(ctx, input.districtCode);
  await ctx.database.db.transaction(async (tx) => {
    const [before] = await tx.select().from(helpServices).where(eq(helpServices.id, id)).for("update");
    if (!before) throw notFound();
    await tx.update(helpServices).set({ ...input, updatedBy: actor.id, updatedAt: sql`now()` }).where(eq(helpServices.id, id));
    const changed = (Object.keys(input) as Array<keyof HelpServiceInput>).filter((k) => before[k] !== input[k]);
    await appendAudit(tx, { actorId: actor.id, action: "help_service.updated", subjectType: "help_service", subjectId: id, districtCode: input.districtCode, details: { changed, active: input.active } });
  });
}
