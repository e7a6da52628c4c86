/**
 * notify: email one notification to its person, if email is on and they get
 * instant emails (urgent ones go out even to people on the daily digest).
 * The email says only that a case needs attention, with a link: no category,
 * place, content or case id, since a mailbox is read by more people than its
 * owner. Its Date header is kept to the minute (src/mail/mailer.ts).
 * Idempotent: emailed_at is claimed before sending.
 */
import type { Job } from "bullmq";
import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../../src/context.js";
import { notifications, staffUsers } from "../../src/db/schema.js";
import type { NotifyJob } from "../../src/queues/names.js";
import { coarse } from "../../src/time/coarse.js";

/**
 * The link in an email: to the notification (which opens its case once signed in), or to the list. Never the
 * case id itself: a mailbox, like a Redis dump, must not name a tip.
 */
export function caseLink(ctx: AppContext, notificationId: string | null): string {
  const base = ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`;
  return notificationId ? `${base}/staff/notifications/${notificationId}` : `${base}/staff/notifications`;
}

export const ATTENTION_SUBJECT = "homthu: một hồ sơ cần anh/chị chú ý / a case needs your attention";

export async function sendNotification(ctx: AppContext, job: Job<NotifyJob>): Promise<"sent" | "skipped"> {
  if (!ctx.mailer.enabled) return "skipped";
  const [row] = await ctx.database.db
    .select({ n: notifications, email: staffUsers.email, mode: staffUsers.notifyMode, active: staffUsers.active })
    .from(notifications)
    .innerJoin(staffUsers, eq(staffUsers.id, notifications.userId))
    .where(eq(notifications.id, job.data.notificationId));
  if (!row || row.n.emailedAt || !row.active || (row.mode === "digest" && !row.n.urgent)) return "skipped";
  // Claim first: a retry after a crash may skip one email, but never sends two.
  const claimed = await ctx.database.db.update(notifications).set({ emailedAt: coarse("hour") }).where(and(eq(notifications.id, row.n.id), isNull(notifications.emailedAt))).returning({ id: notifications.id });
  if (claimed.length === 0) return "skipped";
  try {
    await ctx.mailer.send({ to: row.email, subject: ATTENTION_SUBJECT, text: `Một hồ sơ cần anh/chị chú ý. / A case needs your attention.\n\n${caseLink(ctx, row.n.tipId ? row.n.id : null)}\n` });
  } catch (err) {
    await ctx.database.db.update(notifications).set({ emailedAt: null }).where(eq(notifications.id, row.n.id));
    throw err;
  }
  return "sent";
}
