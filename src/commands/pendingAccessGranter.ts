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
import { tipKeyWraps } from "../db/schema.js";
import { canOnCase, type Actor } from "../policies/index.js";
import { openRecoveryKey } from "./accessRestorer.js";

/** The most keys re-sealed in one batch, so a sign-in stays quick; the rest go at the next one. */
export const PENDING_BATCH_LIMIT = 2000;

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
