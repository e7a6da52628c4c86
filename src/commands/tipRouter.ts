/**
 * tipRouter: give a district's tips still "received" to its liaisons, a batch
 * at a time, in one transaction per batch and a fixed number of statements
 * whatever the batch's size (the minute sweep's route-tip job calls it).
 *
 * Fair routing: each tip goes to the liaison with the fewest open cases, ties
 * going to whoever was assigned least recently, then to the lowest id — the
 * order one routing transaction per tip gave, reproduced in memory from one
 * read of the liaisons' workloads (each assignment adds one open case and
 * makes its liaison the most recent). No active liaison: the tip stays
 * "received" (a case is never "assigned" to nobody), flagged, its triage clock
 * starts and every administrator is notified — once: a waiting tip whose clock
 * runs was flagged already and is left alone until a liaison exists, when the
 * next sweep gives it to them.
 *
 * Idempotent: the batch takes only tips still "received", locked (FOR UPDATE)
 * under the district's advisory lock, so a re-run, a duplicated job or a
 * second worker finds nothing left to do, and a failed batch rolls back whole
 * and leaves its tips for the next sweep. Times are kept to the minute, like
 * received_at (routing follows the submission within a minute).
 */
import { and, inArray, isNull, sql } from "drizzle-orm";
import { appendAuditEntries } from "../audit/auditLog.js";
import { triageDeadline } from "../cases/deadlines.js";
import { assertCanMove, OPEN_STATUSES } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import { caseDeadlines } from "../db/schema.js";
import { addNotifications, adminIds, type NewNotification } from "../notifications/notifications.js";
import { coarse } from "../time/coarse.js";

export interface RoutedBatch {
  /** Tips given to a liaison; tips flagged for the administrators (no active liaison). */
  assigned: number;
  flagged: number;
  /** The notifications created, for their email jobs (sent after commit, by the caller). */
  notificationIds: string[];
}

interface Liaison {
  id: string;
  open: number;
  /** The latest assigned_at among its open cases (ms), or null. */
  last: number | null;
}

/** Fewest open cases, then least recently assigned (never first), then the lowest id: the SQL order of the per-tip query. */
function before(a: Liaison, b: Liaison): boolean {
  if (a.open !== b.open) return a.open < b.open;
  if (a.last !== b.last) return a.last === null || (b.last !== null && a.last < b.last);
  return a.id < b.id;
}

/**
 * Route up to `limit` of the district's waiting tips, oldest first (or only those of `ids`, to isolate a
 * tip that makes its batch fail). Returns what was done; throws when the transaction failed (nothing done).
 */
