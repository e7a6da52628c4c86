/**
 * Failed routing sweeps, per district, in one Redis hash (district → failed
 * sweeps in a row). A routing batch that fails for good adds one; one that
 * completes clears its district. It holds district codes and counts only —
 * no tip id, no time — and it is what the administrators' alert and the
 * `homthu_routing_failed_sweeps` gauge read.
 */
import type { Redis } from "ioredis";

const key = (prefix: string) => `${prefix}:routing:failed-sweeps`;

export async function routingFailed(redis: Redis, prefix: string, districtCode: string): Promise<number> {
  return redis.hincrby(key(prefix), districtCode, 1);
}

export async function routingSucceeded(redis: Redis, prefix: string, districtCode: string): Promise<void> {
  await redis.hdel(key(prefix), districtCode);
}

/** District → failed sweeps in a row (districts routing normally are absent). */
export async function failedSweeps(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const all = await redis.hgetall(key(prefix));
  return new Map(Object.entries(all).map(([d, n]) => [d, Number(n)]));
}
