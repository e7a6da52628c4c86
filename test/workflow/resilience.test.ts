/**
 * Not one tip lost when a worker or Redis goes down: a worker process killed
 * with SIGKILL in the middle of routing leaves every tip to be routed exactly
 * once by the next worker; a Redis restarted while tipsters keep submitting
 * leaves every accepted tip stored and, in the end, routed.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Job } from "bullmq";
import pino from "pino";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { caseRow, clientAddress, routingRowsPerCase, submitAndFind, submitTip, tipIds, UNLIMITED, within } from "../support/caseDesk.js";
import { startWorkerProcess, type WorkerProcess } from "../support/workerProcess.js";
import { startEmbeddedRedis, type EmbeddedService } from "../../src/devServices/index.js";
import { triageCase } from "../../src/commands/caseTriager.js";
import { routeWaitingTips } from "../../src/commands/tipRouter.js";
import type { RouteTipJob } from "../../src/queues/names.js";
import { routeDistrict, RoutingFailed } from "../../workers/processors/routeTip.js";
import { freeHighPort } from "../support/ports.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function statusCounts(app: TestApp): Promise<Record<string, number>> {
  const { rows } = await app.ctx.database.pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM tips GROUP BY status");
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Every case routed exactly once (one routing audit row each) and assigned to one of `liaisonIds`. */
async function assertEachRoutedOnce(app: TestApp, liaisonIds: string[]) {
  const { rows } = await app.ctx.database.pool.query<{ id: string; status: string; assignee_id: string | null }>("SELECT id, status, assignee_id FROM tips");
  for (const r of rows) {
    assert.equal(r.status, "assigned", `case ${r.id}`);
    assert.ok(r.assignee_id && liaisonIds.includes(r.assignee_id), `case ${r.id} has a liaison of its district`);
  }
  const routings = await routingRowsPerCase(app.ctx, rows.map((r) => r.id));
  assert.deepEqual([...routings].filter(([, n]) => n !== 1), [], "each tip routed exactly once");
}

describe("a worker killed with SIGKILL in the middle of routing", function () {
  this.timeout(240_000);
  let web: TestApp;
  const workers: WorkerProcess[] = [];
  let liaisonIds: string[];

  before(async () => {
    // The web role only stores tips: the workers' sweeps route them.
    web = await startTestApp({ role: "web", env: UNLIMITED });
    await resetData(web);
    await anAdministrator(web.ctx);
    liaisonIds = (await Promise.all([1, 2, 3].map(() => aStaffMember(web.ctx, "liaison", "831")))).map((l) => l.id);
  });
  after(async () => {
    for (const w of workers) await w.stop();
    await web?.stop();
  });

  it("when a worker is killed with SIGKILL after the first tips are assigned and a new worker starts, then each of 50 tips is assigned exactly once", async () => {
    const first = await startWorkerProcess();
    workers.push(first);

    const statuses: number[] = [];
    const submit = async (from: number, to: number) => {
      for (let start = from; start < to; start += 5) {
        const sent = await Promise.all(
          Array.from({ length: Math.min(5, to - start) }, (_, i) =>
            submitTip(web.url, aTip({ description: `Tin số ${start + i}: có người tụ tập sử dụng ma túy ở bãi đất trống.` }), clientAddress(start + i + 1)),
          ),
        );
        statuses.push(...sent.map((r) => r.status));
      }
    };
    // The first 10 tips go to the first worker, which is killed while it routes; the other 40
    // are sent after the kill, so the next worker always has tips left to route (before, a
    // fast worker could route all 50 before the kill and the test had nothing to prove).
    const firstTips = submit(0, 10);

    // Kill it once a few tips are assigned, preferably while it holds a routing job.
    await within(30_000, "the first tips assigned", async () => ((await statusCounts(web)).assigned ?? 0) >= 3, 5);
    await within(2_000, "a routing job in progress", async () => (await web.ctx.queues.routeTip.getActiveCount()) > 0, 2).catch(() => undefined);
    await first.kill();
    const cutOff = (await web.ctx.queues.routeTip.getActive()).map((j) => j.data.districtCode);
    const assignedAtKill = (await statusCounts(web)).assigned ?? 0;

    await firstTips;
    await submit(10, 50);
    assert.deepEqual(statuses, Array(50).fill(201));
    assert.equal((await tipIds(web.ctx)).size, 50);
    const waiting = await statusCounts(web);
    assert.ok((waiting.received ?? 0) >= 40, `the tips sent after the kill wait for the next worker (assigned at the kill: ${assignedAtKill}, now ${JSON.stringify(waiting)})`);

    const second = await startWorkerProcess();
    workers.push(second);
    // A job the killed worker held is recovered once its lock expires (BullMQ's stalled-job check, ~30-60 s).
    await within(150_000, `all 50 tips routed (cut off in the middle: ${cutOff.length})`, async () => (await statusCounts(web)).assigned === 50, 250);
    await assertEachRoutedOnce(web, liaisonIds);
    assert.equal(await web.ctx.queues.routeTip.getFailedCount(), 0, "no routing job failed for good");
  });
});

