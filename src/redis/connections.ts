/**
 * Redis connections. BullMQ's guidance: producers and the app fail fast when
 * Redis is down (no offline queue, so a request gets an error instead of
 * hanging), while workers retry forever (maxRetriesPerRequest: null).
 *
 * Three topologies, all with ioredis: one server (REDIS_URL), a primary found
 * and followed through failovers by Redis Sentinel (REDIS_SENTINELS), or a
 * Redis Cluster (REDIS_CLUSTER_NODES, with a {hash tag} REDIS_PREFIX so that
 * each multi-key operation stays in one slot).
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisTopology } from "../../config/index.js";

/** Where Redis is: one URL, or a Sentinel/Cluster topology from the configuration. */
export type RedisTarget = { kind: "single"; url: string } | RedisTopology;

/**
 * The client type the app uses. A Cluster client answers the same commands
 * (rate limits, sessions, MULTI on one slot, EVAL with keys, BullMQ), so it is
 * handed around under the Redis type rather than widening every signature.
 */
export type RedisClient = Redis;

export function redisTarget(config: { redisTopology?: RedisTopology }, url: string | undefined): RedisTarget {
  if (config.redisTopology) return config.redisTopology;
  if (!url) throw new Error("no Redis configured");
  return { kind: "single", url };
}

/** After a failover the old primary may come back as a replica: reconnect (to the new primary) on READONLY. */
const reconnectOnReadonly = (err: Error) => (err.message.startsWith("READONLY") ? 2 : false);

function connect(target: RedisTarget, options: RedisOptions): Redis {
  switch (target.kind) {
    case "single":
      return new Redis(target.url, options);
    case "sentinel":
      return new Redis({
        ...options,
        sentinels: target.sentinels,
        name: target.name,
        password: target.password,
        // Follow +switch-master at once instead of waiting for the old primary's connection to fail.
        failoverDetector: true,
        reconnectOnError: reconnectOnReadonly,
      });
    case "cluster": {
      const { enableOfflineQueue, maxRetriesPerRequest, lazyConnect, ...redisOptions } = options;
      const cluster = new Cluster(target.nodes, {
        enableOfflineQueue,
        lazyConnect,
        redisOptions: { ...redisOptions, maxRetriesPerRequest, password: target.password },
        // BullMQ's blocking commands must not be retried by the cluster client on its own.
        maxRedirections: 16,
      });
      return cluster as unknown as Redis;
    }
  }
}

/** For the web process: rate limits, form nonces, queue producers. */
export function appRedis(target: RedisTarget | string): RedisClient {
  const t = typeof target === "string" ? ({ kind: "single", url: target } as const) : target;
  return connect(t, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
}

/** For BullMQ workers: blocking commands, retried until Redis is back. */
export function workerRedis(target: RedisTarget | string): RedisClient {
  const t = typeof target === "string" ? ({ kind: "single", url: target } as const) : target;
  return connect(t, { maxRetriesPerRequest: null });
}

/** Resolve when `redis` is connected (or reject after `ms`). */
export async function whenConnected(redis: RedisClient, ms = 10_000): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Redis did not answer in time")), ms);
    redis.once("ready", () => (clearTimeout(timer), resolve()));
  });
}
