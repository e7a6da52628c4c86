/**
 * DATABASE_READ_URL against a real streaming replica: a PostgreSQL primary
 * and a pg_basebackup replica started here on free ports (never the shared
 * 5432). Statistics are read from the replica (shown by pausing its replay:
 * the figures then lag the primary), and from the primary when the replica
 * is gone, through the HTTP API as an administrator sees them.
 */
import assert from "node:assert/strict";
import pg from "pg";
import request from "supertest";
import { reportingDb } from "../../src/db/readReplica.js";
import { computeStats } from "../../src/stats/statistics.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { PgReplicaPair, postgresBinDir } from "../support/pgReplicaPair.js";
import { signIn } from "../support/accountsApi.js";

describe("DATABASE_READ_URL: statistics on a streaming replica (real primary + pg_basebackup replica)", function () {
  this.timeout(180_000);
  const bin = postgresBinDir();
  let pair: PgReplicaPair | undefined;
  let app: TestApp | undefined;

  before(async function () {
    if (!bin) return this.skip(); // no PostgreSQL server binaries on this machine
    pair = new PgReplicaPair(bin);
    await pair.start("homthu");
    app = await startTestApp({ env: { DATABASE_URL: pair.primary.url("homthu"), DATABASE_READ_URL: pair.replica.url("homthu"), AUTO_BOOTSTRAP: "false" } });
  });
  after(async () => {
    await app?.stop();
    await pair?.stop();
  });

  const yearQuery = () => {
    const now = new Date();
    return { from: new Date(Date.UTC(now.getUTCFullYear() - 1, 0, 1)), to: new Date(Date.UTC(now.getUTCFullYear() + 1, 0, 1)) };
  };

  it("when reports are asked for, then the replica answers them: with its replay paused, they lag the primary", async () => {
    const a = app!;
    const p = pair!;
    await anAdministrator(a.ctx);
    await aStaffMember(a.ctx, "liaison", "831");
    for (let i = 0; i < 3; i++) assert.equal((await request(a.url).post("/api/v1/tips").send(aTip())).status, 201);
    await p.caughtUp();
    assert.equal((await computeStats(reportingDb(a.ctx.database), a.ctx.config, yearQuery())).received.total, 3);
    assert.equal(a.ctx.database.replica?.lastServedBy, "replica");

    const r = new pg.Client({ connectionString: p.replica.url("homthu") });
    await r.connect();
    try {
      await r.query("SELECT pg_wal_replay_pause()");
      assert.equal((await request(a.url).post("/api/v1/tips").send(aTip())).status, 201);
      assert.equal((await computeStats(a.ctx.database.db, a.ctx.config, yearQuery())).received.total, 4, "the primary has the new tip");
      assert.equal((await computeStats(reportingDb(a.ctx.database), a.ctx.config, yearQuery())).received.total, 3, "the paused replica does not yet");
    } finally {
      await r.query("SELECT pg_wal_replay_resume()");
      await r.end();
    }
    await p.caughtUp();
    assert.equal((await computeStats(reportingDb(a.ctx.database), a.ctx.config, yearQuery())).received.total, 4);
  });

  it("when the replica is down, then the statistics API still answers, from the primary", async () => {
    const a = app!;
    const { agent } = await signIn(a, "admin@example.org");
    const before = await agent.get("/api/v1/stats").query({ from: yearQuery().from.toISOString().slice(0, 10), to: "2099-12-31" });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    await pair!.replica.kill("SIGKILL");
    assert.equal((await request(a.url).post("/api/v1/tips").send(aTip())).status, 201);
    const started = Date.now();
    const after = await agent.get("/api/v1/stats").query({ from: yearQuery().from.toISOString().slice(0, 10), to: "2099-12-31" });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body.received.total, before.body.received.total + 1, "the primary's figures, with the newest tip");
    assert.equal(a.ctx.database.replica?.lastServedBy, "primary");
    assert.ok(Date.now() - started < 10_000, "the fallback does not hang");
    assert.ok(a.logs.some((l) => l.includes("read replica unreachable")), "the fallback is logged");
  });
});
