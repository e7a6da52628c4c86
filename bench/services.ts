/**
 * PostgreSQL and Redis for the bench, found the way the tests and .ci/run find
 * them: DATABASE_URL / REDIS_URL when set, else the local servers on 5432 and
 * 6379 when they answer, else embedded ones in a temporary folder. The bench
 * gets its own database (homthu_bench_<random>) and Redis key prefix; release()
 * drops the one and deletes the other, and stops what it started.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";
import pino from "pino";
import { startEmbeddedPostgres, startEmbeddedRedis, type EmbeddedService } from "../src/devServices/index.js";
import { createDatabase, deleteRedisPrefix, dropDatabase } from "../test/support/services.js";

export interface BenchServices {
  /** The server's maintenance database URL. */
  adminUrl: string;
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
  redisPrefix: string;
  /** Which of the two were started for the bench. */
  embedded: string[];
  release(): Promise<void>;
}

const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";
const LOCAL_REDIS = "redis://127.0.0.1:6379";

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export async function setUpBenchServices(): Promise<BenchServices> {
  const silent = pino({ level: "silent" });
  const started: EmbeddedService[] = [];
  let tmp: string | undefined;
  const scratch = () => (tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), "homthu-bench-")));
  const stopStarted = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    let redisUrl = process.env.REDIS_URL ?? ((await redisAnswers(LOCAL_REDIS)) ? LOCAL_REDIS : undefined);
    if (!redisUrl) {
      const redis = await startEmbeddedRedis({ dataDir: path.join(scratch(), "redis"), port: 63000 + Math.floor(Math.random() * 900), logger: silent });
      started.push(redis);
      redisUrl = redis.url;
    }
    let adminUrl = process.env.DATABASE_URL ?? ((await postgresAnswers(LOCAL_POSTGRES)) ? LOCAL_POSTGRES : undefined);
    if (!adminUrl) {
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(scratch(), "postgres"), port: 64000 + Math.floor(Math.random() * 900), logger: silent });
      started.push(postgres);
      adminUrl = postgres.url;
    }
    const suffix = randomBytes(4).toString("hex");
    const databaseName = `homthu_bench_${suffix}`;
    const databaseUrl = await createDatabase(adminUrl, databaseName);
    const redisPrefix = `homthu-bench-${suffix}`;
    const embedded = [...(process.env.REDIS_URL || redisUrl === LOCAL_REDIS ? [] : ["redis"]), ...(process.env.DATABASE_URL || adminUrl === LOCAL_POSTGRES ? [] : ["postgres"])];
    return {
      adminUrl,
      databaseUrl,
      databaseName,
      redisUrl,
      redisPrefix,
      embedded,
      release: async () => {
        await dropDatabase(adminUrl!, databaseName).catch((err: unknown) => process.stderr.write(`bench: could not drop ${databaseName}: ${String(err)}\n`));
        await deleteRedisPrefix(redisUrl!, `${redisPrefix}:`).catch((err: unknown) => process.stderr.write(`bench: could not delete Redis keys ${redisPrefix}:*: ${String(err)}\n`));
        await stopStarted();
      },
    };
  } catch (err) {
    await stopStarted();
    throw err;
  }
}
