/**
 * Redis faults, against a Redis of the test's own: while it is gone the rate
 * limits count in memory (same keys, same limits) instead of failing open,
 * intake keeps working, staff sessions answer 503 (not 500) and /readyz says
 * 503; a Redis that answers but refuses writes (maxmemory, noeviction) is
 * reported by /readyz too. Counters expire on their window's boundary.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { Redis } from "ioredis";
import { startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";
import { within } from "../support/caseDesk.js";
import { ownRedis, type OwnService } from "../support/ownServices.js";

describe("Redis faults", function () {
  this.timeout(120_000);
  let redis: OwnService;
  let app: TestApp;

  before(async () => {
    redis = await ownRedis();
    app = await startTestApp({ role: "web", env: { REDIS_URL: redis.url, TIP_RATE_LIMIT_PER_HOUR: "3", TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: "1000" } });
    await app.ctx.database.pool.query("TRUNCATE tips, recovery_key, recovery_key_holders, staff_users CASCADE");
    await anAdministrator(app.ctx);
  });
  after(async () => {
    await app?.stop();
    await redis?.dispose();
  });

  it("when a tip is counted, then its counters expire on the minute and hour boundaries", async () => {
    const res = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", "10.9.0.1").send(aTip());
    assert.equal(res.status, 201);
    const r = new Redis(redis.url);
    try {
      const keys = await r.keys("*:rl:*");
      assert.ok(keys.length >= 2, keys.join());
      for (const k of keys) {
        const at = Number(await r.call("PEXPIRETIME", k));
        assert.equal(at % (k.includes("global") ? 60_000 : 3_600_000), 0, `${k} expires on its boundary`);
      }
    } finally {
      r.disconnect();
    }
  });

  it("when Redis refuses writes (maxmemory, noeviction), then /readyz says 503 refusing_writes", async () => {
    const r = new Redis(redis.url);
    try {
      await r.config("SET", "maxmemory-policy", "noeviction");
      await r.config("SET", "maxmemory", "1");
      const ready = await request(app.url).get("/readyz");
      assert.equal(ready.status, 503);
      assert.equal(ready.body.redis, "refusing_writes");
      const tip = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", "10.9.0.2").send(aTip());
      assert.equal(tip.status, 201, "intake still works (the limits count in memory)");
    } finally {
      await r.config("SET", "maxmemory", "0");
      r.disconnect();
    }
    assert.equal((await request(app.url).get("/readyz")).status, 200);
  });

  it("when Redis is gone, then the per-client limit still holds (in memory), tips are still taken, staff sessions answer 503 and /readyz says 503", async () => {
    await redis.stop();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", "10.9.0.3").send(aTip())).status);
      assert.deepEqual(statuses, [201, 201, 201, 429, 429], "three per hour, counted in memory");
      const other = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", "10.9.0.4").send(aTip());
      assert.equal(other.status, 201, "another client is not affected");
      const staff = await request(app.url).get("/api/v1/me").set("Cookie", "homthu_staff=abc.def");
      assert.equal(staff.status, 503);
      assert.equal(staff.body.error.code, "not_ready");
      assert.ok(staff.headers["retry-after"]);
      const ready = await request(app.url).get("/readyz");
      assert.equal(ready.status, 503);
      assert.equal(ready.body.redis, "unavailable");
    } finally {
      await redis.start();
    }
    await within(20_000, "ready again", async () => (await request(app.url).get("/readyz")).status === 200, 250);
    assert.ok(!app.logs.some((l) => l.includes("unhandled error")), "no unhandled error");
  });
});
