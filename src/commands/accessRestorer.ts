/**
 * accessRestorer: after a reset, an administrator who holds the recovery key
 * gives the member back the tips they are entitled to: each tip's private key
 * is opened with the recovery key and sealed to the member's new public key;
 * the same for the places of the register the member may read.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { visibleTipsWhere } from "../cases/visibleTips.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { placeKeyWraps, places, recoveryKey, recoveryKeyHolders, staffUsers, tipKeyWraps, tips } from "../db/schema.js";
import { HttpError, notFound } from "../errors.js";
import { actorOf, authorize, can, type Actor } from "../policies/index.js";

/** The recovery key pair, opened with an administrator's unlocked key. @throws 403 when they do not hold it. */
export async function openRecoveryKey(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes): Promise<crypto.KeyPair> {
  authorize(actor, "recovery.use");
  const [holder] = await ctx.database.db.select().from(recoveryKeyHolders).where(eq(recoveryKeyHolders.userId, actor.id));
  const [rk] = await ctx.database.db.select().from(recoveryKey);
  const [me] = await ctx.database.db.select({ publicKey: staffUsers.publicKey }).from(staffUsers).where(eq(staffUsers.id, actor.id));
  if (!holder || !rk || !me) throw new HttpError(403, "not_recovery_holder", "errors.not_recovery_holder");
  return { publicKey: rk.publicKey, privateKey: crypto.openSealed(holder.sealedPrivateKey, { publicKey: me.publicKey, privateKey: actorPrivateKey }) };
}

export async function restoreAccess(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes, userId: string): Promise<{ restored: number }> {
  const recovery = await openRecoveryKey(ctx, actor, actorPrivateKey);
  const [user] = await ctx.database.db.select().from(staffUsers).where(and(eq(staffUsers.id, userId), eq(staffUsers.active, true)));
  if (!user) throw notFound();
  const rows = await ctx.database.db.select({ id: tips.id, sealed: tips.recoverySealedKey }).from(tips).where(visibleTipsWhere(actorOf(user)));
  const tree = await ctx.units.tree();
  const allPlaces = await ctx.database.db.select({ id: places.id, communeCode: places.communeCode, sealed: places.recoverySealedKey }).from(places);
  const placeRows = allPlaces.filter((p) => can(actorOf(user), "places.view", { districtCode: tree.communeDistrict.get(p.communeCode) ?? "" }));
  await ctx.database.db.transaction(async (tx) => {
    for (const t of rows) {
      const tipPrivate = crypto.openSealed(t.sealed, recovery);
      const sealed = crypto.sealTo(tipPrivate, user.publicKey);
      await tx.insert(tipKeyWraps).values({ tipId: t.id, userId, sealedPrivateKey: sealed }).onConflictDoUpdate({ target: [tipKeyWraps.tipId, tipKeyWraps.userId], set: { sealedPrivateKey: sealed } });
    }
    for (const p of placeRows) {
      const sealed = crypto.sealTo(crypto.openSealed(p.sealed, recovery), user.publicKey);
      const wrap = { placeId: p.id, userId, sealedPrivateKey: sealed };
      const target = [placeKeyWraps.placeId, placeKeyWraps.userId];
      await tx.insert(placeKeyWraps).values({ ...wrap }).onConflictDoUpdate({ target, set: { sealedPrivateKey: sealed } });
    }
    await tx.update(staffUsers).set({ needsRestore: false }).where(eq(staffUsers.id, userId));
    const details = { tips: rows.length, places: placeRows.length };
    await appendAudit(tx, { actorId: actor.id, action: "user.access_restored", subjectType: "staff", subjectId: userId, districtCode: user.districtCode, details });
  });
  return { restored: rows.length };
}

/** Seal the recovery private key to another active administrator. */
export async function grantRecoveryKey(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes, adminId: string): Promise<void> {
  const recovery = await openRecoveryKey(ctx, actor, actorPrivateKey);
  const [admin] = await ctx.database.db.select().from(staffUsers).where(and(eq(staffUsers.id, adminId), eq(staffUsers.role, "admin"), eq(staffUsers.active, true)));
  if (!admin) throw new HttpError(400, "not_an_admin", "errors.not_an_admin");
  await ctx.database.db.transaction(async (tx) => {
    const sealed = crypto.sealTo(recovery.privateKey, admin.publicKey);
    await tx.insert(recoveryKeyHolders).values({ userId: adminId, sealedPrivateKey: sealed }).onConflictDoUpdate({ target: recoveryKeyHolders.userId, set: { sealedPrivateKey: sealed } });
    await appendAudit(tx, { actorId: actor.id, action: "recovery.granted", subjectType: "staff", subjectId: adminId });
  });
}