describe("a routing job that runs a second time", function () {
  this.timeout(60_000);
  let web: TestApp;
  before(async () => (web = await startTestApp({ role: "web", env: UNLIMITED })));
  after(async () => web?.stop());

  // What BullMQ does after a worker died between committing the assignment and recording the job as done:
  // the stalled job runs again. Running the processor twice must have the effect of running it once.
  it("when the job for an already routed and triaged case runs again, then the case keeps its liaison, its status and its single routing entry", async () => {
    await resetData(web);
    await anAdministrator(web.ctx);
    const [first, second] = await Promise.all([1, 2].map(() => aStaffMember(web.ctx, "liaison", "831")));
    const id = await submitAndFind(web, aTip());
    const route = () => routeWaitingTips(web.ctx, "831", { limit: 500 });
    assert.equal((await route()).assigned, 1);
    const routedOnce = await caseRow(web.ctx, id);
    assert.ok([first!.id, second!.id].includes(routedOnce.assignee_id!));
    const holder = routedOnce.assignee_id!;
    await triageCase(web.ctx, { id: holder, role: "liaison", districtCode: "831", policeUnitId: null }, id, { outcome: "actionable" });
    const triaged = await caseRow(web.ctx, id);

    assert.deepEqual(await route(), { assigned: 0, flagged: 0, notificationIds: [] }, "the second run finds nothing to do");
    const after = await caseRow(web.ctx, id);
    assert.equal(after.status, "actionable", "the triage decision stands");
    assert.equal(after.assignee_id, holder, "the case stays with its liaison");
    assert.equal(after.version, triaged.version, "the case is unchanged");
    assert.deepEqual([...(await routingRowsPerCase(web.ctx, [id]))], [[id, 1]], "one routing entry");
  });
});

describe("a routing batch with one tip that cannot be routed", function () {
  this.timeout(60_000);
  let web: TestApp;
  before(async () => (web = await startTestApp({ role: "web", env: UNLIMITED })));
  after(async () => web?.stop());

  it("when one of a district's waiting tips makes its batch fail, then the others are routed (fairly, after the existing workload), that one stays received, the job fails naming a count and no tip, and a later run routes it once", async () => {
    await resetData(web);
    await anAdministrator(web.ctx);
    const [busy, idle] = await Promise.all([1, 2].map((n) => aStaffMember(web.ctx, "liaison", "831", `lien-lac-lo-${n}@example.org`)));
    // The first liaison already holds two open cases: the next two tips go to the other one first.
    const held = [await submitAndFind(web, aTip()), await submitAndFind(web, aTip())];
    await web.ctx.database.pool.query("UPDATE tips SET status = 'assigned', assignee_id = $1 WHERE id = ANY($2)", [busy!.id, held]);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submitAndFind(web, aTip()));
    const bad = ids[2]!;
    const { pool } = web.ctx.database;
    await pool.query(`CREATE OR REPLACE FUNCTION homthu_test_break_one() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'this tip cannot be routed'; END $$ LANGUAGE plpgsql`);
    await pool.query(`CREATE TRIGGER homthu_test_break_one BEFORE UPDATE ON tips FOR EACH ROW WHEN (OLD.status = 'received' AND OLD.id = '${bad}') EXECUTE FUNCTION homthu_test_break_one()`);
    const job = { data: { districtCode: "831" }, timestamp: Math.floor(Date.now() / 60_000) * 60_000 } as Job<RouteTipJob>;
    try {
      await assert.rejects(routeDistrict(web.ctx, job), (err: Error) => err instanceof RoutingFailed && /^1 tips not routed/.test(err.message) && !err.message.includes(bad));
    } finally {
      await pool.query("DROP TRIGGER IF EXISTS homthu_test_break_one ON tips");
      await pool.query("DROP FUNCTION IF EXISTS homthu_test_break_one()");
    }
    assert.equal((await caseRow(web.ctx, bad)).status, "received", "the bad tip waits");
    const others = ids.filter((id) => id !== bad);
    const owners = await Promise.all(others.map(async (id) => (await caseRow(web.ctx, id)).assignee_id));
    const toIdle = owners.filter((o) => o === idle!.id).length;
    assert.equal(toIdle + owners.filter((o) => o === busy!.id).length, 5, "every other tip went to a liaison of 831");
    assert.ok(toIdle >= 3 && Math.abs(toIdle - (2 + 5 - toIdle)) <= 1, `the idle liaison catches up first; workloads end within one: ${toIdle} vs ${2 + 5 - toIdle}`);

    assert.deepEqual(await routeDistrict(web.ctx, job), { assigned: 1, flagged: 0 }, "the next run routes it");
    assert.deepEqual(await routeDistrict(web.ctx, job), { assigned: 0, flagged: 0 }, "and then finds nothing to do");
    assert.deepEqual([...(await routingRowsPerCase(web.ctx, ids))].filter(([, n]) => n !== 1), [], "each tip routed exactly once");
  });
});

