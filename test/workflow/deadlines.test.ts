/**
 * Deadlines and escalation, with deadlines configured in fractions of an hour
 * so that nothing waits for hours: a reminder to whoever holds the case at
 * the deadline, an escalation to the administrators at twice the deadline, no
 * reminder once the case has moved on, and no deadline lost when Redis loses
 * its delayed jobs (a new worker schedules them again from the database).
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { services, deleteRedisPrefix } from "../support/services.js";
import { aPoliceOfficer, aPoliceUnit, caseRow, deskOf, finishedDeadlineChecks, notificationsAbout, routed, submitAndFind, UNLIMITED, within } from "../support/caseDesk.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A triage deadline (in hours) that falls about `leadMs` from now. Tips are
 * received "to the minute", so the deadline counts from the start of the
 * current minute; close to a minute's end we wait for the next one.
 */
async function triageHoursEndingIn(leadMs: number): Promise<string> {
  if (Date.now() % 60_000 > 50_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
  return ((Date.now() % 60_000) / 3_600_000 + leadMs / 3_600_000).toFixed(8);
}

describe("deadlines, reminders and escalation", function () {
  this.timeout(120_000);
  const running: TestApp[] = [];
  const anApp = async (env: Record<string, string>, role: "all" | "worker" = "all") => {
    const app = await startTestApp({ role, env: { ...UNLIMITED, ...env } });
    running.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of running.splice(0)) await app.stop();
  });

  /** Administrators, a liaison of 831 and (optionally) a police unit with two officers. */
  async function people(app: TestApp) {
    await resetData(app);
    const admin = await anAdministrator(app.ctx);
    const admin2 = await aStaffMember(app.ctx, "admin", null);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    return { admin, admin2, liaison };
  }

  async function policeSide(app: TestApp, adminId: string) {
    const unit = await aPoliceUnit(app.ctx, adminId, `Công an huyện (hạn) ${Math.random().toString(36).slice(2, 7)}`);
    const officers = [await aPoliceOfficer(app.ctx, unit), await aPoliceOfficer(app.ctx, unit)];
    return { unit, officers };
  }

  it("when a liaison lets the triage deadline pass, then they get a reminder, the case shows as overdue, and at twice the deadline the administrators get an escalation", async () => {
    const app = await anApp({ TRIAGE_DEADLINE_HOURS: "0.0004" });
    const { admin, admin2, liaison } = await people(app);
    const id = await submitAndFind(app, aTip());
    const row = await routed(app.ctx, id);
    assert.equal(row.assignee_id, liaison.id);
    assert.equal(row.deadline_kind, "triage");

    const reminders = await within(15_000, "a deadline reminder", async () => {
      const n = await notificationsAbout(app.ctx, id, "deadline_reminder");
      return n.length > 0 ? n : undefined;
    });
    assert.deepEqual(reminders.map((n) => n.user_id), [liaison.id], "the reminder goes to the assignee");

    const escalations = await within(15_000, "an escalation to both administrators", async () => {
      const n = await notificationsAbout(app.ctx, id, "deadline_escalation");
      return [admin.id, admin2.id].every((a) => n.some((x) => x.user_id === a)) ? n : undefined;
    });
    assert.ok(escalations.every((n) => n.urgent), "an escalation is urgent");
    assert.ok(escalations.every((n) => [admin.id, admin2.id, liaison.id].includes(n.user_id)));

    const asLiaison = await deskOf(app.url, liaison.email);
    const overdue = await asLiaison.get("/api/v1/cases?overdue=true");
    const listed = (overdue.body.cases as { id: string; deadline: { kind: string; overdue: boolean } }[]).find((c) => c.id === id);
    assert.ok(listed, "the overdue case is in the overdue filter");
    assert.equal(listed.deadline.overdue, true);
    const { rows } = await app.ctx.database.pool.query<{ action: string }>("SELECT action FROM audit_log WHERE subject_id = $1 AND action IN ('case.deadline_reminder', 'case.escalated') ORDER BY id", [id]);
    assert.deepEqual(rows.map((r) => r.action).sort(), ["case.deadline_reminder", "case.escalated"]);
  });

  it("when the liaison triages before the deadline, then no reminder comes: the waiting check finds the case has moved on", async () => {
    const app = await anApp({ TRIAGE_DEADLINE_HOURS: await triageHoursEndingIn(5_000) });
    const { liaison } = await people(app);
    const asLiaison = await deskOf(app.url, liaison.email);
    const id = await submitAndFind(app, aTip());
    const row = await routed(app.ctx, id);
    assert.ok(row.deadline_at && row.deadline_at.getTime() > Date.now() + 1_000, `the deadline ${row.deadline_at?.toISOString()} should still be ahead`);

    const triaged = await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "actionable" });
    assert.equal(triaged.status, 200, JSON.stringify(triaged.body));
    assert.equal(triaged.body.case.deadline, null);

    const checks = await within(20_000, "the reminder check has run", async () => {
      const done = await finishedDeadlineChecks(app.ctx, id, "reminder");
      return done.length > 0 ? done : undefined;
    });
    assert.deepEqual(checks.map((c) => c.result), checks.map(() => "stale"));
    assert.deepEqual(await notificationsAbout(app.ctx, id, "deadline_reminder"), []);
  });

  it("when the police unit lets the acknowledgement deadline pass, then its officers get a reminder and then the administrators an escalation", async () => {
    const app = await anApp({ ACK_DEADLINE_HOURS: "0.0004" });
    const { admin, admin2, liaison } = await people(app);
    const { unit, officers } = await policeSide(app, admin.id);
    const asLiaison = await deskOf(app.url, liaison.email);
    const id = await submitAndFind(app, aTip());
    await routed(app.ctx, id);
    assert.equal((await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "actionable" })).status, 200);
    const forwarded = await asLiaison.post(`/api/v1/cases/${id}/forward`, { policeUnitId: unit });
    assert.equal(forwarded.status, 200, JSON.stringify(forwarded.body));
    assert.equal(forwarded.body.case.deadline.kind, "acknowledge");

    const reminders = await within(15_000, "an acknowledgement reminder to both officers", async () => {
      const n = await notificationsAbout(app.ctx, id, "deadline_reminder");
      return n.length >= 2 ? n : undefined;
    });
    assert.deepEqual(reminders.map((n) => n.user_id).sort(), officers.map((o) => o.id).sort());
    const escalations = await within(15_000, "an escalation to both administrators", async () => {
      const n = await notificationsAbout(app.ctx, id, "deadline_escalation");
      return [admin.id, admin2.id].every((a) => n.some((x) => x.user_id === a)) ? n : undefined;
    });
    const firstEscalation = Math.min(...escalations.map((n) => n.created_at.getTime()));
    assert.ok(Math.max(...reminders.map((n) => n.created_at.getTime())) < firstEscalation, "the reminder comes first, the escalation later");
    assert.equal((await caseRow(app.ctx, id)).status, "forwarded");
  });

  it("when the police unit acknowledges before the deadline, then no acknowledgement reminder comes", async () => {
    const app = await anApp({ ACK_DEADLINE_HOURS: "0.0015" });
    const { admin, liaison } = await people(app);
    const { unit, officers } = await policeSide(app, admin.id);
    const asLiaison = await deskOf(app.url, liaison.email);
    const asOfficer = await deskOf(app.url, officers[0]!.email);
    const id = await submitAndFind(app, aTip());
    await routed(app.ctx, id);
    assert.equal((await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "actionable" })).status, 200);
    const forwarded = await asLiaison.post(`/api/v1/cases/${id}/forward`, { policeUnitId: unit });
    assert.equal(forwarded.status, 200, JSON.stringify(forwarded.body));
    const acknowledged = await asOfficer.post(`/api/v1/cases/${id}/acknowledge`);
    assert.equal(acknowledged.status, 200, JSON.stringify(acknowledged.body));
    assert.ok(Date.now() < Date.parse(forwarded.body.case.deadline.at), "acknowledged before the deadline");
    assert.equal(acknowledged.body.case.deadline.kind, "verify");

    const checks = await within(20_000, "the acknowledgement reminder check has run", async () => {
      const done = await finishedDeadlineChecks(app.ctx, id, "reminder");
      return done.length > 0 ? done : undefined;
    });
    assert.deepEqual(checks.map((c) => c.result), checks.map(() => "stale"));
    assert.deepEqual(await notificationsAbout(app.ctx, id, "deadline_reminder"), []);
  });

  it("when Redis loses the deadline jobs, then a newly started worker schedules them again from the database and the reminder still arrives on time", async () => {
    const env = { TRIAGE_DEADLINE_HOURS: await triageHoursEndingIn(6_000) };
    const first = await anApp(env);
    const { liaison } = await people(first);
    const id = await submitAndFind(first, aTip());
    const row = await routed(first.ctx, id);
    assert.ok(row.deadline_at && row.deadline_at.getTime() > Date.now() + 1_000, `the deadline ${row.deadline_at?.toISOString()} should still be ahead`);
    await first.stop();

    // What a Redis that lost its data looks like to the case-deadlines queue.
    const { redisUrl, redisPrefix } = services();
    const queueKeys = `${redisPrefix}:bull:case-deadlines`;
    const redis = new Redis(redisUrl);
    try {
      assert.ok((await redis.keys(`${queueKeys}*`)).length > 0, "the deadline jobs were in Redis");
      await deleteRedisPrefix(redisUrl, queueKeys);
      assert.deepEqual(await redis.keys(`${queueKeys}*`), []);
    } finally {
      redis.disconnect();
    }
    const worker = await anApp(env, "worker");
    // Its start-up sweep has put the checks back; the deadline is still ahead, so nothing was sent yet.
    const rescheduled = (await worker.ctx.queues.caseDeadlines.getJobs(["delayed", "waiting", "active", "completed"], 0, -1)).filter((j) => j.data.tipId === id);
    assert.deepEqual(rescheduled.map((j) => j.data.stage).sort(), ["escalation", "reminder"]);
    assert.deepEqual(await notificationsAbout(worker.ctx, id, "deadline_reminder"), []);

    const reminders = await within(20_000, "the reminder after the restart", async () => {
      const n = await notificationsAbout(worker.ctx, id, "deadline_reminder");
      return n.length > 0 ? n : undefined;
    });
    assert.deepEqual(reminders.map((n) => n.user_id), [liaison.id]);
    assert.ok(reminders[0]!.created_at.getTime() >= row.deadline_at.getTime() - 50, "not before the deadline");
  });
});
