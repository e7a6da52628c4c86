/**
 * pendingAccessGranter: a tip's key is sealed at intake to the people entitled
 * to it then, and at forwarding to the police unit's members. Someone who
 * joins later (a district's first liaison, a new police member) would stay
 * unable to read the tips sent before they came. Here whoever holds those
 * keys and may share them (policy "case.grantAccess": an administrator, a
 * liaison of the district, a member of the unit) re-seals them to every
 * newcomer — at that key holder's next sign-in, or at once from the admin
 * home. One audit row per newcomer per batch, in the batch's transaction.
 *
 * A reset account (needsRestore) is left to the administrator's "restore
 * access": a reset may follow a compromise, and giving old cases back to it
 * is a decision, not a side effect of someone signing in.
 */
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { entitledToKeySql } from "../cases/visibleTips.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import type { Db } from "../db/client.js";
import { tipKeyWraps } from "../db/schema.js";
import { canOnCase, type Actor } from "../policies/index.js";
import { openRecoveryKey } from "./accessRestorer.js";

/** The most keys re-sealed in one batch, so a sign-in stays quick; the rest go at the next one. */
export const PENDING_BATCH_LIMIT = 2000;

export interface PendingPerson {
  userId: string;
  email: string;
  role: Actor["role"];
  districtCode: string | null;
  tips: number;
}

/** Everyone (active, not awaiting a restore) entitled to tips whose key they do not hold yet. */
export async function pendingAccess(db: Db): Promise<PendingPerson[]> {
  const rows = await db.execute<{ user_id: string; email: string; role: Actor["role"]; district_code: string | null; tips: string }>(sql`
    SELECT u.id AS user_id, u.email, u.role, u.district_code, count(*) AS tips
      FROM staff_users u
      JOIN tips t ON ${entitledToKeySql("u", "t")}
     WHERE NOT u.needs_restore
       AND NOT EXISTS (SELECT 1 FROM tip_key_wraps w WHERE w.tip_id = t.id AND w.user_id = u.id)
     GROUP BY u.id, u.email, u.role, u.district_code
     ORDER BY u.email`);
  return rows.rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role, districtCode: r.district_code, tips: Number(r.tips) }));
}

/** The people who hold this tip's key and may share it: who a newcomer can wait for. */
export async function keyHoldersWhoMayGrant(db: Db, tip: { id: string; districtCode: string; category: string; status: string; forwardedUnitId: string | null }, except: string): Promise<string[]> {
  const rows = await db.execute<{ id: string; email: string; role: Actor["role"]; district_code: string | null; police_unit_id: string | null }>(sql`
    SELECT u.id, u.email, u.role, u.district_code, u.police_unit_id
      FROM tip_key_wraps w JOIN staff_users u ON u.id = w.user_id
     WHERE w.tip_id = ${tip.id} AND u.active AND u.id <> ${except}
     ORDER BY u.role, u.email`);
  return rows.rows.filter((u) => canOnCase({ id: u.id, role: u.role, districtCode: u.district_code, policeUnitId: u.police_unit_id }, "case.grantAccess", tip)).map((u) => u.email);
}

export interface GrantResult {
  /** Newcomers who got at least one key. */
  users: number;
  tips: number;
}

/**
 * Re-seal, with `actor`'s keys, every pending tip key `actor` may share.
 * An administrator who holds the recovery key also covers tips whose key they
 * were never given. Never throws for a newcomer's sake: a key that does not
 * open is skipped.
 */