describe("Redis restarted while tips are being submitted", function () {
  this.timeout(180_000);
  const silent = pino({ level: "silent" });
  let dir: string;
  let port: number;
  let redis: EmbeddedService | undefined;
  const apps: TestApp[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-redis-restart-"));
    port = await freeHighPort();
    redis = await startEmbeddedRedis({ dataDir: path.join(dir, "redis"), port, logger: silent });
  });
  after(async () => {
    for (const app of apps.reverse()) await app.stop().catch(() => undefined);
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("when Redis stops and starts again in the middle of a stream of tips, then every tip that got 201 is stored and eventually routed, and nothing is stored for a refused one", async () => {
    const app = await startTestApp({ env: { ...UNLIMITED, REDIS_URL: redis!.url } });
    apps.push(app);
    await resetData(app);
    await anAdministrator(app.ctx);
    const liaisonIds = (await Promise.all([1, 2].map(() => aStaffMember(app.ctx, "liaison", "831")))).map((l) => l.id);

    const results: { status: number; redisDown: boolean }[] = [];
    let redisDown = false;
    const submitting = (async () => {
      for (let i = 0; i < 60; i++) {
        const wasDown = redisDown;
        const res = await submitTip(app.url, aTip({ description: `Tin số ${i}: có người bán ma túy ở quán cà phê đầu hẻm.` }), clientAddress(i + 1)).catch(() => ({ status: 0 }));
        results.push({ status: res.status, redisDown: wasDown || redisDown });
        await sleep(20);
      }
    })();

    await within(30_000, "the first 15 tips sent", async () => results.length >= 15, 10);
    redisDown = true;
    await redis!.stop();
    await within(60_000, "10 tips sent while Redis is down", async () => results.length >= 25, 10);
    redis = await startEmbeddedRedis({ dataDir: path.join(dir, "redis"), port, logger: silent });
    redisDown = false;
    await submitting;

    const accepted = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status !== 201);
    assert.ok(results.filter((r) => r.redisDown).length >= 10, "tips were submitted during the outage");
    assert.ok(refused.every((r) => r.status >= 500 || r.status === 0), `only server errors are acceptable: ${JSON.stringify(refused)}`);
    assert.equal((await tipIds(app.ctx)).size, accepted, "a stored case for every 201, none for a refusal");
    assert.ok(accepted >= 50, `the tip line stays open through a Redis outage (${accepted}/60 accepted; refused: ${JSON.stringify(refused)})`);

    // The worker's sweep routes what the outage left behind (a fresh worker's start-up sweep at once).
    apps.push(await startTestApp({ role: "worker", env: { REDIS_URL: redis.url } }));
    await within(60_000, "every accepted tip routed", async () => {
      const counts = await statusCounts(app);
      return counts.assigned === accepted ? counts : undefined;
    }, 250);
    await assertEachRoutedOnce(app, liaisonIds);
  });
});
