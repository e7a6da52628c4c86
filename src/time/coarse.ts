/**
 * Coarse clocks. Anything a tipster's action causes is stamped no more
 * precisely than its granularity: the minute for a submission (and its
 * routing, which follows within seconds), the hour for a follow-up message.
 * A precise timestamp next to a tip could be matched with a phone's history.
 */
export type Granularity = "minute" | "hour";

const STEP: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000 };

export function coarse(granularity: Granularity, at = new Date()): Date {
  return new Date(Math.floor(at.getTime() / STEP[granularity]) * STEP[granularity]);
}

/**
 * The end of the `granularity` bucket that contains `at` (the next boundary, or `at` itself when it is one):
 * an expiry set there (PEXPIREAT) says no more about when a key was written than the bucket does.
 */
export function bucketEnd(granularity: Granularity, at = new Date()): Date {
  const start = coarse(granularity, at);
  return start.getTime() === at.getTime() ? start : new Date(start.getTime() + STEP[granularity]);
}
