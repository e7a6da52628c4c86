/**
 * Deadlines of a case. The deadline itself lives in PostgreSQL (tips.deadline_at
 * and deadline_kind); BullMQ holds delayed jobs that check it: a reminder to
 * the assignee at the deadline (and every VERIFY_REMINDER_DAYS while a case is
 * being verified), an escalation to the administrators at twice the deadline.
 * A job whose deadline no longer matches the case does nothing, so moving a
 * case needs no cancelling, and after a restart the sweep simply schedules
 * again (job ids make that idempotent).
 */
import type { AppConfig } from "../../config/index.js";
import type { AppContext } from "../context.js";

export type DeadlineKind = "triage" | "acknowledge" | "verify";

export interface Deadline {
  kind: DeadlineKind;
  /** When the clock started. */
  from: Date;
  at: Date;
}

export function triageDeadline(config: AppConfig, from: Date, urgent: boolean): Deadline {
  return { kind: "triage", from, at: new Date(from.getTime() + (urgent ? config.deadlines.urgentTriage : config.deadlines.triage)) };
}

export function acknowledgeDeadline(config: AppConfig, from: Date): Deadline {
  return { kind: "acknowledge", from, at: new Date(from.getTime() + config.deadlines.acknowledge) };
}

export function verifyDeadline(config: AppConfig, acknowledgedAt: Date, extended: boolean): Deadline {
  return { kind: "verify", from: acknowledgedAt, at: new Date(acknowledgedAt.getTime() + (extended ? config.deadlines.verifyExtended : config.deadlines.verify)) };
}

/** Enqueue the delayed checks of a deadline (after the transaction that set it has committed). */
export async function scheduleDeadline(ctx: AppContext, tipId: string, d: Deadline, createdAt?: Date): Promise<void> {
  const base = { tipId, kind: d.kind, deadlineAt: d.at.toISOString() };
  const span = d.at.getTime() - d.from.getTime();
  await ctx.queues.enqueueDeadline({ ...base, stage: "reminder" }, d.at, createdAt);
  await ctx.queues.enqueueDeadline({ ...base, stage: "escalation" }, new Date(d.at.getTime() + span), createdAt);
  if (d.kind === "verify")
    for (let t = d.from.getTime() + ctx.config.deadlines.verifyReminder; t < d.at.getTime(); t += ctx.config.deadlines.verifyReminder)
      await ctx.queues.enqueueDeadline({ ...base, stage: "reminder" }, new Date(t), createdAt);
}

/** The deadline stored on a case, or null when none runs. */
export function storedDeadline(tip: { deadlineKind: string | null; deadlineAt: Date | null; deadlineFrom: Date | null }): Deadline | null {
  if (!tip.deadlineKind || !tip.deadlineAt || !tip.deadlineFrom) return null;
  return { kind: tip.deadlineKind as DeadlineKind, from: tip.deadlineFrom, at: tip.deadlineAt };
}

/** The columns that store `d` (or clear it). */
export const deadlineColumns = (d: Deadline | null) => ({ deadlineKind: d?.kind ?? null, deadlineAt: d?.at ?? null, deadlineFrom: d?.from ?? null });
