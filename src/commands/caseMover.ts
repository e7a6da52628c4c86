/**
 * caseMover: the one way a case changes state.
 *
 * In one transaction: read the case, check the policy (who) and the workflow
 * (from which state), apply the change with an optimistic version check (a
 * concurrent change makes the loser fail with 409), write the audit row and
 * the notifications, and the deadline history (the minute sweep finds what
 * falls due; no per-case timer). After commit: the notifications' email jobs,
 * except for a change a tipster made, whose emails leave with the next sweep.
 * Every specific command (triage, forward, …) is a plan handed to moveCase.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { deadlineColumns, recordDeadline, type Deadline } from "../cases/deadlines.js";
import { assertCanMove, RULES, type Status, type Transition } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import type { TipRow } from "../db/rows.js";
import { tips } from "../db/schema.js";
import { conflict, notFound } from "../errors.js";
import { addNotifications, type NewNotification } from "../notifications/notifications.js";
import { coarse, type Granularity } from "../time/coarse.js";
import { authorizeCase, type Actor } from "../policies/index.js";

type TipUpdate = Partial<Omit<typeof tips.$inferInsert, "id" | "version" | "status">>;

/** What a transition does, decided by the specific command once the case is read. */
export interface Move {
  status: Status;
  set?: TipUpdate;
  /** The new running deadline; null clears it; undefined keeps the current one. */
  deadline?: Deadline | null;
  details?: Record<string, unknown>;
  notify?: NewNotification[];
  /** A tipster's action caused this change: its audit time is kept only to this granularity. */
  coarseTime?: Granularity;
  /** A tipster's request made this change: no job is added now, the next sweep emails the notifications. */
  emailsBySweep?: boolean;
  /** More writes in the same transaction (key wraps, encrypted notes…). */
  also?: (tx: Tx) => Promise<void>;
}

export interface MoveOptions {
  /** The version the client saw; a different current version is a conflict. */
  expectedVersion?: number;
}

/**
 * State and assignee never contradict: a case is "assigned" only to someone. A move that would
 * leave it "assigned" to nobody (routing in a district without a liaison, an answer or a reopening
 * of a case whose assignee left) leaves it "received" instead, where the next routing sweep gives it
 * to a liaison of its district as soon as there is one. (The database refuses the contradiction too:
 * tips_assigned_has_assignee, migration 0008.)
 */
export function settle(tip: Pick<TipRow, "assigneeId">, move: Move): Move {
  const assignee = move.set && "assigneeId" in move.set ? move.set.assigneeId : tip.assigneeId;
  return move.status === "assigned" && !assignee ? { ...move, status: "received" } : move;
}

/** @throws 404 unknown case · 403 policy · 409 illegal transition or concurrent change. */
export async function moveCase(
  ctx: AppContext,
  actor: Actor | null,
  tipId: string,
  transition: Transition,
  plan: (tip: TipRow, tx: Tx) => Move | Promise<Move>,
  opts: MoveOptions = {},
): Promise<TipRow> {
  let coarseTime: Granularity | undefined;
  let emailsBySweep = false;
  let notificationIds: string[] = [];
  const updated = await ctx.database.db.transaction(async (tx) => {
    // Read under the row's lock: a sweep or another person changing the case meanwhile is waited for, then read,
    // so a move without an expected version never fails on a change that had simply not committed yet.
    const [tip] = await tx.select().from(tips).where(eq(tips.id, tipId)).for("update");
    if (!tip || tip.purgedAt) throw notFound();
    if (actor) authorizeCase(actor, RULES[transition].action, tip);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== tip.version) throw conflict();
    assertCanMove(tip.status, transition);
    const move = settle(tip, await plan(tip, tx));
    coarseTime = move.coarseTime;
    emailsBySweep = move.emailsBySweep ?? false;
    const [row] = await tx
      .update(tips)
      .set({ ...move.set, status: move.status, version: tip.version + 1, ...(move.deadline === undefined ? {} : deadlineColumns(move.deadline)) })
      .where(and(eq(tips.id, tipId), eq(tips.version, tip.version)))
      .returning();
    if (!row) throw conflict();
    if (move.deadline !== undefined) await recordDeadline(tx, tipId, move.deadline, coarseTime ? coarse(coarseTime) : new Date());
    await move.also?.(tx);
    await appendAudit(tx, {
      actorId: actor?.id ?? null,
      action: `case.${transition}`,
      subjectType: "case",
      subjectId: tipId,
      districtCode: tip.districtCode,
      details: { from: tip.status, to: move.status, ...move.details },
      coarseTime: move.coarseTime,
    });
    notificationIds = await addNotifications(tx, move.notify ?? []);
    return row;
  });
  // After commit: a lost enqueue is repaired by the worker's sweep, which also sends what a tipster caused.
  // Jobs of a system change (routing, in the sweep) are stamped with the same coarse time as the change itself.
  if (!emailsBySweep) {
    const createdAt = coarseTime ? coarse(coarseTime) : undefined;
    // No tip id in this line.
    await ctx.queues.enqueueNotifications(notificationIds, createdAt).catch((err: unknown) => ctx.logger.warn({ err }, "email jobs not enqueued after a case change; the sweep will repair it"));
  }
  return updated;
}
