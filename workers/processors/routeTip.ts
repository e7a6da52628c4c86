/**
 * route-tip: give a newly received tip to one liaison of its district — the
 * one with the fewest open cases, ties going to whoever was assigned least
 * recently (so equal liaisons take turns). No active liaison: the tip goes to
 * the administrators and is flagged.
 *
 * Idempotent: the claim is a conditional update on status = 'received', so a
 * retried or duplicated job changes nothing the second time.
 */
import type { Job } from "bullmq";
import { sql } from "drizzle-orm";
import type { AppContext } from "../../src/context.js";
import type { RouteTipJob } from "../../src/queues/names.js";

export const OPEN_STATUSES = ["received", "assigned", "needs_info", "actionable", "forwarded", "acknowledged", "verifying"];

export async function routeTip(ctx: AppContext, job: Job<RouteTipJob>): Promise<"assigned" | "flagged" | "skipped"> {
  const { tipId } = job.data;
  return ctx.database.db.transaction(async (tx) => {
    const tip = await tx.execute<{ district_code: string }>(sql`SELECT district_code FROM tips WHERE id = ${tipId} AND status = 'received' FOR UPDATE SKIP LOCKED`);
    const row = tip.rows[0];
    if (!row) return "skipped";
    const pick = await tx.execute<{ id: string }>(sql`
      SELECT u.id
        FROM staff_users u
        LEFT JOIN tips t ON t.assignee_id = u.id AND t.status IN (${sql.join(OPEN_STATUSES.map((s) => sql`${s}`), sql`, `)})
       WHERE u.role = 'liaison' AND u.active AND u.district_code = ${row.district_code}
       GROUP BY u.id
       ORDER BY count(t.id), max(t.assigned_at) NULLS FIRST, u.id
       LIMIT 1`);
    const liaison = pick.rows[0];
    await tx.execute(sql`
      UPDATE tips SET status = 'assigned', assignee_id = ${liaison?.id ?? null}, assigned_at = now(),
             no_liaison = ${!liaison}, version = version + 1
       WHERE id = ${tipId} AND status = 'received'`);
    return liaison ? "assigned" : "flagged";
  });
}
