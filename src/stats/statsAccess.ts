/**
 * Who may see which statistics: administrators the province; supervisors
 * their district or the province; liaisons their own district. A commune
 * scope belongs to its district. Supervisors see small commune counts as "<N".
 */
import type { AppContext } from "../context.js";
import { authorize, type Actor, type GeneralAction } from "../policies/index.js";
import { forbidden } from "../errors.js";

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
