/**
 * The tamper-evident audit log. Every staff action is appended in the same
 * transaction as the change it records. Rows form a hash chain:
 *   hash = SHA-256(prev_hash || canonical JSON of the row's fields)
 * so changing or deleting a row breaks every link after it. Appends are
 * serialised by a transaction-scoped advisory lock so the chain never forks.
 * (Removing the newest rows leaves a shorter valid chain: the head hash is
 * also written to the logs, where an operator can compare it.)
 */
import { createHash } from "node:crypto";
import { asc, desc, gt, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { auditLog } from "../db/schema.js";
import { coarse, type Granularity } from "../time/coarse.js";

const LOCK_ID = 0x61756469; // "audi"
const GENESIS = new Uint8Array(32);

export interface AuditEntry {
  actorId: string | null;
  action: string;
  subjectType?: string;
  subjectId?: string;
  districtCode?: string | null;
  details?: Record<string, unknown>;
  /** Keep the time only to this granularity: for events a tipster caused (see src/time/coarse.ts). */
  coarseTime?: Granularity;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date))
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value instanceof Date ? value.toISOString() : value);
}

type RowFields = { id: number; at: Date; actorId: string | null; action: string; subjectType: string | null; subjectId: string | null; districtCode: string | null; details: Record<string, unknown> };

export function rowHash(prev: Uint8Array, row: RowFields): Uint8Array {
  return new Uint8Array(createHash("sha256").update(prev).update(canonical(row)).digest());
}

/** Append one entry inside the caller's transaction. */
export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await appendAuditEntries(tx, [entry]);
}

/**
 * Append several entries inside the caller's transaction, chained in their order: one lock, one read of
 * the head and one multi-row insert however many there are (the routing batch writes one per tip).
 */
export async function appendAuditEntries(tx: Tx, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_ID})`);
  const [last] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  let id = last?.id ?? 0;
  let prevHash: Uint8Array = last?.hash ?? GENESIS;
  const now = new Date();
  const rows = entries.map((entry) => {
    const row: RowFields = {
      id: ++id,
      at: entry.coarseTime ? coarse(entry.coarseTime, now) : now,
      actorId: entry.actorId,
      action: entry.action,
      subjectType: entry.subjectType ?? null,
      subjectId: entry.subjectId ?? null,
      districtCode: entry.districtCode ?? null,
      details: entry.details ?? {},
    };
    const hash = rowHash(prevHash, row);
    const out = { ...row, prevHash, hash };
    prevHash = hash;
    return out;
  });
  await tx.insert(auditLog).values(rows);
}

/** Append in a transaction of its own (for events with no other change, such as a failed login). */
export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db.transaction((tx) => appendAudit(tx, entry));
}

export type AuditVerdict = { ok: true; rows: number; head: string } | { ok: false; rows: number; badRowId: number; reason: string };

/** Walk the chain from the start; report the first row whose link or content does not match. */
export async function verifyAudit(db: Db): Promise<AuditVerdict> {
  let prev: Uint8Array = GENESIS;
  let expectedId = 1;
  let lastId = 0;
  let rows = 0;
  for (;;) {
    const batch = await db.select().from(auditLog).where(gt(auditLog.id, lastId)).orderBy(asc(auditLog.id)).limit(1000);
    if (batch.length === 0) break;
    for (const r of batch) {
      if (r.id !== expectedId) return { ok: false, rows, badRowId: expectedId, reason: `row ${expectedId} is missing` };
      if (Buffer.compare(Buffer.from(r.prevHash), Buffer.from(prev)) !== 0) return { ok: false, rows, badRowId: r.id, reason: "its link to the previous row does not match" };
      const { prevHash: _p, hash, ...fields } = r;
      const computed = rowHash(prev, fields);
      if (Buffer.compare(Buffer.from(hash), Buffer.from(computed)) !== 0) return { ok: false, rows, badRowId: r.id, reason: "its content was changed" };
      prev = computed;
      lastId = r.id;
      expectedId++;
      rows++;
    }
  }
  return { ok: true, rows, head: Buffer.from(prev).toString("hex") };
}
