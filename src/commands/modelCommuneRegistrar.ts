/**
 * Model communes (mô hình điểm): each district registers, each year, at least
 * one commune as its model for drug prevention — what it does, when it starts
 * and should be done — then records progress and completion.
 * Policy: a registration after the deadline (26/4 of its year, Vietnam time)
 * is accepted and flagged late; a past year is closed, except to an
 * administrator, whose registration the audit row marks as such.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { modelCommunes } from "../db/schema.js";
import { HttpError, invalidInput, notFound } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import { modelDeadline, vietnamYear } from "../stats/modelCommuneStatus.js";

export interface ModelCommuneInput {
  districtCode: string;
  year: number;
  communeCode: string;
  content: string;
  startDate: string;
  plannedEndDate: string;
}

export async function registerModelCommune(ctx: AppContext, actor: Actor, input: ModelCommuneInput, now = new Date()): Promise<{ id: string; late: boolean }> {
  authorize(actor, "model.manage", { districtCode: input.districtCode });
  // A past year's list is closed: only an administrator may still add to it (audited as such).
  const pastYear = input.year < vietnamYear(now);
  if (pastYear && actor.role !== "admin") throw invalidInput("invalid_model_commune", { year: "errors.model_year_closed" });
  const tree = await ctx.units.tree();
  if (tree.communeDistrict.get(input.communeCode) !== input.districtCode) throw invalidInput("invalid_model_commune", { communeCode: "errors.commune_not_in_district" });
  if (input.plannedEndDate < input.startDate) throw invalidInput("invalid_model_commune", { plannedEndDate: "errors.end_before_start" });
  const late = now > modelDeadline(ctx, input.year);
  return ctx.database.db.transaction(async (tx) => {
    // Several models per district and year are welcome; the same commune twice is not.
    const [existing] = await tx.select({ id: modelCommunes.id }).from(modelCommunes).where(and(eq(modelCommunes.districtCode, input.districtCode), eq(modelCommunes.year, input.year), eq(modelCommunes.communeCode, input.communeCode)));
    if (existing) throw new HttpError(409, "already_registered", "errors.model_already_registered");
    const [row] = await tx.insert(modelCommunes).values({ ...input, content: input.content.trim(), registeredBy: actor.id, registeredAt: now }).returning({ id: modelCommunes.id });
    await appendAudit(tx, { actorId: actor.id, action: "model_commune.registered", subjectType: "model_commune", subjectId: row!.id, districtCode: input.districtCode, details: { year: input.year, communeCode: input.communeCode, late, ...(pastYear ? { pastYearByAdmin: true } : {}) } });
    return { id: row!.id, late };
  });
}

export async function recordModelProgress(ctx: AppContext, actor: Actor, id: string, progress: string, completed: boolean): Promise<void> {
  await ctx.database.db.transaction(async (tx) => {
    const [row] = await tx.select().from(modelCommunes).where(eq(modelCommunes.id, id));
    if (!row) throw notFound();
    authorize(actor, "model.manage", { districtCode: row.districtCode });
    await tx.update(modelCommunes).set({ progress: progress.trim(), completedAt: completed ? (row.completedAt ?? new Date()) : null }).where(eq(modelCommunes.id, id));
    await appendAudit(tx, { actorId: actor.id, action: "model_commune.progress", subjectType: "model_commune", subjectId: id, districtCode: row.districtCode, details: { completed } });
  });
}

