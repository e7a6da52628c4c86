/**
 * Deadlines of a case. Every open state but "received" runs one: triage
 * (assigned), forwarding (actionable), the tipster's answer (needs_info),
 * acknowledgement (forwarded) and verification (acknowledged, verifying).
 *
 * The running deadline lives in PostgreSQL (tips.deadline_*), and each one a
 * case ever had is kept in case_deadlines (when it started, fell due and
 * ended), so a report can count the cases that were overdue during its period.
 * There are no per-case timers: the minute sweep (src/cases/deadlineSweep.ts)
 * finds what fell due and records each reminder and escalation it sends in
 * deadline_alerts, in the same transaction as the notifications.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { AppConfig } from "../../config/index.js";
import type { Tx } from "../db/client.js";
import { caseDeadlines } from "../db/schema.js";

export const DEADLINE_KINDS = ["triage", "forward", "needs_info", "acknowledge", "verify"] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export interface Deadline {
  kind: DeadlineKind;
  /** When the clock started. */
  from: Date;
  at: Date;
}

export function triageDeadline(config: AppConfig, from: Date, urgent: boolean): Deadline {
  return { kind: "triage", from, at: new Date(from.getTime() + (urgent ? config.deadlines.urgentTriage : config.deadlines.triage)) };
}

/** Actionable → forwarded to the police (help requests are referred instead, and have none). */
export function forwardDeadline(config: AppConfig, from: Date, urgent: boolean): Deadline {
  return { kind: "forward", from, at: new Date(from.getTime() + (urgent ? config.deadlines.urgentForward : config.deadlines.forward)) };
}

/** Waiting for the tipster's answer: when it passes, the case returns to the liaison for a decision. */
export function needsInfoDeadline(config: AppConfig, from: Date): Deadline {
  return { kind: "needs_info", from, at: new Date(from.getTime() + config.deadlines.needsInfo) };
}

export function acknowledgeDeadline(config: AppConfig, from: Date): Deadline {
  return { kind: "acknowledge", from, at: new Date(from.getTime() + config.deadlines.acknowledge) };
}

export function verifyDeadline(config: AppConfig, acknowledgedAt: Date, extended: boolean): Deadline {
  return { kind: "verify", from: acknowledgedAt, at: new Date(acknowledgedAt.getTime() + (extended ? config.deadlines.verifyExtended : config.deadlines.verify)) };
}

/** The deadline stored on a case, or null when none runs. */
export function storedDeadline(tip: { deadlineKind: string | null; deadlineAt: Date | null; deadlineFrom: Date | null }): Deadline | null {
  if (!tip.deadlineKind || !tip.deadlineAt || !tip.deadlineFrom) return null;
  return { kind: tip.deadlineKind as DeadlineKind, from: tip.deadlineFrom, at: tip.deadlineAt };
}

/** The columns that store `d` (or clear it). */
export const deadlineColumns = (d: Deadline | null) => ({ deadlineKind: d?.kind ?? null, deadlineAt: d?.at ?? null, deadlineFrom: d?.from ?? null });

/**
 * Record a change of the running deadline in the case's deadline history (inside the transaction that
 * changes the case): the running one ends at `endedAt`, the new one (if any) starts.
 */
export async function recordDeadline(tx: Tx, tipId: string, d: Deadline | null, endedAt: Date): Promise<void> {
  await tx.update(caseDeadlines).set({ endedAt }).where(and(eq(caseDeadlines.tipId, tipId), isNull(caseDeadlines.endedAt)));
  if (d) await tx.insert(caseDeadlines).values({ tipId, kind: d.kind, startedAt: d.from, dueAt: d.at });
}

export type AlertStage = "reminder" | "escalation" | "returned";

/**
 * The alerts a deadline owes by `now`: a reminder when it falls due (and, while verifying, one every
 * VERIFY_REMINDER_DAYS before that), an escalation at twice its length; a needs-info wait instead
 * returns the case to the liaison when it ends.
 */
export function dueAlerts(config: AppConfig, d: { kind: string; startedAt: Date; dueAt: Date }, now: Date): { stage: AlertStage; dueAt: Date }[] {
  const out: { stage: AlertStage; dueAt: Date }[] = [];
  const at = d.dueAt.getTime();
  if (d.kind === "needs_info") return at <= now.getTime() ? [{ stage: "returned", dueAt: d.dueAt }] : [];
  if (d.kind === "verify") {
    // Only the latest periodic reminder that is due: after an outage, one reminder, not a backlog.
    let last: number | null = null;
    for (let t = d.startedAt.getTime() + config.deadlines.verifyReminder; t < at && t <= now.getTime(); t += config.deadlines.verifyReminder) last = t;
    if (last !== null && at > now.getTime()) out.push({ stage: "reminder", dueAt: new Date(last) });
  }
  if (at <= now.getTime()) out.push({ stage: "reminder", dueAt: d.dueAt });
  const escalation = at + (at - d.startedAt.getTime());
  if (escalation <= now.getTime()) out.push({ stage: "escalation", dueAt: new Date(escalation) });
  return out;
}
