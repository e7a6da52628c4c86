/**
 * The sweeps: a tip's intake touches PostgreSQL only (no job, no Redis key),
 * the clock-aligned sweep routes it with a job that names its district (never
 * the tip) and carries the sweep's minute as its time; a routing that keeps
 * failing strands nothing — the tip is routed, once, by a sweep after the
 * failure ends — and raises an alert for the administrators (in the app and
 * on /metrics) without any tip id in the logs.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { Redis } from "ioredis";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { services } from "../support/services.js";
import { caseRow, routed, routingRowsPerCase, submitAndFind, UNLIMITED, within } from "../support/caseDesk.js";
import { routeJobId } from "../../src/queues/producer.js";
import { sweep } from "../../workers/processors/maintenance.js";

/** Every key under the run's prefix with its value, except the rate-limit counters and form-token claims (issue #11 item 4). */
async function snapshot(redisUrl: string, prefix: string): Promise<Map<string, string>> {
  const redis = new Redis(redisUrl);
  try {
    const out = new Map<string, string>();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        if (/:rl:|:ft:|formtoken|form-token|stalled-check/i.test(key)) continue; // (stalled-check: a worker's own housekeeping, on its clock)
        const type = await redis.type(key);
        const value =
          type === "string" ? await redis.get(key)
          : type === "hash" ? JSON.stringify(await redis.hgetall(key))
          : type === "list" ? JSON.stringify(await redis.lrange(key, 0, -1))
          : type === "set" ? JSON.stringify((await redis.smembers(key)).sort())
          : type === "zset" ? JSON.stringify(await redis.zrange(key, "0", "-1", "WITHSCORES"))
          : type === "stream" ? JSON.stringify(await redis.xrange(key, "-", "+"))
          : type;
        // The absolute expiry (Redis 7), which stays put for a key nobody touched, unlike PTTL.
        out.set(key, `${type} ${value} expires=${String(await redis.call("PEXPIRETIME", key))}`);
      }
    } while (cursor !== "0");
    return out;
  } finally {
    redis.disconnect();
  }
}

