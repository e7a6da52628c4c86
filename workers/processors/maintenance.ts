/**
 * maintenance: scheduled work.
 *  - sweep (every minute): repair what a lost enqueue left behind — tips still
 *    waiting for routing, instant notifications not yet emailed; at worker
 *    start also every running deadline (rescheduled from the database with
 *    idempotent job ids, so a Redis that lost its data catches up).
 *  - digest (daily, 00:00 UTC = 07:00 in Vietnam): one email per person on the
 *    digest setting who has unsent notifications.
 *  - purge (daily, 20:00 UTC = 03:00 in Vietnam): the retention rule (contentPurger).
 */
import type { Job } from "bullmq";
import { and, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import { scheduleDeadline, storedDeadline } from "../../src/cases/deadlines.js";
import type { AppContext } from "../../src/context.js";
import { notifications, staffUsers, tips } from "../../src/db/schema.js";
import type { MaintenanceJob } from "../../src/queues/names.js";
import { ATTENTION_SUBJECT, caseLink } from "./sendNotification.js";
import { purgeClosedContent } from "../../src/commands/contentPurger.js";
import { coarse } from "../../src/time/coarse.js";

/** `deadlines`: also reschedule every running deadline — done once at worker start (after a Redis loss), not every minute. */
export async function sweep(ctx: AppContext, deadlines = false): Promise<{ routed: number; deadlines: number; notifications: number }> {
  const { db } = ctx.database;
  const waiting = await db.select({ id: tips.id }).from(tips).where(eq(tips.status, "received")).limit(10_000);
  for (const { id } of waiting) await ctx.queues.enqueueRouting(id);
  const running = deadlines ? await db.select().from(tips).where(isNotNull(tips.deadlineAt)) : [];
  for (const tip of running) {
    const d = storedDeadline(tip);
    if (d) await scheduleDeadline(ctx, tip.id, d);
  }
  const unsent = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(isNull(notifications.emailedAt), gt(notifications.createdAt, sql`now() - interval '2 days'`)))
    .limit(10_000);
  await ctx.queues.enqueueNotifications(unsent.map((n) => n.id));
  return { routed: waiting.length, deadlines: running.length, notifications: unsent.length };
}

export async function sendDigests(ctx: AppContext): Promise<number> {
  if (!ctx.mailer.enabled) return 0;
  const rows = await ctx.database.db
    .select({ userId: staffUsers.id, email: staffUsers.email, n: sql<number>`count(*)::int` })
    .from(notifications)
    .innerJoin(staffUsers, eq(staffUsers.id, notifications.userId))
    .where(and(isNull(notifications.emailedAt), eq(staffUsers.notifyMode, "digest"), eq(staffUsers.active, true)))
    .groupBy(staffUsers.id, staffUsers.email);
  for (const r of rows) {
    const claimed = await ctx.database.db.update(notifications).set({ emailedAt: coarse("hour") }).where(and(eq(notifications.userId, r.userId), isNull(notifications.emailedAt))).returning({ id: notifications.id });
    if (claimed.length > 0) await ctx.mailer.send({ to: r.email, subject: ATTENTION_SUBJECT, text: `${claimed.length} thông báo mới / new notifications.\n\n${caseLink(ctx, null)}\n` });
  }
  return rows.length;
}

/** Purge in batches until nothing is due (each batch is its own transaction). */
export async function purge(ctx: AppContext): Promise<number> {
  let total = 0;
  for (let n = await purgeClosedContent(ctx); n > 0; n = await purgeClosedContent(ctx)) total += n;
  return total;
}

export async function maintenance(ctx: AppContext, job: Job<MaintenanceJob>): Promise<unknown> {
  if (job.data.task === "sweep") return sweep(ctx);
  if (job.data.task === "digest") return sendDigests(ctx);
  if (job.data.task === "purge") return purge(ctx);
  return null;
}

