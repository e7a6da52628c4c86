/** Schemas of the statistics API: a period (named or from/to), a scope, a category, a grouping. */
import { z } from "zod";
import { CATEGORIES } from "./tip.js";
import { customPeriod, currentQuarter, parsePeriod, type Period } from "../stats/periods.js";

export const statsQuerySchema = z.strictObject({
  period: z.string().max(20).optional(),
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
  /** province | district:<code> | commune:<code> */
  scope: z.string().regex(/^(province|district:\d{1,10}|commune:\d{1,10})$/, "errors.invalid_scope").default("province"),
  category: z.enum(CATEGORIES, { error: "errors.invalid_category" }).optional(),
  groupBy: z.enum(["district", "commune", "category", "source"], { error: "errors.invalid" }).optional(),
  lang: z.string().optional(),
});

export type StatsQueryInput = z.output<typeof statsQuerySchema>;

/** The period asked for, the current quarter by default; null when what was given is not a period. */
export function periodOf(q: { period?: string; from?: string; to?: string }): Period | null {
  if (q.period) return parsePeriod(q.period);
  if (q.from || q.to) return q.from && q.to ? customPeriod(q.from, q.to) : null;
  return currentQuarter();
}

export function scopeOf(scope: string): { districtCode?: string; communeCode?: string } {
  const [kind, code] = scope.split(":");
  return kind === "district" ? { districtCode: code } : kind === "commune" ? { communeCode: code } : {};
}
