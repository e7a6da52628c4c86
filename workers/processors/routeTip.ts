/**
 * route-tip: give a newly received tip to one liaison of its district — the
 * one with the fewest open cases, ties going to whoever was assigned least
 * recently (so equal liaisons take turns) — and start the triage clock.
 * No active liaison: the administrators are notified and the case is flagged.
 *
 * Idempotent: routing acts only on a case still "received", so a retried
 * or duplicated job finds nothing to do. Routing is serialised per district
 * (advisory lock) so concurrent jobs cannot pick the same person out of turn.
 */
import type { Job } from "bullmq";
import { sql } from "drizzle-orm";
import { moveCase } from "../../src/commands/caseMover.js";
import { triageDeadline } from "../../src/cases/deadlines.js";
import { illegalTransition, OPEN_STATUSES } from "../../src/cases/workflow.js";
import type { AppContext } from "../../src/context.js";
import { HttpError } from "../../src/errors.js";
import { coarse } from "../../src/time/coarse.js";
import { adminIds } from "../../src/notifications/notifications.js";
import type { RouteTipJob } from "../../src/queues/names.js";

export async function routeTip(ctx: AppContext, job: Job<RouteTipJob>): Promise<"assigned" | "flagged" | "skipped"> {
  const { tipId } = job.data;
  let result: "assigned" | "flagged" = "flagged";
  try {
    await moveCase(ctx, null, tipId, "assign", async (tip, tx) => {
      // Routing happens once: a case that was already routed (then maybe triaged) is left alone.
      if (tip.status !== "received") throw illegalTransition(tip.status, "assign");
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`route:${tip.districtCode}`}))`);
      const pick = await tx.execute<{ id: string }>(sql`
        SELECT u.id
          FROM staff_users u
          LEFT JOIN tips t ON t.assignee_id = u.id AND t.status IN (${sql.join(OPEN_STATUSES.map((s) => sql`${s}`), sql`, `)})
         WHERE u.role = 'liaison' AND u.active AND u.district_code = ${tip.districtCode}
         GROUP BY u.id
         ORDER BY count(t.id), max(t.assigned_at) NULLS FIRST, u.id
         LIMIT 1`);
      const liaison = pick.rows[0]?.id ?? null;
      result = liaison ? "assigned" : "flagged";
      const notify = liaison
        ? [{ userId: liaison, tipId, kind: "case_assigned" as const, urgent: tip.urgent, dedupeKey: `assigned-${tipId}-${liaison}`, coarseTime: "minute" as const }]
        : (await adminIds(tx)).map((userId) => ({ userId, tipId, kind: "case_unassigned_district" as const, urgent: tip.urgent, dedupeKey: `unassigned-${tipId}-${userId}`, coarseTime: "minute" as const }));
      return {
        status: "assigned",
        // Routing follows the submission within seconds: its times are kept to the minute, like received_at.
        set: { assigneeId: liaison, assignedAt: coarse("minute"), noLiaison: !liaison },
        coarseTime: "minute",
        deadline: triageDeadline(ctx.config, tip.receivedAt, tip.urgent),
        details: { assigneeId: liaison, routed: true },
        notify,
      };
    });
  } catch (err) {
    // Already routed (a retry or a duplicate job) or gone: nothing left to do.
    if (err instanceof HttpError && (err.status === 409 || err.status === 404)) return "skipped";
    throw err;
  }
  return result;
}
