/**
 * placeStateRecorder: a place's state changes on a day — eliminated (triệt
 * xóa), re-emerged (tái hoạt động), replanted (tái trồng). Re-emerged and
 * replanted only follow an elimination; replanted only for a cultivation area;
 * a place already eliminated is not eliminated again. The day is not in the
 * future (Vietnam) nor before the place's last change. The place row is locked
 * so two changes cannot both pass the check on the same last state.
 */
import { desc, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { places, placeStates } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";
import { districtOfPlace, loadPlace, vietnamToday, type RecordedState } from "../places/register.js";
import { authorize, type Actor } from "../policies/index.js";

export interface StateChange {
  state: RecordedState;
  onDate: string;
}

export async function recordPlaceState(ctx: AppContext, actor: Actor, placeId: string, input: StateChange): Promise<{ before: string }> {
  const districtCode = districtOfPlace(await ctx.units.tree(), await loadPlace(ctx.database.db, placeId));
  authorize(actor, "places.manage", { districtCode });
  if (input.onDate > vietnamToday()) throw invalidInput("invalid_place_state", { onDate: "errors.date_in_future" });
  return ctx.database.db.transaction(async (tx) => {
    const [place] = await tx.select({ kind: places.kind }).from(places).where(eq(places.id, placeId)).for("update");
    if (!place) throw notFound();
    const [last] = await tx.select().from(placeStates).where(eq(placeStates.placeId, placeId)).orderBy(desc(placeStates.onDate), desc(placeStates.id)).limit(1);
    const before = last?.state ?? "active";
    if (input.state === "eliminated" && before === "eliminated") throw invalidInput("invalid_place_state", { state: "errors.place_already_eliminated" });
    if (input.state !== "eliminated" && before !== "eliminated") throw invalidInput("invalid_place_state", { state: "errors.place_not_eliminated" });
    if (input.state === "replanted" && place.kind !== "cultivation") throw invalidInput("invalid_place_state", { state: "errors.place_replanted_cultivation" });
    if (last && input.onDate < last.onDate) throw invalidInput("invalid_place_state", { onDate: "errors.place_date_before_last" });
    await tx.insert(placeStates).values({ placeId, state: input.state, onDate: input.onDate, enteredBy: actor.id });
    await appendAudit(tx, { actorId: actor.id, action: "place.state_recorded", subjectType: "place", subjectId: placeId, districtCode, details: { state: input.state, onDate: input.onDate, before } });
    return { before };
  });
}
