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

/** The CSV separator: ";" by default (Excel in Vietnamese), "," on request; "semicolon"/"comma" or the character itself. */
export const separatorSchema = z
  .enum(["semicolon", "comma", ";", ","], { error: "errors.invalid_separator" })
  .default("semicolon")
  .transform((v): "semicolon" | "comma" => (v === "comma" || v === "," ? "comma" : "semicolon"));

/** A live report's export (CSV or XLSX): the period, scope and category of the statistics, and the separator. */
export const exportQuerySchema = statsQuerySchema.pick({ scope: true, lang: true, category: true, from: true, to: true }).extend({ sep: separatorSchema });

/** A filed report's export: only the separator (the period, scope and category are the report's). */
export const savedExportQuerySchema = z.strictObject({ sep: separatorSchema, lang: z.string().optional() });

/** The printed report's own option: list communes with no activity too (a checkbox, value 1). */
export const printOptionsSchema = z.object({ allCommunes: z.enum(["1"], { error: "errors.invalid_flag" }).optional() });
