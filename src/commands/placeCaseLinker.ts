/**
 * placeCaseLinker: a case is about a place (a repeat tip about the same
 * house), or no longer is. The person must be able to see the case and manage
 * the place's district's places; a case is linked only to a place of its own
 * district. Linking twice or unlinking what is not linked changes nothing and
 * writes no audit row.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { loadCase } from "../cases/caseView.js";
import type { AppContext } from "../context.js";
import { casePlaces } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { districtOfPlace, loadPlace } from "../places/register.js";
import { authorize, authorizeCase, type Actor } from "../policies/index.js";

async function checked(ctx: AppContext, actor: Actor, placeId: string, tipId: string) {
  const place = await loadPlace(ctx.database.db, placeId);
  const districtCode = districtOfPlace(await ctx.units.tree(), place);
  authorize(actor, "places.manage", { districtCode });
  const tip = await loadCase(ctx, tipId);
  authorizeCase(actor, "case.view", tip);
  return { districtCode, tip };
}

/** Link; returns whether a link was made (false: it existed). */
export async function linkCaseToPlace(ctx: AppContext, actor: Actor, placeId: string, tipId: string): Promise<{ linked: boolean }> {
  const { districtCode, tip } = await checked(ctx, actor, placeId, tipId);
  if (tip.districtCode !== districtCode) throw invalidInput("invalid_link", { caseId: "errors.place_other_district" });
  return ctx.database.db.transaction(async (tx) => {
    const made = await tx.insert(casePlaces).values({ tipId, placeId, linkedBy: actor.id }).onConflictDoNothing().returning({ tipId: casePlaces.tipId });
    if (made.length === 0) return { linked: false };
    await appendAudit(tx, { actorId: actor.id, action: "place.case_linked", subjectType: "place", subjectId: placeId, districtCode, details: { caseId: tipId } });
    return { linked: true };
  });
}

/** Unlink; returns whether a link was removed. */
export async function unlinkCaseFromPlace(ctx: AppContext, actor: Actor, placeId: string, tipId: string): Promise<{ unlinked: boolean }> {
  const { districtCode } = await checked(ctx, actor, placeId, tipId);
  return ctx.database.db.transaction(async (tx) => {
    const gone = await tx.delete(casePlaces).where(and(eq(casePlaces.tipId, tipId), eq(casePlaces.placeId, placeId))).returning({ tipId: casePlaces.tipId });
    if (gone.length === 0) return { unlinked: false };
    await appendAudit(tx, { actorId: actor.id, action: "place.case_unlinked", subjectType: "place", subjectId: placeId, districtCode, details: { caseId: tipId } });
    return { unlinked: true };
  });
}
