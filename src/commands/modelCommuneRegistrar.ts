/**
 * Model communes (mô hình điểm): each district registers, each year, at least
 * one commune as its model for drug prevention — what it does, when it starts
 * and should be done — then records progress and completion.
 * Policy: a registration after the deadline (26/4 of its year, Vietnam time)
 * is accepted and flagged late; a past year is closed, except to an
 * administrator, whose registration the audit row marks as such.
 */
import { and, asc, eq } from "drizzle-orm";
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

const OFFSET_MS = 7 * 3_600_000;

/** The registration deadline of `year`: the end of the configured day (26/4) in Vietnam. */
export const modelDeadline = (ctx: AppContext, year: number) => new Date(`${year}-${ctx.config.reports.modelCommuneDeadline}T23:59:59+07:00`);

/** The current year in Vietnam's calendar. */
export const vietnamYear = (now = new Date()) => new Date(now.getTime() + OFFSET_MS).getUTCFullYear();

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

type ModelRow = typeof modelCommunes.$inferSelect;

export interface DistrictModels {
  districtCode: string;
  districtName: string;
  deadline: string;
  /** The year's registrations, oldest first; each flagged late when made after the deadline. */
  registrations: Array<ModelRow & { late: boolean }>;
  /** The plan's target for the district: at least one model this year. */
  hasModel: boolean;
  /** No model yet and the deadline has passed. */
  late: boolean;
  /** Open for registration to people who are not administrators (not a past year). */
  open: boolean;
}

/** For each district: its registrations for `year`, which were late, and whether it still has none past the deadline. */
export async function modelCommuneStatus(ctx: AppContext, year: number, now = new Date()): Promise<DistrictModels[]> {
  const rows = await ctx.database.db.select().from(modelCommunes).where(eq(modelCommunes.year, year)).orderBy(asc(modelCommunes.registeredAt), asc(modelCommunes.id));
  const tree = await ctx.units.tree();
  const deadline = modelDeadline(ctx, year);
  const open = year >= vietnamYear(now);
  return tree.districts.map((d) => {
    const registrations = rows.filter((r) => r.districtCode === d.code).map((r) => ({ ...r, late: r.registeredAt > deadline }));
    return { districtCode: d.code, districtName: d.name, deadline: deadline.toISOString(), registrations, hasModel: registrations.length > 0, late: !registrations.length && now > deadline, open };
  });
}

/** One row per registration (or one empty row for a district without any), as the tables list them. */
export interface ModelTableRow {
  districtCode: string;
  districtName: string;
  deadline: string;
  registration: (ModelRow & { late: boolean }) | null;
  /** Missing past the deadline, or registered after it. */
  late: boolean;
  lateRegistration: boolean;
}

export function modelRows(status: DistrictModels[]): ModelTableRow[] {
  return status.flatMap((d): ModelTableRow[] => {
    const base = { districtCode: d.districtCode, districtName: d.districtName, deadline: d.deadline };
    return d.registrations.length
      ? d.registrations.map((r) => ({ ...base, registration: r, late: r.late, lateRegistration: r.late }))
      : [{ ...base, registration: null, late: d.late, lateRegistration: false }];
  });
}