describe("sweeps: intake touches PostgreSQL only, routing follows on the clock", function () {
  this.timeout(120_000);
  const running: TestApp[] = [];
  const anApp = async (role: "web" | "worker" | "all", env: Record<string, string> = {}) => {
    const app = await startTestApp({ role, env: { ...UNLIMITED, ...env } });
    running.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of running.splice(0).reverse()) await app.stop();
  });

  it("when a tip arrives, then no job and no Redis key is added; the sweep's routing job names the district only, at the sweep's minute", async () => {
    const web = await anApp("web");
    await resetData(web);
    await anAdministrator(web.ctx);
    const liaison = await aStaffMember(web.ctx, "liaison", "831");
    const { redisUrl, redisPrefix } = services();
    // Nothing is processing: a queue emptied of earlier tests' leftovers shows what intake adds.
    await web.ctx.queues.routeTip.obliterate({ force: true });
    await web.ctx.queues.notify.obliterate({ force: true });

    const before = await snapshot(redisUrl, redisPrefix);
    const id = await submitAndFind(web, aTip());
    const after = await snapshot(redisUrl, redisPrefix);
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    assert.deepEqual(changed, [], "intake wrote nothing to Redis (rate limits and form tokens aside)");
    assert.equal((await caseRow(web.ctx, id)).status, "received", "no one routed it: there is no worker yet");
    assert.equal(await web.ctx.queues.routeTip.count(), 0);

    // The sweep (here called directly, as the scheduler would): one batch for the district.
    const result = await sweep(web.ctx);
    assert.equal(result.districts, 1);
    const jobs = await web.ctx.queues.routeTip.getJobs(["waiting", "delayed", "prioritized"], 0, -1);
    assert.equal(jobs.length, 1);
    const job = jobs[0]!;
    assert.equal(job.id, routeJobId(web.ctx.keys.jobIds, "831", new Date(job.timestamp)));
    assert.deepEqual(job.data, { districtCode: "831" });
    assert.equal(job.timestamp % 60_000, 0, `the job is stamped with the sweep's minute, not ${new Date(job.timestamp).toISOString()}`);
    const dump = [...(await snapshot(redisUrl, redisPrefix)).entries()].join("\n");
    assert.ok(!dump.includes(id), "no Redis key or value holds the tip id");
    assert.ok(dump.includes(job.id!), "sanity: the dump holds the job");

    // A second sweep of the same minute (say, the other worker's) adds nothing: same id.
    await sweep(web.ctx);
    const sameMinute = Math.floor(Date.now() / 60_000) * 60_000 === job.timestamp;
    assert.equal(await web.ctx.queues.routeTip.count(), sameMinute ? 1 : 2);

    // A worker comes: the batch routes the tip.
    await anApp("worker");
    const row = await routed(web.ctx, id, 15_000);
    assert.equal(row.assignee_id, liaison.id);
    assert.deepEqual([...(await routingRowsPerCase(web.ctx, [id]))], [[id, 1]]);
  });

  it("when routing fails until its job has used every attempt, then the tip stays received, the administrators are alerted after the configured number of failed sweeps, and once routing works again a later sweep assigns the tip exactly once", async () => {
    const app = await anApp("all", { ROUTING_ALERT_AFTER: "2" });
    await resetData(app);
    const admin = await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const { pool } = app.ctx.database;
    // Routing breaks for real: PostgreSQL refuses to move a received tip of 831 (as a broken constraint or a bug would).
    await pool.query(`CREATE OR REPLACE FUNCTION homthu_test_break_routing() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'routing broken by the test'; END $$ LANGUAGE plpgsql`);
    await pool.query(`CREATE TRIGGER homthu_test_break_routing BEFORE UPDATE ON tips FOR EACH ROW WHEN (OLD.status = 'received' AND OLD.district_code = '831') EXECUTE FUNCTION homthu_test_break_routing()`);
    let id = "";
    try {
      id = await submitAndFind(app, aTip());
      const alert = await within(60_000, "the administrators' routing alert", async () => {
        const { rows } = await pool.query<{ user_id: string; tip_id: string | null; urgent: boolean }>("SELECT user_id, tip_id, urgent FROM notifications WHERE kind = 'routing_failing'");
        return rows.length > 0 ? rows : undefined;
      }, 200);
      assert.deepEqual(alert.map((n) => [n.user_id, n.tip_id, n.urgent]), [[admin.id, null, true]], "one urgent in-app alert per administrator, naming no case");
      const metrics = await request(app.url).get("/metrics");
      assert.equal(metrics.status, 200);
      const failed = Number(/homthu_routing_failed_sweeps\{district="831"\} (\d+)/.exec(metrics.text)?.[1]);
      assert.ok(failed >= 2, `the gauge counts the failed sweeps: ${failed}`);
      assert.equal((await caseRow(app.ctx, id)).status, "received", "the tip waits, it is not lost");
    } finally {
      await pool.query("DROP TRIGGER IF EXISTS homthu_test_break_routing ON tips");
      await pool.query("DROP FUNCTION IF EXISTS homthu_test_break_routing()");
    }

    const row = await routed(app.ctx, id, 30_000);
    assert.equal(row.assignee_id, liaison.id);
    assert.deepEqual([...(await routingRowsPerCase(app.ctx, [id]))], [[id, 1]], "exactly one assignment");
    await within(10_000, "the gauge back to 0", async () => !/homthu_routing_failed_sweeps\{district="831"\} [1-9]/.test((await request(app.url).get("/metrics")).text));
    const leaks = app.logs.filter((l) => l.includes(id));
    assert.deepEqual(leaks, [], "no log line names the tip");
    assert.ok(app.logs.some((l) => l.includes("routing keeps failing")), "the log says routing keeps failing");
  });
});
