/**
 * Deadlines and escalation, with deadlines configured in fractions of an hour
 * so that nothing waits for hours: a reminder to whoever holds the case at
 * the deadline, an escalation to the administrators at twice the deadline, no
 * reminder once the case has moved on, a case waiting for the tipster that
 * returns to the liaison, a forwarding deadline on actionable cases, and no
 * alert lost or repeated when Redis loses its data (the minute sweep reads
 * PostgreSQL alone and records what it sent there).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { aPoliceOfficer, aPoliceUnit, caseRow, deadlineAlertsOf, deskOf, notificationsAbout, routed, submitAndFind, UNLIMITED, within } from "../support/caseDesk.js";
import { startEmbeddedRedis, type EmbeddedService } from "../../src/devServices/index.js";
import { freeHighPort } from "../support/ports.js";

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

    const asLiaison = await deskOf(app, liaison.email);
    const overdue = await asLiaison.get("/api/v1/cases?overdue=true");
    const listed = (overdue.body.cases as { id: string; deadline: { kind: string; overdue: boolean } }[]).find((c) => c.id === id);
    assert.ok(listed, "the overdue case is in the overdue filter");
    assert.equal(listed.deadline.overdue, true);
    const { rows } = await app.ctx.database.pool.query<{ action: string }>("SELECT action FROM audit_log WHERE subject_id = $1 AND action IN ('case.deadline_reminder', 'case.escalated') ORDER BY id", [id]);
    assert.deepEqual(rows.map((r) => r.action).sort(), ["case.deadline_reminder", "case.escalated"]);
  });

  it("when the liaison triages before the deadline, then no triage reminder comes: the sweep finds that deadline ended", async () => {
    // 10 s ahead: the app's start, three accounts, a sign-in, the tip and its routing all come before the check below.
    const app = await anApp({ TRIAGE_DEADLINE_HOURS: await triageHoursEndingIn(10_000) });
    const { liaison } = await people(app);
    const asLiaison = await deskOf(app, liaison.email);
    const id = await submitAndFind(app, aTip());
    const row = await routed(app.ctx, id);
    assert.ok(row.deadline_at && row.deadline_at.getTime() > Date.now() + 1_000, `the deadline ${row.deadline_at?.toISOString()} should still be ahead`);

    const triaged = await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "actionable" });
    assert.equal(triaged.status, 200, JSON.stringify(triaged.body));
    assert.equal(triaged.body.case.deadline.kind, "forward", "the forwarding clock replaces the triage clock");

    // The triage deadline passes and several sweeps run: the case carries the forwarding deadline instead.
    await sleep(Math.max(0, row.deadline_at.getTime() - Date.now()) + 3_000);
    assert.deepEqual(await notificationsAbout(app.ctx, id, "deadline_reminder"), []);
    assert.deepEqual(await deadlineAlertsOf(app.ctx, id), []);
  });

  it("when the police unit lets the acknowledgement deadline pass, then its officers get a reminder and then the administrators an escalation", async () => {
    const app = await anApp({ ACK_DEADLINE_HOURS: "0.0004" });
    const { admin, admin2, liaison } = await people(app);
    const { unit, officers } = await policeSide(app, admin.id);
    const asLiaison = await deskOf(app, liaison.email);
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
    const asLiaison = await deskOf(app, liaison.email);
    const asOfficer = await deskOf(app, officers[0]!.email);
    const id = await submitAndFind(app, aTip());
    await routed(app.ctx, id);
    assert.equal((await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "actionable" })).status, 200);
    const forwarded = await asLiaison.post(`/api/v1/cases/${id}/forward`, { policeUnitId: unit });
    assert.equal(forwarded.status, 200, JSON.stringify(forwarded.body));
    const acknowledged = await asOfficer.post(`/api/v1/cases/${id}/acknowledge`);
    assert.equal(acknowledged.status, 200, JSON.stringify(acknowledged.body));
    assert.ok(Date.now() < Date.parse(forwarded.body.case.deadline.at), "acknowledged before the deadline");
    assert.equal(acknowledged.body.case.deadline.kind, "verify");

    await sleep(Math.max(0, Date.parse(forwarded.body.case.deadline.at) - Date.now()) + 3_000);
    assert.deepEqual(await notificationsAbout(app.ctx, id, "deadline_reminder"), []);
    assert.deepEqual(await deadlineAlertsOf(app.ctx, id), []);
  });

  it("when an actionable case is not forwarded in time, then the liaison is reminded and the administrators get an escalation; an urgent case has the shorter deadline", async () => {
    const app = await anApp({ FORWARD_DEADLINE_HOURS: "10", URGENT_FORWARD_DEADLINE_HOURS: "0.0005" });
    const { admin, liaison } = await people(app);
    const asLiaison = await deskOf(app, liaison.email);
    const calm = await submitAndFind(app, aTip({ urgent: false }));
    const urgent = await submitAndFind(app, aTip({ urgent: true }));
    for (const id of [calm, urgent]) {
      await routed(app.ctx, id);
      const triaged = await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "actionable" });
      assert.equal(triaged.status, 200, JSON.stringify(triaged.body));
      assert.equal(triaged.body.case.deadline.kind, "forward");
    }
    const calmDeadline = (await caseRow(app.ctx, calm)).deadline_at!;
    assert.ok(calmDeadline.getTime() > Date.now() + 9 * 3_600_000, "ten hours for a case that is not urgent");
    const escalated = await within(15_000, "the urgent case escalated", async () => {
      const n = await notificationsAbout(app.ctx, urgent, "deadline_escalation");
      return n.some((x) => x.user_id === admin.id) ? n : undefined;
    });
    assert.ok(escalated.length >= 1);
    assert.deepEqual((await notificationsAbout(app.ctx, urgent, "deadline_reminder")).map((n) => n.user_id), [liaison.id], "the reminder goes to the liaison who has to forward it");
    assert.deepEqual(await notificationsAbout(app.ctx, calm, "deadline_reminder"), [], "the calm case is not due");
  });

  it("when the tipster does not answer a question in time, then the case returns to the liaison with a fresh triage clock, once", async () => {
    const app = await anApp({ NEEDS_INFO_WAIT_DAYS: "0.00003" });
    const { liaison } = await people(app);
    const asLiaison = await deskOf(app, liaison.email);
    const id = await submitAndFind(app, aTip());
    await routed(app.ctx, id);
    const asked = await asLiaison.post(`/api/v1/cases/${id}/triage`, { outcome: "needs_info", text: "Anh/chị thấy việc này vào giờ nào?" });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    assert.equal(asked.body.case.deadline.kind, "needs_info");

    const back = await within(15_000, "the case back on the liaison's desk", async () => {
      const c = await caseRow(app.ctx, id);
      return c.status === "assigned" ? c : undefined;
    });
    assert.equal(back.deadline_kind, "triage");
    assert.equal(back.assignee_id, liaison.id);
    await sleep(2_000);
    const told = await notificationsAbout(app.ctx, id, "needs_info_expired");
    assert.deepEqual(told.map((n) => n.user_id), [liaison.id]);
    const { rows } = await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE subject_id = $1 AND action = 'case.return'", [id]);
    assert.equal(rows[0]!.n, 1, "returned once");
  });

  it("when Redis loses all its data (FLUSHALL) while cases have deadlines pending, then after the worker reconnects every due reminder and escalation is sent exactly once", async function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-redis-flush-"));
    let redis: EmbeddedService | undefined;
    try {
      redis = await startEmbeddedRedis({ dataDir: path.join(dir, "redis"), port: await freeHighPort(), logger: pino({ level: "silent" }) });
      const app = await anApp({ REDIS_URL: redis.url, TRIAGE_DEADLINE_HOURS: await triageHoursEndingIn(6_000) });
      const { admin, admin2, liaison } = await people(app);
      const ids = [await submitAndFind(app, aTip()), await submitAndFind(app, aTip()), await submitAndFind(app, aTip())];
      const rows = await Promise.all(ids.map((id) => routed(app.ctx, id)));
      assert.ok(rows.every((r) => r.deadline_at && r.deadline_at.getTime() > Date.now()), "the deadlines are still ahead");

      // The reminders fall due and are sent; then Redis loses everything, queues and schedules included.
      await within(20_000, "the three reminders", async () => (await Promise.all(ids.map((id) => notificationsAbout(app.ctx, id, "deadline_reminder")))).every((n) => n.length === 1));
      const client = new Redis(redis.url);
      try {
        await client.flushall();
        assert.equal(await client.dbsize(), 0);
      } finally {
        client.disconnect();
      }

      // The escalations fall due after the loss: the worker schedules its sweep again and sends them from PostgreSQL.
      // (A deadline counts from the minute the tip was received, so the escalation comes up to a minute after the reminder.)
      await within(100_000, "the three escalations to both administrators", async () =>
        (await Promise.all(ids.map((id) => notificationsAbout(app.ctx, id, "deadline_escalation")))).every((n) => [admin.id, admin2.id].every((a) => n.some((x) => x.user_id === a))),
      250);
      await sleep(3_000); // more sweeps: nothing is sent twice
      for (const id of ids) {
        assert.deepEqual((await notificationsAbout(app.ctx, id, "deadline_reminder")).map((n) => n.user_id), [liaison.id], "one reminder");
        assert.deepEqual((await notificationsAbout(app.ctx, id, "deadline_escalation")).map((n) => n.user_id).sort(), [admin.id, admin2.id, liaison.id].sort(), "one escalation each");
        assert.deepEqual((await deadlineAlertsOf(app.ctx, id)).map((a) => a.stage), ["reminder", "escalation"]);
      }
    } finally {
      for (const app of running.splice(0)) await app.stop().catch(() => undefined);
      await redis?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
