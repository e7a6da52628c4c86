/**
 * The commune drug-situation register read back: each commune's official
 * classification for a year, and the figures the plan and the national
 * targets ask for, computed from the register (not from tips):
 *   - communes with drugs (every level but drug_free) against the baseline
 *     year, and the change in % against the plan's −5%;
 *   - drug-free communes and their share of every commune in the scope,
 *     against the target share (50% by 2030 since Kết luận 132-KL/TW);
 *   - communes newly affected (drug-free the year before, with drugs this
 *     year) and communes that left the list (with drugs the year before,
 *     drug-free this year), by name.
 * Only communes of the current administrative tree count; a commune with no
 * entry for a year is "not classified", never guessed.
 */
import { inArray } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { communeClassifications } from "../db/schema.js";
import type { UnitTree } from "../units/directory.js";
import { authorize, type Actor } from "../policies/index.js";

export const LEVELS = ["drug_free", "has_drugs", "key_type_3", "key_type_2", "key_type_1"] as const;
export type Level = (typeof LEVELS)[number];

export const withDrugs = (level: Level | undefined) => level !== undefined && level !== "drug_free";

export type ClassificationRow = typeof communeClassifications.$inferSelect;

/** The targets the figures are measured against (settings, editable by administrators). */
export interface RegisterTargets {
  baselineYear: number;
  /** Change in communes with drugs against the baseline, in % (the plan: −5). */
  reductionTarget: number;
  /** Share of drug-free communes to reach (0.5) and by when (2030). */
  drugFreeShare: number;
  drugFreeYear: number;
}

export async function classificationsOf(db: Db | Tx, years: number[]): Promise<ClassificationRow[]> {
  return db.select().from(communeClassifications).where(inArray(communeClassifications.year, years));
}

export interface RegisterFigures {
  year: number;
  baselineYear: number;
  communes: number;
  classified: number;
  byLevel: Record<Level, number>;
  withDrugs: number;
  baselineWithDrugs: number;
  baselineClassified: number;
  changeVsBaseline: number | null;
  reductionTarget: number;
  reductionMet: boolean | null;
  drugFree: number;
  drugFreeShare: number | null;
  drugFreeTarget: number;
  drugFreeTargetYear: number;
  drugFreeMet: boolean | null;
  newlyAffected: Array<{ code: string; name: string; level: Level }>;
  leftList: Array<{ code: string; name: string }>;
}

/** The register's figures for `year` within the tree (or one district of it). */
export async function registerFigures(db: Db | Tx, tree: UnitTree, year: number, targets: RegisterTargets, districtCode?: string): Promise<RegisterFigures> {
  const rows = await classificationsOf(db, [...new Set([year, year - 1, targets.baselineYear])]);
  const levelIn = (y: number) => new Map(rows.filter((r) => r.year === y).map((r) => [r.communeCode, r.level as Level]));
  const now = levelIn(year);
  const before = levelIn(year - 1);
  const base = levelIn(targets.baselineYear);
  const communes = tree.districts.filter((d) => !districtCode || d.code === districtCode).flatMap((d) => d.communes);
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  let classified = 0;
  let baselineClassified = 0;
  let baselineWithDrugs = 0;
  const newlyAffected: RegisterFigures["newlyAffected"] = [];
  const leftList: RegisterFigures["leftList"] = [];
  for (const c of communes) {
    const level = now.get(c.code);
    if (level) (classified++, byLevel[level]++);
    const b = base.get(c.code);
    if (b) (baselineClassified++, withDrugs(b) && baselineWithDrugs++);
    const prev = before.get(c.code);
    if (prev === "drug_free" && withDrugs(level)) newlyAffected.push({ code: c.code, name: c.name, level: level! });
    if (withDrugs(prev) && level === "drug_free") leftList.push({ code: c.code, name: c.name });
  }
  const drugFree = byLevel.drug_free;
  const affected = classified - drugFree;
  // No comparison without both years on the register: an empty baseline is "no data", not "−100%".
  const change = classified > 0 && baselineWithDrugs > 0 ? Math.round(((affected - baselineWithDrugs) / baselineWithDrugs) * 1000) / 10 : null;
  const share = classified > 0 && communes.length > 0 ? drugFree / communes.length : null;
  return {
    year,
    baselineYear: targets.baselineYear,
    communes: communes.length,
    classified,
    byLevel,
    withDrugs: affected,
    baselineWithDrugs,
    baselineClassified,
    changeVsBaseline: change,
    reductionTarget: targets.reductionTarget,
    reductionMet: change === null ? null : change <= targets.reductionTarget,
    drugFree,
    drugFreeShare: share,
    drugFreeTarget: targets.drugFreeShare,
    drugFreeTargetYear: targets.drugFreeYear,
    drugFreeMet: share === null ? null : share >= targets.drugFreeShare,
    newlyAffected,
    leftList,
  };
}

export interface RegisterEntry {
  code: string;
  name: string;
  districtCode: string;
  districtName: string;
  level: Level | null;
  decision: string | null;
  decidedOn: string | null;
  enteredAt: string | null;
}

/** Every commune of the tree (or one district) with its entry for `year`, in the tree's order. */
export async function registerList(db: Db | Tx, tree: UnitTree, year: number, districtCode?: string): Promise<RegisterEntry[]> {
  const rows = new Map((await classificationsOf(db, [year])).map((r) => [r.communeCode, r]));
  return tree.districts
    .filter((d) => !districtCode || d.code === districtCode)
    .flatMap((d) =>
      d.communes.map((c) => {
        const r = rows.get(c.code);
        return {
          code: c.code,
          name: c.name,
          districtCode: d.code,
          districtName: d.name,
          level: (r?.level as Level | undefined) ?? null,
          decision: r?.decision ?? null,
          decidedOn: r?.decidedOn ?? null,
          enteredAt: r?.enteredAt.toISOString() ?? null,
        };
      }),
    );
}

/** The district a person may see the register of (checked); undefined = the whole province. */
export function registerScope(actor: Actor, asked?: string): string | undefined {
  // No district asked: a liaison or district supervisor is narrowed to their own.
  const district = asked ?? (actor.role === "liaison" || actor.role === "supervisor" ? (actor.districtCode ?? undefined) : undefined);
  authorize(actor, "communes.view", district === undefined ? undefined : { districtCode: district });
  return district;
}

