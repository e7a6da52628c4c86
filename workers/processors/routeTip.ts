/**
 * route-tip: the routing batch of one district, added by the minute sweep. It
 * reads the district's tips still "received" from PostgreSQL (the job names
 * the district, never a tip) and routes each in its own transaction. A tip
 * that cannot be routed now stays "received", and the next sweep tries again.
 *
 * routeTip: give a newly received tip to one liaison of its district — the
 * one with the fewest open cases, ties going to whoever was assigned least
 * recently (so equal liaisons take turns) — and start the triage clock.
 * No active liaison: the administrators are notified and the case is flagged.
 *
 * Idempotent: routing acts only on a case still "received", so a retried
 * or duplicated job finds nothing to do. Routing is serialised per district
 * (advisory lock) so concurrent jobs cannot pick the same person out of turn.
 */
import type { Job } from "bullmq";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { moveCase } from "../../src/commands/caseMover.js";
import { triageDeadline } from "../../src/cases/deadlines.js";
import { illegalTransition, OPEN_STATUSES } from "../../src/cases/workflow.js";
import type { AppContext } from "../../src/context.js";
import { HttpError } from "../../src/errors.js";
import { coarse } from "../../src/time/coarse.js";
import { notifications, tips } from "../../src/db/schema.js";
import { adminIds } from "../../src/notifications/notifications.js";
import type { RouteTipJob } from "../../src/queues/names.js";

/** Raised when some tips of a batch could not be routed: it names how many, never which. */
export class RoutingFailed extends Error {}

export async function routeDistrict(ctx: AppContext, job: Job<RouteTipJob>): Promise<{ assigned: number; flagged: number; skipped: number }> {
  const waiting = await ctx.database.db
    .select({ id: tips.id })
    .from(tips)
    .where(and(eq(tips.status, "received"), eq(tips.districtCode, job.data.districtCode)))
    .orderBy(asc(tips.receivedAt), asc(tips.id))
    .limit(5000);
  const done = { assigned: 0, flagged: 0, skipped: 0 };
  let failed = 0;
  let code: string | undefined;
  for (const { id } of waiting) {
    try {
      done[await routeTip(ctx, id)]++;
    } catch (err) {
      // Carry on with the others; the error itself may quote the tip's row, so only its code goes on.
      failed++;
      code ??= (err as { code?: string }).code ?? (err as Error).name;
    }
  }
  // The emails of the whole batch in one go, stamped with the sweep's minute (job.timestamp).
  const routed = waiting.map((w) => w.id);
  if (routed.length > 0 && ctx.mailer.enabled) {
    const unsent = await ctx.database.db
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(inArray(notifications.tipId, routed), isNull(notifications.emailedAt)));
    await ctx.queues.enqueueNotifications(unsent.map((n) => n.id), new Date(job.timestamp)).catch((err: unknown) => ctx.logger.warn({ err }, "email jobs not enqueued after routing; the next sweep will"));
  }
  if (failed > 0) throw new RoutingFailed(`${failed} of ${waiting.length} tips not routed (${code})`);
  return done;
}

export async function routeTip(ctx: AppContext, tipId: string): Promise<"assigned" | "flagged" | "skipped"> {
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
        // The batch enqueues its emails once, at its end.
        emailsBySweep: true,
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
