/**
 * deadlineAlerter: the deadline half of the minute sweep. It reads the running
 * deadlines from PostgreSQL (case_deadlines) and, for each alert that has
 * fallen due and is not yet recorded, in one transaction per alert: records it
 * in deadline_alerts (primary key = deadline, stage, due time), writes the
 * notifications and the audit row. A second worker, a re-run after a crash or
 * a Redis that lost its data therefore neither skips nor repeats an alert.
 *
 *  - reminder (at the deadline; while verifying also every VERIFY_REMINDER_DAYS):
 *    whoever holds the case — the assignee (or the administrators when there is
 *    none) for triage and forwarding, the police unit's members for
 *    acknowledgement and verification;
 *  - escalation (at twice the deadline): the administrators and the assignee;
 *  - needs-info wait over: the case returns to the liaison's desk ("return"),
 *    with a fresh triage clock.
 */
import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { dueAlerts, triageDeadline, type AlertStage } from "../cases/deadlines.js";
import type { AppContext } from "../context.js";
import { caseDeadlines, deadlineAlerts, tips } from "../db/schema.js";
import { conflict, HttpError } from "../errors.js";
import { addNotifications, adminIds, unitMemberIds } from "../notifications/notifications.js";
import { coarse } from "../time/coarse.js";
import { moveCase } from "./caseMover.js";

interface Open {
  id: number;
  tipId: string;
  kind: string;
  startedAt: Date;
  dueAt: Date;
}

export interface AlertCounts {
  reminders: number;
  escalations: number;
  returned: number;
}

/** Send every alert due by `now` that is not recorded yet. */
export async function sendDueAlerts(ctx: AppContext, now = new Date()): Promise<AlertCounts> {
  const { db } = ctx.database;
  const counts: AlertCounts = { reminders: 0, escalations: 0, returned: 0 };
  const reminderEvery = `${Math.round(ctx.config.deadlines.verifyReminder / 1000)} seconds`;
  const open: Open[] = await db
    .select({ id: caseDeadlines.id, tipId: caseDeadlines.tipId, kind: caseDeadlines.kind, startedAt: caseDeadlines.startedAt, dueAt: caseDeadlines.dueAt })
    .from(caseDeadlines)
    .where(
      and(
        isNull(caseDeadlines.endedAt),
        or(lte(caseDeadlines.dueAt, now), and(eq(caseDeadlines.kind, "verify"), sql`${caseDeadlines.startedAt} + ${reminderEvery}::interval <= ${now}`)),
        // Done with: escalated, or returned to the liaison.
        sql`NOT EXISTS (SELECT 1 FROM deadline_alerts a WHERE a.deadline_id = ${caseDeadlines.id} AND a.stage IN ('escalation', 'returned'))`,
      ),
    )
    .orderBy(caseDeadlines.dueAt)
    .limit(5000);
  if (open.length === 0) return counts;
  const sent = await db
    .select({ deadlineId: deadlineAlerts.deadlineId, stage: deadlineAlerts.stage, dueAt: deadlineAlerts.dueAt })
    .from(deadlineAlerts)
    .where(inArray(deadlineAlerts.deadlineId, open.map((d) => d.id)));
  const done = new Set(sent.map((a) => `${a.deadlineId}|${a.stage}|${a.dueAt.getTime()}`));
  for (const d of open)
    for (const alert of dueAlerts(ctx.config, d, now)) {
      if (done.has(`${d.id}|${alert.stage}|${alert.dueAt.getTime()}`)) continue;
      const acted = alert.stage === "returned" ? await returnToLiaison(ctx, d, alert.dueAt) : await remind(ctx, d, alert.stage, alert.dueAt);
      if (acted) counts[alert.stage === "reminder" ? "reminders" : alert.stage === "escalation" ? "escalations" : "returned"]++;
    }
  return counts;
}

/** Record the alert; false when another sweep already did (or the deadline has ended meanwhile). */
async function claim(tx: Parameters<Parameters<AppContext["database"]["db"]["transaction"]>[0]>[0], d: Open, stage: AlertStage, dueAt: Date): Promise<boolean> {
  const [running] = await tx.select({ id: caseDeadlines.id }).from(caseDeadlines).where(and(eq(caseDeadlines.id, d.id), isNull(caseDeadlines.endedAt))).for("update");
  if (!running) return false;
  const inserted = await tx
    .insert(deadlineAlerts)
    .values({ deadlineId: d.id, stage, dueAt })
    .onConflictDoNothing()
    .returning({ id: deadlineAlerts.deadlineId });
  return inserted.length > 0;
}

async function remind(ctx: AppContext, d: Open, stage: "reminder" | "escalation", dueAt: Date): Promise<boolean> {
  return ctx.database.db.transaction(async (tx) => {
    const [tip] = await tx.select().from(tips).where(eq(tips.id, d.tipId)).for("update");
    if (!tip || tip.purgedAt || !(await claim(tx, d, stage, dueAt))) return false;
    const police = d.kind === "acknowledge" || d.kind === "verify";
    const holders = police ? (tip.forwardedUnitId ? await unitMemberIds(tx, tip.forwardedUnitId) : []) : tip.assigneeId ? [tip.assigneeId] : await adminIds(tx);
    const recipients = stage === "reminder" ? holders : [...new Set([...(await adminIds(tx)), ...(tip.assigneeId ? [tip.assigneeId] : [])])];
    const kind = stage === "reminder" ? ("deadline_reminder" as const) : ("deadline_escalation" as const);
    await addNotifications(tx, recipients.map((userId) => ({ userId, tipId: tip.id, kind, urgent: tip.urgent || stage === "escalation", dedupeKey: `deadline-${d.id}-${stage}-${dueAt.getTime()}-${userId}` })));
    await appendAudit(tx, { actorId: null, action: stage === "reminder" ? "case.deadline_reminder" : "case.escalated", subjectType: "case", subjectId: tip.id, districtCode: tip.districtCode, details: { kind: d.kind, deadlineAt: d.dueAt.toISOString() } });
    return true;
  });
}

/** The tipster did not answer in time: the case goes back to the liaison's desk with a fresh triage clock. */
async function returnToLiaison(ctx: AppContext, d: Open, dueAt: Date): Promise<boolean> {
  try {
    await moveCase(ctx, null, d.tipId, "return", async (tip, tx) => {
      // Lock order as everywhere else: the case, then its deadline row.
      await tx.select({ id: tips.id }).from(tips).where(eq(tips.id, tip.id)).for("update");
      if (!(await claim(tx, d, "returned", dueAt))) throw conflict();
      const holders = tip.assigneeId ? [tip.assigneeId] : await adminIds(tx);
      return {
        status: "assigned",
        deadline: triageDeadline(ctx.config, coarse("minute"), tip.urgent),
        coarseTime: "minute",
        details: { waitedUntil: d.dueAt.toISOString() },
        notify: holders.map((userId) => ({ userId, tipId: tip.id, kind: "needs_info_expired" as const, urgent: tip.urgent, coarseTime: "minute" as const, dedupeKey: `deadline-${d.id}-returned-${userId}` })),
      };
    });
    return true;
  } catch (err) {
    // Already returned (another sweep), answered meanwhile, or gone.
    if (err instanceof HttpError && (err.status === 409 || err.status === 404)) return false;
    throw err;
  }
}
