/**
 * Redis faults, against a Redis of the test's own: while it is gone the rate
 * limits count in memory (same keys, same limits) instead of failing open,
 * intake keeps working, staff sessions answer 503 (not 500) and /readyz says
 * 503; a Redis that answers but refuses writes (maxmemory, noeviction) is
 * reported by /readyz too. Counters expire on their window's boundary. A
 * double tap while Redis cannot be written still makes one tip (the claim
 * and the answer are kept in the process's memory).
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

  for (const fault of ["refuses writes (maxmemory, noeviction)", "is gone"] as const) {
    it(`when Redis ${fault}, then an Idempotency-Key sent twice at once and again later makes one tip and one receipt (kept in memory)`, async () => {
      const r = new Redis(redis.url);
      r.on("error", () => undefined); // Redis is stopped on purpose
      const before = (await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips")).rows[0]!.n;
      const key = `chaos-double-tap-${fault.length}-${Date.now()}`;
      const post = (address: string) => request(app.url).post("/api/v1/tips").set("X-Forwarded-For", address).set("Idempotency-Key", key).send(aTip());
      try {
        if (fault === "is gone") await redis.stop();
        else {
          await r.config("SET", "maxmemory-policy", "noeviction");
          await r.config("SET", "maxmemory", "1");
        }
        const [a, b] = await Promise.all([post("10.9.1.1"), post("10.9.1.2")]);
        const c = await post("10.9.1.3");
        assert.deepEqual([a.status, b.status, c.status], [201, 201, 201], JSON.stringify([a.body, b.body, c.body]));
        assert.equal(b.body.receipt, a.body.receipt, "the second tap gets the first receipt");
        assert.equal(c.body.receipt, a.body.receipt, "so does a later repeat");
        const after = (await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips")).rows[0]!.n;
        assert.equal(after - before, 1, "one tip");
      } finally {
        if (fault === "is gone") await redis.start();
        else await r.config("SET", "maxmemory", "0");
        r.disconnect();
      }
      await within(20_000, "ready again", async () => (await request(app.url).get("/readyz")).status === 200, 250);
    });
  }

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
