/**
 * Where homthu finds PostgreSQL and Redis: the configured URLs when set,
 * otherwise servers it starts itself with data under DATA_DIR (postgres/, redis/).
 */
import path from "node:path";
import { startEmbeddedPostgres } from "./embeddedPostgres.js";
import type { EmbeddedService, ServiceLogger } from "./serviceProcesses.js";
import { startEmbeddedRedis } from "./embeddedRedis.js";

export { startEmbeddedPostgres, DEFAULT_EMBEDDED_POSTGRES_PORT } from "./embeddedPostgres.js";
export { MissingPostgresUserError } from "./postgresFiles.js";
export type { EmbeddedService, ServiceLogger } from "./serviceProcesses.js";
export { startEmbeddedRedis, MissingRedisError, DEFAULT_EMBEDDED_REDIS_PORT } from "./embeddedRedis.js";

export interface ResolvedServices {
  databaseUrl: string;
  /** Unset when Redis is a Sentinel or Cluster topology. */
  redisUrl?: string;
  /** Which of the two homthu started itself. */
  embedded: { postgres: boolean; redis: boolean };
  /** Stop the embedded servers (if any); configured ones are left alone. */
  stop(): Promise<void>;
}

/**
 * Start whatever is not configured. Redis is checked first, so that a missing
 * `redis-server` is reported before PostgreSQL is started for nothing; if the
 * second start fails, the first is stopped again before the error is rethrown.
 */
export async function resolveServices(
  /** externalRedis: Redis comes from a Sentinel or Cluster topology (no URL, nothing to start). */
  config: { databaseUrl?: string; redisUrl?: string; externalRedis?: boolean; dataDir: string },
  logger: ServiceLogger,
): Promise<ResolvedServices> {
  const started: EmbeddedService[] = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(started.map((s) => s.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };
  try {
    let redisUrl = config.redisUrl;
    if (!redisUrl && !config.externalRedis) {
      const redis = await startEmbeddedRedis({ dataDir: path.join(config.dataDir, "redis"), logger });
      started.push(redis);
      redisUrl = redis.url;
    }
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, "postgres"), logger });
      started.push(postgres);
      databaseUrl = postgres.url;
    }
    return {
      databaseUrl,
      redisUrl,
      embedded: { postgres: !config.databaseUrl, redis: !config.redisUrl && !config.externalRedis },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch((stopErr: unknown) => logger.error({ err: stopErr }, "could not stop an embedded service"));
    throw err;
  }
}
