/**
 * Redis connections. BullMQ's guidance: producers and the app fail fast when
 * Redis is down (no offline queue, so a request gets an error instead of
 * hanging), while workers retry forever (maxRetriesPerRequest: null).
 */
import { Redis } from "ioredis";

/** For the web process: rate limits, form nonces, queue producers. */
export function appRedis(url: string): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
}

/** For BullMQ workers: blocking commands, retried until Redis is back. */
export function workerRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Resolve when `redis` is connected (or reject after `ms`). */
export async function whenConnected(redis: Redis, ms = 10_000): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Redis did not answer in time")), ms);
    redis.once("ready", () => (clearTimeout(timer), resolve()));
  });
}
