/**
 * Model communes (mô hình điểm): each district registers, once a year, the
 * commune it chose as its model for drug prevention — what it does, when it
 * starts and should be done — then records progress and completion.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { modelCommunes } from "../db/schema.js";
import { HttpError, invalidInput, notFound } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";

export interface ModelCommuneInput {
  districtCode: string;
  year: number;
  communeCode: string;
  content: string;
  startDate: string;
  plannedEndDate: string;
}

export async function registerModelCommune(ctx: AppContext, actor: Actor, input: ModelCommuneInput): Promise<{ id: string }> {
  authorize(actor, "model.manage", { districtCode: input.districtCode });
  const tree = await ctx.units.tree();
  if (tree.communeDistrict.get(input.communeCode) !== input.districtCode) throw invalidInput("invalid_model_commune", { communeCode: "errors.commune_not_in_district" });
  if (input.plannedEndDate < input.startDate) throw invalidInput("invalid_model_commune", { plannedEndDate: "errors.end_before_start" });
  return ctx.database.db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: modelCommunes.id }).from(modelCommunes).where(and(eq(modelCommunes.districtCode, input.districtCode), eq(modelCommunes.year, input.year)));
    if (existing) throw new HttpError(409, "already_registered", "errors.model_already_registered");
    const [row] = await tx.insert(modelCommunes).values({ ...input, content: input.content.trim(), registeredBy: actor.id }).returning({ id: modelCommunes.id });
    await appendAudit(tx, { actorId: actor.id, action: "model_commune.registered", subjectType: "model_commune", subjectId: row!.id, districtCode: input.districtCode, details: { year: input.year, communeCode: input.communeCode } });
    return { id: row!.id };
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

/** For each district: its registration for `year`, and whether it is missing past the deadline. */
export async function modelCommuneStatus(ctx: AppContext, year: number, now = new Date()) {
  const rows = await ctx.database.db.select().from(modelCommunes).where(eq(modelCommunes.year, year));
  const tree = await ctx.units.tree();
  const deadline = new Date(`${year}-${ctx.config.reports.modelCommuneDeadline}T23:59:59+07:00`);
  return tree.districts.map((d) => {
    const reg = rows.find((r) => r.districtCode === d.code) ?? null;
    return { districtCode: d.code, districtName: d.name, registration: reg, deadline: deadline.toISOString(), late: !reg && now > deadline };
  });
}
