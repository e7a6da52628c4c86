/**
 * caseTriageForwarder: the liaison's one-tap decision "needs action, send to
 * the police" — triage as actionable, then forward to the coverage rule's unit
 * (or the one chosen). The unit is checked before anything changes, so a
 * missing unit leaves the case untouched; if the forwarding itself then fails
 * (someone else moved the case), the case stays "actionable", a state that
 * says exactly what is left to do.
 */
import { and, eq } from "drizzle-orm";
import { unitForCase } from "../cases/coverageRules.js";
import { loadCase } from "../cases/caseView.js";
import type { AppContext } from "../context.js";
import type * as crypto from "../crypto/index.js";
import { policeUnits } from "../db/schema.js";
import { HttpError, invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { forwardCase } from "./caseForwarder.js";
import type { MoveOptions } from "./caseMover.js";
import { triageCase } from "./caseTriager.js";

export async function triageAndForward(
  ctx: AppContext,
  actor: Actor,
  actorPrivateKey: crypto.Bytes,
  tipId: string,
  unitId: string | undefined,
  opts: MoveOptions = {},
) {
  const tip = await loadCase(ctx, tipId);
  if (tip.category === "help_request") throw new HttpError(409, "help_request_not_forwardable", "errors.help_request_not_forwardable");
  const target = unitId ?? (await ctx.database.db.transaction((tx) => unitForCase(tx, tip)));
  const active = (id: string) => and(eq(policeUnits.id, id), eq(policeUnits.active, true));
  const [unit] = target ? await ctx.database.db.select({ id: policeUnits.id }).from(policeUnits).where(active(target)) : [];
  if (!unit) throw invalidInput("invalid_forward", { policeUnitId: "errors.invalid_police_unit" });
  const triaged = await triageCase(ctx, actor, tipId, { outcome: "actionable" }, opts);
  return forwardCase(ctx, actor, actorPrivateKey, tipId, unit.id, { expectedVersion: triaged.version });
}
