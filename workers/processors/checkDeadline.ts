/**
 * case-deadlines: when a deadline comes, remind the people holding the case;
 * at twice the deadline, escalate to the administrators. The job acts only if
 * the case still carries this very deadline — if it moved on, the job is stale
 * and does nothing. Notifications are deduplicated by the job's id, so a
 * retried job notifies once.
 */
import type { Job } from "bullmq";
import { eq } from "drizzle-orm";
import { appendAudit } from "../../src/audit/auditLog.js";
import type { AppContext } from "../../src/context.js";
import { tips } from "../../src/db/schema.js";
import { addNotifications, adminIds, unitMemberIds } from "../../src/notifications/notifications.js";
import type { DeadlineJob } from "../../src/queues/names.js";

export async function checkDeadline(ctx: AppContext, job: Job<DeadlineJob>): Promise<"stale" | "reminded" | "escalated"> {
  const { tipId, kind, deadlineAt, stage } = job.data;
  let created: string[] = [];
  const outcome = await ctx.database.db.transaction(async (tx) => {
    const [tip] = await tx.select().from(tips).where(eq(tips.id, tipId)).for("update");
    if (!tip || tip.deadlineKind !== kind || tip.deadlineAt?.toISOString() !== deadlineAt) return "stale" as const;
    const holders = kind === "triage" ? (tip.assigneeId ? [tip.assigneeId] : await adminIds(tx)) : tip.forwardedUnitId ? await unitMemberIds(tx, tip.forwardedUnitId) : [];
    const recipients = stage === "reminder" ? holders : [...new Set([...(await adminIds(tx)), ...(tip.assigneeId ? [tip.assigneeId] : [])])];
    const notificationKind = stage === "reminder" ? "deadline_reminder" : "deadline_escalation";
    created = await addNotifications(tx, recipients.map((userId) => ({ userId, tipId, kind: notificationKind, urgent: tip.urgent || stage === "escalation", dedupeKey: `${job.id}-${userId}` })));
    if (created.length > 0)
      await appendAudit(tx, { actorId: null, action: stage === "reminder" ? "case.deadline_reminder" : "case.escalated", subjectType: "case", subjectId: tipId, districtCode: tip.districtCode, details: { kind, deadlineAt } });
    return stage === "reminder" ? ("reminded" as const) : ("escalated" as const);
  });
  await ctx.queues.enqueueNotifications(created);
  return outcome;
}
