/**
 * Who a new tip's private key is sealed to, cached per process.
 *
 * Every tip is sealed to the recovery key, to every active administrator and
 * to the active liaisons of its district. Reading those rows for each tip cost
 * a PostgreSQL round trip per submission; they change rarely (staff created,
 * activated, reset or deactivated; the recovery key made at bootstrap). So one
 * query loads all of them, and the cache is trusted only as far as it is
 * checked: tipCreator's single INSERT statement compares the cached ids and
 * public keys with the rows it sees, inserts nothing when they differ, and
 * then reloads here and retries. A change made by another process, or by hand
 * in SQL, is therefore caught on the next tip; `invalidateIntakeRecipients`
 * (called by the staff and key commands) only saves that one wasted statement
 * in the process that made the change.
 */
import type { Database, Db } from "../db/client.js";
import { recoveryKey } from "../db/schema.js";

export interface Recipient {
  id: string;
  role: "admin" | "liaison";
  publicKey: Buffer;
}

export interface IntakeKeys {
  recoveryPublicKey: Buffer;
  admins: Recipient[];
  liaisonsByDistrict: Map<string, Recipient[]>;
}

/** Everything cached, by database handle (one per process in production, several in tests). */
const cache = new WeakMap<Database, Promise<IntakeKeys | null>>();
/** Databases with a cache entry, so that invalidation can reach all of them without a handle. */
const holders = new Set<WeakRef<Database>>();

/** Forget every process-local copy (staff or key changes in this process). */
export function invalidateIntakeRecipients(database?: Database): void {
  if (database) {
    cache.delete(database);
    return;
  }
  for (const ref of holders) {
    const d = ref.deref();
    if (d) cache.delete(d);
  }
  holders.clear();
}

/** One round trip: the recovery key and every active admin and liaison. Null while no recovery key exists. */
async function load(database: Database): Promise<IntakeKeys | null> {
  const { rows } = await database.pool.query<{ rk: Buffer | null; id: string | null; role: "admin" | "liaison" | null; district_code: string | null; public_key: Buffer | null }>(
    `SELECT rk.public_key AS rk, s.id, s.role, s.district_code, s.public_key
       FROM (SELECT 1) one
       LEFT JOIN recovery_key rk ON rk.id = 1
       LEFT JOIN staff_users s ON s.active AND (s.role = 'admin' OR s.role = 'liaison')
      ORDER BY s.id`,
  );
  const rk = rows[0]?.rk;
  if (!rk) return null;
  const admins: Recipient[] = [];
  const liaisonsByDistrict = new Map<string, Recipient[]>();
  for (const r of rows) {
    if (!r.id || !r.role || !r.public_key) continue;
    const recipient: Recipient = { id: r.id, role: r.role, publicKey: r.public_key };
    if (r.role === "admin") admins.push(recipient);
    else if (r.district_code) {
      const list = liaisonsByDistrict.get(r.district_code) ?? [];
      list.push(recipient);
      liaisonsByDistrict.set(r.district_code, list);
    }
  }
  return { recoveryPublicKey: rk, admins, liaisonsByDistrict };
}

/**
 * The cached keys, loaded when missing (`fresh` forces a reload). A missing
 * recovery key is not cached: the next call asks again.
 */
export async function intakeKeys(database: Database, fresh = false): Promise<IntakeKeys | null> {
  let entry = fresh ? undefined : cache.get(database);
  if (!entry) {
    entry = load(database);
    cache.set(database, entry);
    holders.add(new WeakRef(database));
    entry.then(
      (keys) => keys === null && cache.get(database) === entry && cache.delete(database),
      () => cache.get(database) === entry && cache.delete(database),
    );
  }
  return entry;
}

/** The recipients of a tip in `districtCode`, ordered by id (the order the INSERT's check compares in). */
export function recipientsFor(keys: IntakeKeys, districtCode: string): Recipient[] {
  return [...keys.admins, ...(keys.liaisonsByDistrict.get(districtCode) ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether the recovery key exists (the tip line is open), asked of the database, never of the cache. */
export async function hasRecoveryKey(db: Db): Promise<boolean> {
  const rows = await db.select({ id: recoveryKey.id }).from(recoveryKey).limit(1);
  return rows.length > 0;
}