export async function routeWaitingTips(ctx: AppContext, districtCode: string, opts: { limit: number; ids?: string[] }): Promise<RoutedBatch> {
  const minute = coarse("minute");
  return ctx.database.db.transaction(async (tx) => {
    // One router per district at a time, so two batches cannot both count a liaison's workload before either adds to it.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`route:${districtCode}`}))`);
    const liaisons = (
      await tx.execute<{ id: string; open: number; last: number | null }>(sql`
        SELECT u.id, count(t.id)::int AS open, (extract(epoch FROM max(t.assigned_at)) * 1000)::float8 AS last
          FROM staff_users u
          LEFT JOIN tips t ON t.assignee_id = u.id AND t.status IN (${sql.join(OPEN_STATUSES.map((s) => sql`${s}`), sql`, `)})
         WHERE u.role = 'liaison' AND u.active AND u.district_code = ${districtCode}
         GROUP BY u.id`)
    ).rows.map((r): Liaison => ({ id: r.id, open: r.open, last: r.last }));
    const only = opts.ids ? sql`AND id = ANY(${`{${opts.ids.join(",")}}`}::uuid[])` : sql``;
    // Without a liaison only the tips not flagged yet have anything to write.
    const unflagged = liaisons.length === 0 ? sql`AND deadline_kind IS NULL` : sql``;
    const waiting = (
      await tx.execute<{ id: string; status: string; received_ms: number; urgent: boolean; running: boolean }>(sql`
        SELECT id, status, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms, urgent, deadline_kind IS NOT NULL AS running FROM tips
         WHERE status = 'received' AND district_code = ${districtCode} AND purged_at IS NULL ${only} ${unflagged}
         ORDER BY received_at, id
         LIMIT ${opts.limit}
         FOR UPDATE`)
    ).rows;
    if (waiting.length === 0) return { assigned: 0, flagged: 0, notificationIds: [] };
    const admins = liaisons.length === 0 ? await adminIds(tx) : [];

    const routed = waiting.map((tip) => {
      assertCanMove(tip.status as "received", "assign");
      let pick: Liaison | undefined;
      for (const l of liaisons) if (!pick || before(l, pick)) pick = l;
      if (pick) {
        pick.open++;
        pick.last = Math.max(pick.last ?? minute.getTime(), minute.getTime());
      }
      const deadline = triageDeadline(ctx.config, new Date(tip.received_ms), tip.urgent);
      // A tip waiting again (flagged earlier, reopened, or released by a deactivation) keeps the clock it has.
      return { id: tip.id, urgent: tip.urgent, assigneeId: pick?.id ?? null, deadline, running: tip.running };
    });

    // The tips, in one statement: status, assignee, the triage deadline, a new version.
    const rows = routed.map((r) => ({ id: r.id, assignee_id: r.assigneeId, deadline_at: r.deadline.at, deadline_from: r.deadline.from, running: r.running }));
    const updated = await tx.execute(sql`
      UPDATE tips t
         SET status = CASE WHEN r.assignee_id IS NULL THEN 'received' ELSE 'assigned' END, assignee_id = r.assignee_id,
             assigned_at = CASE WHEN r.assignee_id IS NULL THEN t.assigned_at ELSE ${minute.toISOString()}::timestamptz END, no_liaison = r.assignee_id IS NULL,
             deadline_kind = CASE WHEN r.running THEN t.deadline_kind ELSE 'triage' END,
             deadline_at = CASE WHEN r.running THEN t.deadline_at ELSE r.deadline_at END,
             deadline_from = CASE WHEN r.running THEN t.deadline_from ELSE r.deadline_from END, version = t.version + 1
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id uuid, assignee_id uuid, deadline_at timestamptz, deadline_from timestamptz, running boolean)
       WHERE t.id = r.id AND t.status = 'received'`);
    // Cannot happen under FOR UPDATE; if it ever did, roll back rather than audit a change that was not made.
    if (updated.rowCount !== routed.length) throw new Error(`routing batch: ${updated.rowCount} of ${routed.length} tips updated`);

    // Their deadline history: for a tip without a running clock, any stray entry ends and the triage deadline starts.
    const fresh = routed.filter((r) => !r.running);
    if (fresh.length > 0) {
      await tx.update(caseDeadlines).set({ endedAt: minute }).where(and(inArray(caseDeadlines.tipId, fresh.map((r) => r.id)), isNull(caseDeadlines.endedAt)));
      await tx.insert(caseDeadlines).values(fresh.map((r) => ({ tipId: r.id, kind: r.deadline.kind, startedAt: r.deadline.from, dueAt: r.deadline.at })));
    }

    await appendAuditEntries(
      tx,
      routed.map((r) => ({
        actorId: null,
        action: "case.assign",
        subjectType: "case",
        subjectId: r.id,
        districtCode,
        details: { from: "received", to: r.assigneeId ? "assigned" : "received", assigneeId: r.assigneeId, routed: true },
        coarseTime: "minute" as const,
      })),
    );
    const notify = routed.flatMap((r): NewNotification[] =>
      r.assigneeId
        ? [{ userId: r.assigneeId, tipId: r.id, kind: "case_assigned" as const, urgent: r.urgent, dedupeKey: `assigned-${r.id}-${r.assigneeId}`, coarseTime: "minute" as const }]
        : admins.map((userId) => ({ userId, tipId: r.id, kind: "case_unassigned_district" as const, urgent: r.urgent, dedupeKey: `unassigned-${r.id}-${userId}`, coarseTime: "minute" as const })),
    );
    const notificationIds = await addNotifications(tx, notify);
    const assigned = routed.filter((r) => r.assigneeId).length;
    return { assigned, flagged: routed.length - assigned, notificationIds };
  });
}
