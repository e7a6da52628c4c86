/**
 * The two-command start: with no DATABASE_URL and no REDIS_URL, homthu starts
 * its own PostgreSQL and Redis under DATA_DIR, bootstraps an administrator,
 * accepts a tip — and still holds it after a stop and a new start.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import request from "supertest";
import { openTipByReceipt } from "../src/tips/tipReader.js";
import { postgresSystemUser, isRoot } from "../src/devServices/postgresFiles.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { aTip } from "./support/factories.js";

describe("embedded default: restart keeps the data", function () {
  this.timeout(180_000);
  let dataDir: string;
  let app: TestApp | undefined;

  before(function () {
    if (isRoot() && !postgresSystemUser()) this.skip();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-embedded-"));
    fs.chmodSync(dataDir, 0o755);
  });
  after(async () => {
    await app?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const embedded = () => ({ DATABASE_URL: "", REDIS_URL: "", DATA_DIR: dataDir, AUTO_BOOTSTRAP: "true" });

  it("when the app is stopped and started again on the same data directory, then the tip is still there and opens with its receipt", async () => {
    app = await startTestApp({ env: embedded() });
    const res = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await app.stop();

    app = await startTestApp({ env: embedded() });
    const { rows } = await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tips");
    assert.equal(rows[0].n, 1);
    const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
    assert.equal(opened?.report.description, aTip().description);
    assert.ok(fs.existsSync(path.join(dataDir, "redis", "appendonlydir")) || fs.readdirSync(path.join(dataDir, "redis")).some((f) => f.includes("aof")), "Redis keeps an append-only file");
  });
});
