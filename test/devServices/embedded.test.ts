import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import pino from "pino";
import { startEmbeddedPostgres } from "../../src/devServices/embeddedPostgres.js";
import { isRoot, postgresSystemUser } from "../../src/devServices/postgresFiles.js";
import { startEmbeddedRedis } from "../../src/devServices/embeddedRedis.js";
import type { EmbeddedService } from "../../src/devServices/index.js";
import { freePort } from "../support/ports.js";

const logger = pino({ level: "silent" });

describe("embedded services", function () {
  this.timeout(120000);
  let tmp: string;
  const running: EmbeddedService[] = [];

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "homthu-embedded-"));
  });

  after(async () => {
    await Promise.allSettled(running.map((s) => s.stop()));
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it("Redis keeps data across a restart (append-only file)", async () => {
    const dataDir = path.join(tmp, "redis");
    const port = await freePort();

    const first = await startEmbeddedRedis({ dataDir, port, logger });
    running.push(first);
    const writer = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await writer.set("homthu:test:key", "xin chào");
    await writer.quit();
    await first.stop();

    const second = await startEmbeddedRedis({ dataDir, port, logger });
    running.push(second);
    assert.equal(second.url, first.url, "the password is kept in a file next to the data directory");
    const reader = new Redis(second.url, { maxRetriesPerRequest: 1 });
    assert.equal(await reader.get("homthu:test:key"), "xin chào");
    await reader.quit();
    await second.stop();

    const stat = await fs.stat(`${dataDir}.password`);
    assert.equal(stat.mode & 0o777, 0o600);
  });

  it("PostgreSQL is initialised once and keeps data across a restart", async function () {
    if (isRoot() && !postgresSystemUser()) {
      console.log("    skipped: running as root and the 'postgres' system user, which embedded PostgreSQL runs as, does not exist");
      this.skip();
    }
    const dataDir = path.join(tmp, "postgres");
    const port = await freePort();

    const first = await startEmbeddedPostgres({ dataDir, port, logger });
    running.push(first);
    const versionFile = path.join(dataDir, "PG_VERSION");
    const createdAt = (await fs.stat(versionFile)).mtimeMs;
    let client = new pg.Client(first.url);
    await client.connect();
    assert.equal((await client.query("SELECT current_database() AS db")).rows[0].db, "homthu");
    await client.query("CREATE TABLE tips (id int PRIMARY KEY, body text NOT NULL)");
    await client.query("INSERT INTO tips VALUES (1, 'có người buôn bán ma túy')");
    await client.end();
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port, logger });
    running.push(second);
    assert.equal(second.url, first.url);
    assert.equal((await fs.stat(versionFile)).mtimeMs, createdAt, "initdb must not run again");
    client = new pg.Client(second.url);
    await client.connect();
    const { rows } = await client.query("SELECT body FROM tips WHERE id = 1");
    assert.deepEqual(rows, [{ body: "có người buôn bán ma túy" }]);
    await client.end();
    await second.stop();

    const stat = await fs.stat(`${dataDir}.password`);
    assert.equal(stat.mode & 0o777, 0o600);
  });
});
