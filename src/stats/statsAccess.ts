/**
 * Who may see which statistics: administrators the province; supervisors
 * their district or the province; liaisons their own district. A commune
 * scope belongs to its district. Supervisors see small commune counts as "<N".
 */
import type { AppContext } from "../context.js";
import { authorize, type Actor, type GeneralAction } from "../policies/index.js";
import { forbidden, invalidInput } from "../errors.js";
import { isWholeMonths, type Period } from "./periods.js";
import type { Suppression } from "./suppression.js";

export async function authorizeStatsScope(ctx: AppContext, actor: Actor, scope: { districtCode?: string; communeCode?: string }, action: GeneralAction = "stats.view"): Promise<{ districtCode?: string; communeCode?: string }> {
  // A commune's own totals would show the exact small numbers the "<N" rule hides from supervisors.
  if (scope.communeCode && smallNumberThreshold(ctx, actor) > 0) throw forbidden();
  const tree = await ctx.units.tree();
  const district = scope.districtCode ?? (scope.communeCode ? tree.communeDistrict.get(scope.communeCode) : undefined);
  // No scope given: narrow a district-bound person to their district instead of refusing.
  if (!district && actor.districtCode && actor.role !== "admin") {
    authorize(actor, action, { districtCode: actor.districtCode });
    return { ...scope, districtCode: actor.districtCode };
  }
  authorize(actor, action, { districtCode: district ?? null });
  return scope;
}

export const smallNumberThreshold = (ctx: AppContext, actor: Actor) => (actor.role === "supervisor" ? ctx.config.reports.smallNumberThreshold : 0);

/** The suppression rule this person's figures follow (threshold 0: exact figures). */
export const suppressionFor = (ctx: AppContext, actor: Actor): Suppression => ({ threshold: smallNumberThreshold(ctx, actor), key: ctx.keys.suppression });

/**
 * Whether this person may ask for this period: people under the small-number
 * rule only for whole calendar months (a day or a week subtracted from a month
 * would isolate a few tips).
 */
export const periodAllowed = (ctx: AppContext, actor: Actor, period: Pick<Period, "from" | "to">) => smallNumberThreshold(ctx, actor) === 0 || isWholeMonths(period.from, period.to);

/** The same, as a 400 with the period field named. */
export function requirePeriodAllowed(ctx: AppContext, actor: Actor, period: Pick<Period, "from" | "to">): void {
  if (!periodAllowed(ctx, actor, period)) throw invalidInput("invalid_query", { period: "errors.period_whole_months" });
}
