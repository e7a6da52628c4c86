/**
 * Model communes as the reports read them: each district's registrations of a
 * year, which were late against the deadline (26/4 of their year, Vietnam
 * time), and which districts still have none past it.
 */
import { asc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { modelCommunes } from "../db/schema.js";

const OFFSET_MS = 7 * 3_600_000;

/** The registration deadline of `year`: the end of the configured day (26/4) in Vietnam. */
export const modelDeadline = (ctx: AppContext, year: number) => new Date(`${year}-${ctx.config.reports.modelCommuneDeadline}T23:59:59+07:00`);

/** The current year in Vietnam's calendar. */
export const vietnamYear = (now = new Date()) => new Date(now.getTime() + OFFSET_MS).getUTCFullYear();

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
  const rows = await ctx.database.db
    .select()
    .from(modelCommunes)
    .where(eq(modelCommunes.year, year))
    .orderBy(asc(modelCommunes.registeredAt), asc(modelCommunes.id));
  const tree = await ctx.units.tree();
  const deadline = modelDeadline(ctx, year);
  const open = year >= vietnamYear(now);
  return tree.districts.map((d) => {
    const registrations = rows.filter((r) => r.districtCode === d.code).map((r) => ({ ...r, late: r.registeredAt > deadline }));
    const late = !registrations.length && now > deadline;
    return { districtCode: d.code, districtName: d.name, deadline: deadline.toISOString(), registrations, hasModel: registrations.length > 0, late, open };
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
