/**
 * caseMover: the one way a case changes state.
 *
 * In one transaction: read the case, check the policy (who) and the workflow
 * (from which state), apply the change with an optimistic version check (a
 * concurrent change makes the loser fail with 409), write the audit row and
 * the notifications. After commit: schedule the new deadline and send the
 * notification jobs. Every specific command (triage, forward, …) is a plan
 * handed to moveCase.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { deadlineColumns, scheduleDeadline, type Deadline } from "../cases/deadlines.js";
import { assertCanMove, RULES, type Status, type Transition } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import type { CaseRow } from "../db/rows.js";
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
  /** More writes in the same transaction (key wraps, encrypted notes…). */
  also?: (tx: Tx) => Promise<void>;
}

export interface MoveOptions {
  /** The version the client saw; a different current version is a conflict. */
  expectedVersion?: number;
}

/** @throws 404 unknown case · 403 policy · 409 illegal transition or concurrent change. */
export async function moveCase(
  ctx: AppContext,
  actor: Actor | null,
  tipId: string,
  transition: Transition,
  plan: (tip: CaseRow, tx: Tx) => Move | Promise<Move>,
  opts: MoveOptions = {},
): Promise<CaseRow> {
  let deadline: Deadline | null | undefined;
  let coarseTime: Granularity | undefined;
  let notificationIds: string[] = [];
  const updated = await ctx.database.db.transaction(async (tx) => {
    const [tip] = await tx.select().from(tips).where(eq(tips.id, tipId));
    if (!tip || tip.purgedAt) throw notFound();
    if (actor) authorizeCase(actor, RULES[transition].action, tip);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== tip.version) throw conflict();
    assertCanMove(tip.status, transition);
    const move = await plan(tip, tx);
    deadline = move.deadline;
    coarseTime = move.coarseTime;
    const [row] = await tx
      .update(tips)
      .set({ ...move.set, status: move.status, version: tip.version + 1, ...(move.deadline === undefined ? {} : deadlineColumns(move.deadline)) })
      .where(and(eq(tips.id, tipId), eq(tips.version, tip.version)))
      .returning();
    if (!row) throw conflict();
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
  // After commit: a lost enqueue is repaired by the worker's sweep.
  // Jobs a tipster's action caused are stamped with the same coarse time as the change itself.
  const createdAt = coarseTime ? coarse(coarseTime) : undefined;
  const after = async () => {
    if (deadline) await scheduleDeadline(ctx, tipId, deadline, createdAt);
    await ctx.queues.enqueueNotifications(notificationIds, createdAt);
  };
  // No tip id in this line: it is written seconds after what a tipster did.
  await after().catch((err: unknown) => ctx.logger.warn({ err }, "jobs not enqueued after a case change; the sweep will repair it"));
  return updated;
}
