/**
 * A sweep schedule left stuck by Redis running out of memory: BullMQ adds a
 * scheduler's next run only when the current one is taken, so a write refused
 * at that moment leaves the schedule in place, its next run in the past, and
 * no job to run it (seen by `npm run chaos`: routing stopped until something
 * else moved the stalled job). A running worker notices and schedules the
 * sweep again, and waiting tips are routed without a restart.
 */
import assert from "node:assert/strict";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { caseRow, submitAndFind, UNLIMITED, within } from "../support/caseDesk.js";

describe("a stuck sweep schedule", function () {
  this.timeout(120_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ role: "all", env: UNLIMITED });
    await resetData(app);
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831");
  });
  after(async () => app?.stop());

  it("when the sweep's next run is gone and its schedule says long ago, then a running worker schedules it again and a waiting tip is routed", async () => {
    const maintenance = app.ctx.queues.maintenance;
    const schedule = await within(10_000, "the sweep is scheduled", () => maintenance.getJobScheduler("sweep"), 100);
    // Break the chain as a refused write does: no next job, and the schedule's next run 2 minutes ago.
    const repeatKey = maintenance.keys.repeat!;
    const past = Date.now() - 120_000;
    await within(10_000, "no sweep job left", async () => {
      for (const job of await maintenance.getJobs(["delayed", "wait", "prioritized"])) if (job?.repeatJobKey === "sweep") await job.remove().catch(() => undefined);
      await app.ctx.redis.zadd(repeatKey, past, schedule.key);
      const left = (await maintenance.getJobs(["delayed", "wait", "prioritized", "active"])).filter((j) => j?.repeatJobKey === "sweep");
      return left.length === 0;
    }, 20);
    const id = await submitAndFind(app, aTip({ districtCode: "831", communeCode: "28801" }));
    const routedCase = await within(45_000, "the waiting tip routed by a sweep scheduled again", async () => {
      const c = await caseRow(app.ctx, id);
      return c.status !== "received" ? c : undefined;
    }, 250);
    assert.equal(routedCase.status, "assigned");
    assert.ok(app.logs.some((l) => l.includes("the sweep schedule was stuck")), "the worker said why it scheduled the sweep again");
  });
});
