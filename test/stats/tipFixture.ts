/**
 * Cases written straight into the tips table, with exactly the routing fields
 * and times a statistics test needs. The key columns hold random bytes: the
 * statistics never open a tip, and these tips have no content.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";
import { statusAfterTriage, type NotActionableReason, type Outcome, type Status, type TriageOutcome } from "../../src/cases/workflow.js";
import type { Category, TipSource } from "../../src/validation/tip.js";

const HOUR = 3_600_000;

export interface FixtureTip {
  /** An ISO time; write it with +07:00 to think in Bến Tre's time. */
  received: string;
  category: Category;
  district: string;
  commune: string;
  urgent?: boolean;
  source?: TipSource;
  /** A workflow state; by default the one the other fields lead to (`stateOf`). */
  status?: Status;
  /** Hours from receipt to triage. */
  triageH?: number;
  triage?: TriageOutcome;
  reason?: NotActionableReason;
  /** Hours from triage to forwarding. */
  forwardH?: number;
  /** Hours from forwarding to the police's acknowledgement. */
  ackH?: number;
  /** A resolved case's outcome (resolved one hour after the last step). */
  outcome?: Outcome;
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
 * Insert one case; returns its id. Unless the test names a state, the case is in the one the workflow
 * leaves it in after the steps given: resolved (closed once `closedAt` is given), acknowledged, forwarded,
 * or what its triage leads to. An untriaged case is left "needs_info": an open state that the statistics
 * do not read and no sweep moves ("received" would be routed, starting a triage clock from its 2020
 * receipt, and "assigned" needs an assignee since migration 0008). A closed case has its closing time
 * (`closedAt`, else its last step's, as a triage that closes it records).
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
  const status: Status =
    t.status ?? (t.outcome ? (t.closedAt ? "closed" : "resolved") : acknowledged ? "acknowledged" : forwarded ? "forwarded" : t.triage ? statusAfterTriage(t.triage) : "needs_info");
  const closed = status === "closed" ? (t.closedAt ?? resolved ?? triaged ?? null) : t.closedAt;
  await db.execute(sql`
    INSERT INTO tips (id, received_at, category, district_code, commune_code, urgent, status, source,
                      triaged_at, triage_outcome, not_actionable_reason, forwarded_at, acknowledged_at,
                      resolved_at, outcome, closed_at, deadline_at, referred, plants_destroyed, area_m2, people_handled, seized_grams,
                      public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key)
    VALUES (${id}, ${received.toISOString()}, ${t.category}, ${t.district}, ${t.commune}, ${t.urgent ?? false},
            ${status}, ${t.source ?? "web"},
            ${iso(triaged)}, ${t.triage ?? null}, ${t.reason ?? null}, ${iso(forwarded)}, ${iso(acknowledged)},
            ${iso(resolved)}, ${t.outcome ?? null}, ${iso(closed)}, ${iso(t.deadlineAt)}, ${t.referred ?? null},
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
