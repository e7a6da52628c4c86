/**
 * The time-to-triage and time-to-acknowledge figures: median and 90th
 * percentile (exact, as PostgreSQL's percentile_cont gives them), and how many
 * cases ended within their deadline. A percentile cannot be added up like the
 * counts, so it reads the cases' stored durations (migration 0011).
 *
 * Two ways to the same numbers:
 * - sort: percentile_cont over the period's durations — a sort of n values,
 *   cheap for a district, a month or a category;
 * - walk: when the period holds most of the durations there are (a year of the
 *   whole country), the value at a rank is read by walking the duration's own
 *   index in order (migration 0014) to that rank, which costs at most the
 *   walk and no sort: at 1,000,000 cases about a quarter of the sort's time.
 * Both interpolate the same way (percentile_cont: the value at p·(n−1),
 * between its two neighbours), so they agree to the last bit
 * (test/stats/durations.test.ts).
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";

export type DurationColumn = "triage_seconds" | "acknowledge_seconds";

export interface DurationFigures {
  /** The median and the 90th percentile in seconds; null when no case has the duration. */
  pct: [number, number] | null;
  /** Cases whose duration is within the limit. */
  within: number;
  /** Cases that have the duration. */
  n: number;
}

const PERCENTILES = [0.5, 0.9] as const;
/** Below this many durations in all, sorting the period's is cheap (a few tens of milliseconds at most). */
const WALK_FROM = 250_000;
/** The walk reads the index from the start; it pays when the period holds at least this share of it. */
const WALK_SHARE = 0.3;

/** The index each duration is walked on (migration 0014). */
const WALK_INDEX: Record<DurationColumn, string> = { triage_seconds: "tips_triage_seconds_idx", acknowledge_seconds: "tips_acknowledge_seconds_idx" };

/** percentile_cont's own interpolation (PostgreSQL's float8_lerp), from the values at ranks ⌊p·(n−1)⌋ and the next. */
export function interpolate(p: number, n: number, at: (rank: number) => Promise<[number, number]>): Promise<number> {
  const position = p * (n - 1);
  const first = Math.floor(position);
  return at(first).then(([lo, hi]) => (position === first ? lo : lo + (position - first) * (hi - lo)));
}

/**
 * The figures of `column` over the cases in `where` (a condition on tips), `limit` the deadline in seconds
 * (SQL: it may depend on the case, e.g. urgent). `strategy` forces one way (tests); by default the walk is
 * chosen when there are many durations and the period holds a good share of them.
 */
export async function durationFigures(db: Db, where: SQL, column: DurationColumn, limit: SQL, strategy?: "sort" | "walk"): Promise<DurationFigures> {
  const col = sql.raw(column);
  // Few durations in all (PostgreSQL's own estimate of the index's size): one query counts and sorts.
  const entries = strategy ? null : await indexEntries(db, column);
  if (strategy === "sort" || (entries !== null && entries < WALK_FROM)) {
    const r = await db.execute<{ pct: number[] | null; n: number; within: number }>(sql`
      SELECT percentile_cont(ARRAY[${sql.raw(PERCENTILES.join(", "))}]::float8[]) WITHIN GROUP (ORDER BY ${col}) AS pct,
             count(*)::int AS n, count(*) FILTER (WHERE ${col} <= ${limit})::int AS within
        FROM tips WHERE ${col} IS NOT NULL AND ${where}`);
    const { pct, n, within } = r.rows[0]!;
    return { pct: pct ? [Number(pct[0]), Number(pct[1])] : null, within, n };
  }
  // Counted from the duration's own index (only cases that have the duration are in it).
  const counted = await db.execute<{ n: number; within: number }>(sql`
    SELECT count(*)::int AS n, count(*) FILTER (WHERE ${col} <= ${limit})::int AS within FROM tips WHERE ${col} IS NOT NULL AND ${where}`);
  const { n, within } = counted.rows[0]!;
  if (n === 0) return { pct: null, within, n };
  if (strategy === "walk" || n >= WALK_SHARE * entries!) {
    // Two neighbours at each rank, read from the duration's index in order.
    const at = async (rank: number): Promise<[number, number]> => {
      const r = await db.execute<{ s: number }>(sql`
        SELECT ${col} AS s FROM tips WHERE ${col} IS NOT NULL AND ${where} ORDER BY ${col} OFFSET ${rank} LIMIT 2`);
      const lo = Number(r.rows[0]!.s);
      return [lo, r.rows[1] ? Number(r.rows[1].s) : lo];
    };
    const [median, p90] = await Promise.all(PERCENTILES.map((p) => interpolate(p, n, at)));
    return { pct: [median!, p90!], within, n };
  }
  const r = await db.execute<{ pct: number[] }>(sql`
    SELECT percentile_cont(ARRAY[${sql.raw(PERCENTILES.join(", "))}]::float8[]) WITHIN GROUP (ORDER BY ${col}) AS pct
      FROM tips WHERE ${col} IS NOT NULL AND ${where}`);
  const [median, p90] = r.rows[0]!.pct.map(Number);
  return { pct: [median!, p90!], within, n };
}

/** How many cases have the duration, as PostgreSQL last estimated its index's size (0 when never estimated). */
async function indexEntries(db: Db, column: DurationColumn): Promise<number> {
  const r = await db.execute<{ entries: number }>(sql`SELECT reltuples::float8 AS entries FROM pg_class WHERE relname = ${WALK_INDEX[column]}`);
  return Math.max(0, Number(r.rows[0]?.entries ?? 0));
}
