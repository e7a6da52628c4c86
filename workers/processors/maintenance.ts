/**
 * maintenance: scheduled work.
 *  - sweep (SWEEP_CRON, every minute on the minute by default): PostgreSQL is
 *    the source of truth and the sweep does everything a tipster's action
 *    leads to, so that no job or Redis key is created at the moment of it:
 *      1. routing: one routing batch per district that has tips still
 *         "received" (a tip whose routing failed is simply still there);
 *      2. deadlines: reminders, escalations and returns that fell due
 *         (src/commands/deadlineAlerter.ts);
 *      3. emails: a job per notification not yet emailed (tipster messages,
 *         deadlines, routing), stamped with the sweep's minute;
 *      4. an in-app alert to the administrators for any district whose routing
 *         has failed ROUTING_ALERT_AFTER sweeps in a row.
 *  - digest (daily, 00:00 UTC = 07:00 in Vietnam): one email per person on the
 *    digest setting who has unsent notifications.
 *  - purge (daily, 20:00 UTC = 03:00 in Vietnam): the retention rule (contentPurger).
 */
import type { Job } from "bullmq";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { AppContext } from "../../src/context.js";
import { notifications, staffUsers, tips } from "../../src/db/schema.js";
import type { MaintenanceJob } from "../../src/queues/names.js";
import { ATTENTION_SUBJECT, caseLink } from "./sendNotification.js";
import { purgeClosedContent } from "../../src/commands/contentPurger.js";
import { sendDueAlerts, type AlertCounts } from "../../src/commands/deadlineAlerter.js";
import { addNotifications, adminIds } from "../../src/notifications/notifications.js";
import { failedSweeps } from "../../src/queues/routingHealth.js";
import { coarse } from "../../src/time/coarse.js";

export interface SweepResult {
  /** Districts with tips waiting, each given a routing batch. */
  districts: number;
  deadlines: AlertCounts;
  notifications: number;
  /** Districts whose routing has failed ROUTING_ALERT_AFTER sweeps or more. */
  failing: number;
}

export async function sweep(ctx: AppContext): Promise<SweepResult> {
  const { db } = ctx.database;
  const minute = coarse("minute");
  // 1. Routing: which districts have tips waiting (not which tips).
  const waiting = await db.selectDistinct({ districtCode: tips.districtCode }).from(tips).where(eq(tips.status, "received"));
  await ctx.queues.enqueueRouting(waiting.map((w) => w.districtCode), minute);
  // 2. Deadlines, from PostgreSQL alone.
  const deadlines = await sendDueAlerts(ctx);
  // 3. Emails of everything not yet emailed (what a tipster's message caused included); with email off, no job.
  const unsent = !ctx.mailer.enabled ? [] : await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(isNull(notifications.emailedAt), gt(notifications.createdAt, sql`now() - interval '2 days'`)))
    .limit(10_000);
  await ctx.queues.enqueueNotifications(unsent.map((n) => n.id), minute);
  // 4. Routing that keeps failing: the administrators hear of it in the app (at most once an hour per district).
  const failing = [...(await failedSweeps(ctx.redis, ctx.config.redisPrefix))].filter(([, n]) => n >= ctx.config.sweeps.routingAlertAfter);
  if (failing.length > 0) {
    const hour = coarse("hour").toISOString();
    await db.transaction(async (tx) => {
      const admins = await adminIds(tx);
      await addNotifications(tx, failing.flatMap(([district]) => admins.map((userId) => ({ userId, tipId: null, kind: "routing_failing" as const, urgent: true, dedupeKey: `routing-failing-${district}-${hour}-${userId}` }))));
    });
    ctx.logger.error({ districts: failing.map(([d, n]) => `${d}:${n}`) }, "routing keeps failing; tips wait as received");
  }
  return { districts: waiting.length, deadlines, notifications: unsent.length, failing: failing.length };
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

