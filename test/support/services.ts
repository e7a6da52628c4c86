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

export async function setUpServices(): Promise<TestServices> {
  let adminUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!adminUrl || !redisUrl) tmp = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-test-"));
  if (!redisUrl) {
    const redis = await startEmbeddedRedis({ dataDir: path.join(tmp!, "redis"), port: 62000 + Math.floor(Math.random() * 900), logger: silent });
    started.push(redis);
    redisUrl = redis.url;
  }
  if (!adminUrl) {
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(tmp!, "postgres"), port: 61000 + Math.floor(Math.random() * 900), logger: silent });
    started.push(postgres);
    adminUrl = postgres.url;
  }
  const suffix = randomBytes(4).toString("hex");
  const databaseName = `homthu_test_${suffix}`;
  const databaseUrl = await createDatabase(adminUrl, databaseName);
  current = { adminUrl, databaseUrl, databaseName, redisUrl, redisPrefix: `homthu-test-${suffix}` };
  return current;
}

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

export async function tearDownServices(): Promise<void> {
  if (current) {
    await dropDatabase(current.adminUrl, current.databaseName).catch(() => undefined);
    await deleteRedisPrefix(current.redisUrl, current.redisPrefix).catch(() => undefined);
  }
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

export function services(): TestServices {
  if (!current) throw new Error("test services are not set up (test/support/hooks.ts)");
  return current;
}
