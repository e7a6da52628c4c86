/**
 * Reading who waits for tip keys (pendingAccessGranter re-seals them): the
 * people entitled to tips whose key they do not hold yet, how many one person
 * waits for, and who holds a tip's key and may share it. For the admin home,
 * the staff home and the locked case page.
 */
import { sql } from "drizzle-orm";
import { entitledToKeySql } from "../cases/visibleTips.js";
import type { Db } from "../db/client.js";
import { canOnCase, type Actor } from "../policies/index.js";

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

type GrantableTip = { id: string; districtCode: string; category: string; status: string; forwardedUnitId: string | null };

/** The people who hold this tip's key and may share it: who a newcomer can wait for. */
export async function keyHoldersWhoMayGrant(db: Db, tip: GrantableTip, except: string): Promise<string[]> {
  const rows = await db.execute<{ id: string; email: string; role: Actor["role"]; district_code: string | null; police_unit_id: string | null }>(sql`
    SELECT u.id, u.email, u.role, u.district_code, u.police_unit_id
      FROM tip_key_wraps w JOIN staff_users u ON u.id = w.user_id
     WHERE w.tip_id = ${tip.id} AND u.active AND u.id <> ${except}
     ORDER BY u.role, u.email`);
  return rows.rows.filter((u) => canOnCase({ id: u.id, role: u.role, districtCode: u.district_code, policeUnitId: u.police_unit_id }, "case.grantAccess", tip)).map((u) => u.email);
}

/** How many tips `userId` is entitled to but cannot read yet. */
export async function myPendingTips(db: Db, userId: string): Promise<number> {
  const rows = await db.execute<{ n: string }>(sql`
    SELECT count(*) AS n FROM staff_users u JOIN tips t ON ${entitledToKeySql("u", "t")}
     WHERE u.id = ${userId} AND NOT EXISTS (SELECT 1 FROM tip_key_wraps w WHERE w.tip_id = t.id AND w.user_id = u.id)`);
  return Number(rows.rows[0]?.n ?? 0);
}
