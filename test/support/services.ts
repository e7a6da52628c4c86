/**
 * The real PostgreSQL and Redis the tests run against: the servers named by
 * DATABASE_URL / REDIS_URL (as .ci/run sets them), or embedded ones started in
 * a temporary folder. Each run gets its own database (dropped at the end) and
 * its own Redis key prefix (deleted at the end).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";
import pino from "pino";
import { startEmbeddedPostgres, startEmbeddedRedis, type EmbeddedService } from "../../src/devServices/index.js";

export interface TestServices {
  /** URL of the server's maintenance database, for creating more databases. */
  adminUrl: string;
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
  redisPrefix: string;
}

const silent = pino({ level: "silent" });
const started: EmbeddedService[] = [];
let tmp: string | undefined;
let current: TestServices | undefined;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * The servers, once per run (mochaGlobalSetup, in mocha's main process): those named by DATABASE_URL and
 * REDIS_URL, or embedded ones started here. Their URLs and the run's id go into the environment, so that
 * mocha's parallel workers (started after this, with this environment) use the same servers.
 */
export async function startServers(): Promise<void> {
  process.env.HOMTHU_TEST_RUN ??= randomBytes(4).toString("hex");
  if (!process.env.HOMTHU_TEST_REDIS_URL) {
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), "homthu-test-"));
      const redis = await startEmbeddedRedis({ dataDir: path.join(tmp, "redis"), port: 62000 + Math.floor(Math.random() * 900), logger: silent });
      started.push(redis);
      redisUrl = redis.url;
    }
    process.env.HOMTHU_TEST_REDIS_URL = redisUrl;
  }
  if (!process.env.HOMTHU_TEST_ADMIN_URL) {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), "homthu-test-"));
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(tmp, "postgres"), port: 61000 + Math.floor(Math.random() * 900), logger: silent });
      started.push(postgres);
      adminUrl = postgres.url;
    }
    process.env.HOMTHU_TEST_ADMIN_URL = adminUrl;
  }
}

/**
 * This process's database and Redis key prefix, made on first use: one per run when mocha runs serially, one
 * per worker process in parallel mode (MOCHA_WORKER_ID), so that workers never share a table or a key. Later
 * calls in the same process (the next test file of a worker) return the same ones, as a serial run does.
 */
export async function setUpServices(): Promise<TestServices> {
  if (current) return current;
  await startServers();
  const adminUrl = process.env.HOMTHU_TEST_ADMIN_URL!;
  const redisUrl = process.env.HOMTHU_TEST_REDIS_URL!;
  const worker = process.env.MOCHA_WORKER_ID;
  const suffix = `${process.env.HOMTHU_TEST_RUN}${worker === undefined ? "" : `_w${worker}`}`;
  const databaseName = `homthu_test_${suffix}`;
  const databaseUrl = await createDatabase(adminUrl, databaseName).catch((err: { code?: string }) => {
    // 42P04 duplicate_database: this worker made it for an earlier file (its modules were loaded afresh).
    if (err.code === "42P04") return withDatabase(adminUrl, databaseName);
    throw err;
  });
  current = { adminUrl, databaseUrl, databaseName, redisUrl, redisPrefix: `homthu-test-${suffix.replace("_", "-")}` };
  return current;
}

/** True in a mocha parallel worker, whose database and prefix outlive each file and are removed by stopServers. */
export const inParallelWorker = () => process.env.MOCHA_WORKER_ID !== undefined;

/** Delete every Redis key under `prefix`. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Remove this process's database and key prefix (serial runs, at the end). */
export async function tearDownServices(): Promise<void> {
  if (current) {
    await dropDatabase(current.adminUrl, current.databaseName).catch(() => undefined);
    await deleteRedisPrefix(current.redisUrl, current.redisPrefix).catch(() => undefined);
    current = undefined;
  }
}

/**
 * End of the run (mochaGlobalTeardown, main process): drop every database and key prefix of this run — the
 * workers' too — then stop the servers started here.
 */
export async function stopServers(): Promise<void> {
  const run = process.env.HOMTHU_TEST_RUN;
  const adminUrl = process.env.HOMTHU_TEST_ADMIN_URL;
  const redisUrl = process.env.HOMTHU_TEST_REDIS_URL;
  if (run && adminUrl) {
    const client = new pg.Client({ connectionString: adminUrl });
    try {
      await client.connect();
      const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`homthu_test_${run}%`]);
      for (const { datname } of rows) await dropDatabase(adminUrl, datname).catch(() => undefined);
    } catch {
      // the server is gone: nothing left to drop
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (run && redisUrl) await deleteRedisPrefix(redisUrl, `homthu-test-${run}`).catch(() => undefined);
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  started.length = 0;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

export function services(): TestServices {
  if (!current) throw new Error("test services are not set up (test/support/hooks.ts)");
  return current;
}