export async function grantPendingAccess(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes, trigger: "sign_in" | "admin"): Promise<GrantResult> {
  const { db } = ctx.database;
  const rows = await db.execute<{
    tip_id: string; district_code: string; category: string; status: string; forwarded_unit_id: string | null;
    user_id: string; user_public_key: Buffer; user_district: string | null; mine: Buffer | null; recovery: Buffer;
  }>(sql`
    SELECT t.id AS tip_id, t.district_code, t.category, t.status, t.forwarded_unit_id,
           u.id AS user_id, u.public_key AS user_public_key, u.district_code AS user_district,
           g.sealed_private_key AS mine, t.recovery_sealed_key AS recovery
      FROM staff_users u
      JOIN tips t ON ${entitledToKeySql("u", "t")}
      LEFT JOIN tip_key_wraps g ON g.tip_id = t.id AND g.user_id = ${actor.id}
     WHERE NOT u.needs_restore AND u.id <> ${actor.id}
       AND NOT EXISTS (SELECT 1 FROM tip_key_wraps w WHERE w.tip_id = t.id AND w.user_id = u.id)
     ORDER BY t.received_at, t.id
     LIMIT ${PENDING_BATCH_LIMIT}`);
  const mayShare = rows.rows.filter((r) => canOnCase(actor, "case.grantAccess", { districtCode: r.district_code, category: r.category, status: r.status, forwardedUnitId: r.forwarded_unit_id }));
  if (mayShare.length === 0) return { users: 0, tips: 0 };

  const [me] = (await db.execute<{ public_key: Buffer }>(sql`SELECT public_key FROM staff_users WHERE id = ${actor.id}`)).rows;
  if (!me) return { users: 0, tips: 0 };
  const mine: crypto.KeyPair = { publicKey: new Uint8Array(me.public_key), privateKey: actorPrivateKey };
  const needRecovery = mayShare.some((r) => !r.mine);
  const recovery = needRecovery && actor.role === "admin" ? await openRecoveryKey(ctx, actor, actorPrivateKey).catch(() => null) : null;

  const tipKeys = new Map<string, crypto.Bytes | null>();
  const open = (r: (typeof mayShare)[number]): crypto.Bytes | null => {
    if (!tipKeys.has(r.tip_id)) {
      let key: crypto.Bytes | null = null;
      try {
        if (r.mine) key = crypto.openSealed(new Uint8Array(r.mine), mine);
        else if (recovery) key = crypto.openSealed(new Uint8Array(r.recovery), recovery);
      } catch {
        key = null;
      }
      tipKeys.set(r.tip_id, key);
    }
    return tipKeys.get(r.tip_id)!;
  };
  const byUser = new Map<string, { district: string | null; wraps: Array<{ tipId: string; userId: string; sealedPrivateKey: crypto.Bytes }> }>();
  for (const r of mayShare) {
    const key = open(r);
    if (!key) continue;
    const entry = byUser.get(r.user_id) ?? { district: r.user_district, wraps: [] };
    entry.wraps.push({ tipId: r.tip_id, userId: r.user_id, sealedPrivateKey: crypto.sealTo(key, new Uint8Array(r.user_public_key)) });
    byUser.set(r.user_id, entry);
  }
  let users = 0;
  let total = 0;
  await db.transaction(async (tx) => {
    for (const [userId, { district, wraps }] of byUser) {
      const inserted = await tx.insert(tipKeyWraps).values(wraps).onConflictDoNothing().returning({ tipId: tipKeyWraps.tipId });
      if (inserted.length === 0) continue;
      users++;
      total += inserted.length;
      await appendAudit(tx, { actorId: actor.id, action: "user.pending_access_granted", subjectType: "staff", subjectId: userId, districtCode: district, details: { tips: inserted.length, trigger } });
    }
  });
  return { users, tips: total };
}

/** How many tips `userId` is entitled to but cannot read yet. */
export async function myPendingTips(db: Db, userId: string): Promise<number> {
  const rows = await db.execute<{ n: string }>(sql`
    SELECT count(*) AS n FROM staff_users u JOIN tips t ON ${entitledToKeySql("u", "t")}
     WHERE u.id = ${userId} AND NOT EXISTS (SELECT 1 FROM tip_key_wraps w WHERE w.tip_id = t.id AND w.user_id = u.id)`);
  return Number(rows.rows[0]?.n ?? 0);
}
