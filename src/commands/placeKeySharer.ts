/**
 * placeKeySharer: a place's key is sealed at creation to the people entitled
 * to it then. Someone who joins later (a district's new liaison, a new police
 * member) would never read the places entered before they came. Here whoever
 * holds those keys and may manage the district's places re-seals them to every
 * active newcomer the policy lets read them — at that key holder's sign-in.
 * One audit row per newcomer per batch, in the batch's transaction. A reset
 * account (needsRestore) is left out, as for tips (docs/security.md 6.7).
 */
import { and, eq, inArray } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { placeKeyWraps, places, staffUsers } from "../db/schema.js";
import { actorOf, can, type Actor } from "../policies/index.js";

/** The most keys re-sealed in one batch, so a sign-in stays quick; the rest go at the next one. */
export const PLACE_BATCH_LIMIT = 2000;

export async function sharePlaceKeys(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes): Promise<{ users: number; places: number }> {
  const { db } = ctx.database;
  const tree = await ctx.units.tree();
  const mine = await db
    .select({ id: places.id, communeCode: places.communeCode, sealed: placeKeyWraps.sealedPrivateKey })
    .from(places)
    .innerJoin(placeKeyWraps, and(eq(placeKeyWraps.placeId, places.id), eq(placeKeyWraps.userId, actor.id)));
  if (mine.length === 0) return { users: 0, places: 0 };
  const [me] = await db.select({ publicKey: staffUsers.publicKey }).from(staffUsers).where(eq(staffUsers.id, actor.id));
  if (!me) return { users: 0, places: 0 };
  const active = await db.select().from(staffUsers).where(and(eq(staffUsers.active, true), eq(staffUsers.needsRestore, false)));
  const people = active.filter((u) => u.id !== actor.id);
  const ids = mine.map((p) => p.id);
  const held = await db.select({ placeId: placeKeyWraps.placeId, userId: placeKeyWraps.userId }).from(placeKeyWraps).where(inArray(placeKeyWraps.placeId, ids));
  const has = new Set(held.map((h) => `${h.placeId}|${h.userId}`));
  const byUser = new Map<string, { district: string | null; wraps: Array<typeof placeKeyWraps.$inferInsert> }>();
  let budget = PLACE_BATCH_LIMIT;
  for (const p of mine) {
    const districtCode = tree.communeDistrict.get(p.communeCode);
    if (!districtCode || !can(actor, "places.manage", { districtCode })) continue;
    const waiting = people.filter((u) => !has.has(`${p.id}|${u.id}`) && can(actorOf(u), "places.view", { districtCode }));
    if (waiting.length === 0) continue;
    let key: crypto.Bytes;
    try {
      key = crypto.openSealed(p.sealed, { publicKey: me.publicKey, privateKey: actorPrivateKey });
    } catch {
      continue; // a wrap made for an older key of this account: nothing to share from it
    }
    for (const u of waiting) {
      if (budget-- <= 0) break;
      const entry = byUser.get(u.id) ?? { district: u.districtCode, wraps: [] };
      entry.wraps.push({ placeId: p.id, userId: u.id, sealedPrivateKey: crypto.sealTo(key, u.publicKey) });
      byUser.set(u.id, entry);
    }
  }
  let users = 0;
  let total = 0;
  if (byUser.size === 0) return { users, places: total };
  await db.transaction(async (tx) => {
    for (const [userId, { district, wraps }] of byUser) {
      const inserted = await tx.insert(placeKeyWraps).values(wraps).onConflictDoNothing().returning({ placeId: placeKeyWraps.placeId });
      if (inserted.length === 0) continue;
      users++;
      total += inserted.length;
      await appendAudit(tx, { actorId: actor.id, action: "user.pending_place_access_granted", subjectType: "staff", subjectId: userId, districtCode: district, details: { places: inserted.length } });
    }
  });
  return { users, places: total };
}
