/**
 * placeDetailsOpener: open the labels and locations of places for a staff
 * member — those whose key is sealed to them; without a wrap (or with one a
 * key reset left unopenable) the label stays locked (`details: null`),
 * whatever the policy says. Each place opened writes its audit row
 * (place.details_viewed), as caseContentOpener does for a case's content: who
 * read which place is recorded, even though nothing in it changes.
 */
import { and, eq, inArray } from "drizzle-orm";
import { appendAuditEntries } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { placeKeyWraps, places, staffUsers } from "../db/schema.js";
import type { PlaceDetails, PlaceEntry } from "../places/register.js";
import { can, type Actor } from "../policies/index.js";

/** The details of the places `actor` holds a key for, by place id; the others are left out. */
async function decryptDetails(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, ids: string[]): Promise<Map<string, PlaceDetails>> {
  const out = new Map<string, PlaceDetails>();
  const db = ctx.database.db;
  const [me] = await db.select({ publicKey: staffUsers.publicKey }).from(staffUsers).where(eq(staffUsers.id, actor.id));
  if (!me) return out;
  const wraps = await db.select().from(placeKeyWraps).where(and(eq(placeKeyWraps.userId, actor.id), inArray(placeKeyWraps.placeId, ids)));
  if (wraps.length === 0) return out;
  const rows = await db.select().from(places).where(inArray(places.id, wraps.map((w) => w.placeId)));
  const wrapOf = new Map(wraps.map((w) => [w.placeId, w.sealedPrivateKey]));
  for (const row of rows) {
    try {
      const keys = { publicKey: row.publicKey, privateKey: crypto.openSealed(wrapOf.get(row.id)!, { publicKey: me.publicKey, privateKey }) };
      out.set(row.id, JSON.parse(crypto.utf8.decode(crypto.decryptPlace(row, row.id, keys))) as PlaceDetails);
    } catch {
      // A wrap that does not open (a key reset since) leaves the label locked, like a case without a key.
    }
  }
  return out;
}

/**
 * The same lists of places (as places/register.ts reads them, labels locked) with the labels `actor`
 * may open filled in, e.g. `{ places }` or a case's `{ linked, suggested }`; one audit row per place opened.
 * Only places of districts the policy lets `actor` read places of are opened (the routes have checked the
 * scope they list; a place linked to a case before its commune moved district stays locked).
 */
export async function openPlaceDetails<L extends Record<string, PlaceEntry[]>>(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, lists: L): Promise<L> {
  const all = new Map(
    Object.values(lists)
      .flat()
      .filter((p) => can(actor, "places.view", { districtCode: p.districtCode }))
      .map((p) => [p.id, p] as const),
  );
  const details = all.size ? await decryptDetails(ctx, actor, privateKey, [...all.keys()]) : new Map<string, PlaceDetails>();
  if (details.size) {
    const entries = [...details.keys()].map((id) => ({ actorId: actor.id, action: "place.details_viewed", subjectType: "place", subjectId: id, districtCode: all.get(id)!.districtCode }));
    await ctx.database.db.transaction((tx) => appendAuditEntries(tx, entries));
  }
  const open = (list: PlaceEntry[]) => list.map((p) => ({ ...p, details: details.get(p.id) ?? null }));
  return Object.fromEntries(Object.entries(lists).map(([k, list]) => [k, open(list)])) as L;
}
