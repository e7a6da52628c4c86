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
