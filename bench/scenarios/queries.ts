/**
 * 3. Inbox and 4. Statistics, each against the plain SQL it boils down to,
 * run the same number of times through pg in this process — alternately, one
 * request then one query, so that both see the same load on the machine.
 *
 * Inbox: GET /api/v1/cases (first page, defaults) for a liaison, against the
 * same WHERE / ORDER BY / LIMIT and the count listCases runs in parallel
 * (src/cases/caseQueries.ts). Statistics: GET /api/v1/stats for a year and
 * the province, against one count(*) over the same received_at range.
 */
import type pg from "pg";
import type { StaffSession } from "../client.js";
import { summarize, timed, type Summary } from "../measure.js";

export interface Compared {
  runs: number;
  api: Summary;
  sql: Summary;
  /** What the endpoint and the plain query counted (a consistency check). */
  apiTotal: number;
  sqlTotal: number;
  /** Set when the endpoint failed: the figure is then reported as a failure instead of ending the bench. */
  error?: string;
}

/** A comparison that could not be measured because the endpoint failed. */
export function failedComparison(err: unknown, runs: number): Compared {
  const none = summarize([]);
  return { runs, api: none, sql: none, apiTotal: Number.NaN, sqlTotal: Number.NaN, error: err instanceof Error ? err.message : String(err) };
}

const WARM_UP = 5;

async function getJson<T>(session: StaffSession, path: string): Promise<T> {
  const reply = await session.send("GET", path);
  if (reply.status !== 200) throw new Error(`GET ${path} answered ${reply.status}: ${reply.body.slice(0, 500)}`);
  return JSON.parse(reply.body) as T;
}

/** `runs` rounds of (endpoint, plain query), timed separately. */
async function alternate(runs: number, api: () => Promise<unknown>, plain: () => Promise<unknown>): Promise<{ api: Summary; sql: Summary }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timed(api));
    b.push(await timed(plain));
  }
  return { api: summarize(a), sql: summarize(b) };
}

const LIST_SQL = `
  SELECT id, received_at, category, district_code, commune_code, urgent, status, source, no_liaison, assignee_id, forwarded_unit_id, deadline_at, deadline_kind, version
    FROM tips WHERE purged_at IS NULL AND district_code = $1
   ORDER BY deadline_at ASC NULLS LAST, received_at DESC, id ASC LIMIT 25 OFFSET 0`;
const COUNT_SQL = `SELECT count(*)::int AS n FROM tips WHERE purged_at IS NULL AND district_code = $1`;

export async function inbox(opts: { session: StaffSession; pool: pg.Pool; districtCode: string; runs: number }): Promise<Compared> {
  const path = "/api/v1/cases";
  const plain = async () => {
    const [, count] = await Promise.all([opts.pool.query(LIST_SQL, [opts.districtCode]), opts.pool.query<{ n: number }>(COUNT_SQL, [opts.districtCode])]);
    return count.rows[0]!.n;
  };
  for (let i = 0; i < WARM_UP; i++) await Promise.all([getJson(opts.session, path), plain()]);
  const times = await alternate(opts.runs, () => getJson(opts.session, path), plain);
  const { total } = await getJson<{ total: number }>(opts.session, path);
  return { runs: opts.runs, ...times, apiTotal: total, sqlTotal: await plain() };
}

export async function statistics(opts: { session: StaffSession; pool: pg.Pool; year: number; from: Date; to: Date; runs: number }): Promise<Compared> {
  const path = `/api/v1/stats?period=${opts.year}&scope=province`;
  const plain = async () =>
    (await opts.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tips WHERE received_at >= $1 AND received_at < $2`, [opts.from.toISOString(), opts.to.toISOString()])).rows[0]!.n;
  for (let i = 0; i < 2; i++) await Promise.all([getJson(opts.session, path), plain()]);
  const times = await alternate(opts.runs, () => getJson(opts.session, path), plain);
  const stats = await getJson<{ received: { total: number } }>(opts.session, path);
  return { runs: opts.runs, ...times, apiTotal: stats.received.total, sqlTotal: await plain() };
}
