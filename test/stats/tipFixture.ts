/**
 * Cases written straight into the tips table, with exactly the routing fields
 * and times a statistics test needs. The key columns hold random bytes: the
 * statistics never open a tip, and these tips have no content.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";

const HOUR = 3_600_000;

export interface FixtureTip {
  /** An ISO time; write it with +07:00 to think in Bến Tre's time. */
  received: string;
  category: string;
  district: string;
  commune: string;
  urgent?: boolean;
  source?: "web" | "mailbox" | "phone";
  status?: string;
  /** Hours from receipt to triage. */
  triageH?: number;
  triage?: "actionable" | "duplicate" | "needs_info" | "not_actionable";
  reason?: string;
  /** Hours from triage to forwarding. */
  forwardH?: number;
  /** Hours from forwarding to the police's acknowledgement. */
  ackH?: number;
  /** A resolved case's outcome (resolved one hour after the last step). */
  outcome?: string;
  referred?: boolean;
  deadlineAt?: Date;
  closedAt?: Date;
  /** What a police result recorded (migration 0004). */
  plantsDestroyed?: number;
  areaM2?: number;
  peopleHandled?: number;
  seizedGrams?: number;
}

/**
 * Insert one case; returns its id. An untriaged case is left "needs_info": an open state that the
 * statistics do not read and no sweep moves ("received" would be routed, starting a triage clock from
 * its 2020 receipt, and "assigned" needs an assignee since migration 0008).
 */
export async function insertTip(db: Db, t: FixtureTip): Promise<string> {
  const id = randomUUID();
  const received = new Date(t.received);
  const triaged = t.triageH === undefined ? null : new Date(received.getTime() + t.triageH * HOUR);
  const forwarded = triaged && t.forwardH !== undefined ? new Date(triaged.getTime() + t.forwardH * HOUR) : null;
  const acknowledged = forwarded && t.ackH !== undefined ? new Date(forwarded.getTime() + t.ackH * HOUR) : null;
  const last = acknowledged ?? forwarded ?? triaged ?? received;
  const resolved = t.outcome ? new Date(last.getTime() + HOUR) : null;
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  await db.execute(sql`
    INSERT INTO tips (id, received_at, category, district_code, commune_code, urgent, status, source,
                      triaged_at, triage_outcome, not_actionable_reason, forwarded_at, acknowledged_at,
                      resolved_at, outcome, closed_at, deadline_at, referred, plants_destroyed, area_m2, people_handled, seized_grams,
                      public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key)
    VALUES (${id}, ${received.toISOString()}, ${t.category}, ${t.district}, ${t.commune}, ${t.urgent ?? false},
            ${t.status ?? (t.outcome ? "resolved" : t.triage ? "triaged" : "needs_info")}, ${t.source ?? "web"},
            ${iso(triaged)}, ${t.triage ?? null}, ${t.reason ?? null}, ${iso(forwarded)}, ${iso(acknowledged)},
            ${iso(resolved)}, ${t.outcome ?? null}, ${iso(t.closedAt)}, ${iso(t.deadlineAt)}, ${t.referred ?? null},
            ${t.plantsDestroyed ?? null}, ${t.areaM2 ?? null}, ${t.peopleHandled ?? null}, ${t.seizedGrams ?? null},
            ${randomBytes(32)}, ${randomBytes(32)}, ${randomBytes(72)}, ${randomBytes(80)})`);
  return id;
}

export async function insertTips(db: Db, tips: FixtureTip[]): Promise<void> {
  for (const t of tips) await insertTip(db, t);
}

/** `n` plain web tips received at `received` in one commune. */
export function some(n: number, received: string, district: string, commune: string, extra: Partial<FixtureTip> = {}): FixtureTip[] {
  return Array.from({ length: n }, () => ({ received, category: "selling", district, commune, ...extra }));
}
