/**
 * The counted rows every figure is summed from: one row per (Vietnam month,
 * district, commune, category) with a counter per figure (migration 0010,
 * table tip_month_counts, kept in step with the cases by triggers in the same
 * transaction as every change). A period's whole months are read from that
 * table; the days of a custom period outside its whole months are counted from
 * the cases with the same SQL function (tip_month_facts), so both paths yield
 * the same rows and callers never know which one answered.
 *
 * Help requests also count by the month they were triaged in (the 80%
 * referral figure): help_triage_month_counts and help_triage_facts, the same way.
 */
import { sql, type SQL } from "drizzle-orm";

const OFFSET_MS = 7 * 3_600_000;

/** Narrowing of the counted rows (their own columns: district_code, commune_code, category). */
export interface CountScope {
  districtCode?: string;
  communeCode?: string;
  category?: string;
}

export function countScopeSql(q: CountScope): SQL {
  const parts: SQL[] = [sql`true`];
  if (q.districtCode) parts.push(sql`district_code = ${q.districtCode}`);
  if (q.communeCode) parts.push(sql`commune_code = ${q.communeCode}`);
  if (q.category) parts.push(sql`category = ${q.category}`);
  return sql.join(parts, sql` AND `);
}

/** The first instant of the Vietnam month `i` months after the one containing `at`. */
function monthStart(at: Date, i = 0): Date {
  const l = new Date(at.getTime() + OFFSET_MS);
  return new Date(Date.UTC(l.getUTCFullYear(), l.getUTCMonth() + i, 1) - OFFSET_MS);
}

/** The date ("2025-03-01") that names a Vietnam month in the counts tables. */
const monthKey = (start: Date) => new Date(start.getTime() + OFFSET_MS).toISOString().slice(0, 10);

/**
 * [from, to) cut into its whole Vietnam months (read from a counts table) and
 * the stretches before and after them (counted from the cases). A period with
 * no whole month is all stretch.
 */
export function splitPeriod(from: Date, to: Date): { months: { from: string; to: string } | null; edges: Array<{ from: Date; to: Date }> } {
  const first = monthStart(from).getTime() === from.getTime() ? from : monthStart(from, 1);
  const end = monthStart(to);
  if (first >= end) return { months: null, edges: to > from ? [{ from, to }] : [] };
  const edges = [
    { from, to: first },
    { from: end, to },
  ].filter((e) => e.to > e.from);
  return { months: { from: monthKey(first), to: monthKey(end) }, edges };
}

/**
 * The rows of a counts table for [from, to) within a scope: its whole months from `table`,
 * the rest from the cases whose `instant` column falls in the edges, through `facts`.
 * `caseFilter` narrows the cases read for the edges (an indexed condition keeps that read small).
 */
function countedRows(from: Date, to: Date, scope: SQL, t: { table: string; facts: string; instant: string; caseFilter?: SQL }): SQL {
  const { months, edges } = splitPeriod(from, to);
  const parts: SQL[] = [];
  if (months) parts.push(sql`SELECT * FROM ${sql.raw(t.table)} WHERE month >= ${months.from}::date AND month < ${months.to}::date AND ${scope}`);
  for (const e of edges) {
    const inEdge = sql`${sql.raw(t.instant)} >= ${e.from.toISOString()} AND ${sql.raw(t.instant)} < ${e.to.toISOString()}`;
    parts.push(sql`SELECT f.* FROM (SELECT tips AS t FROM tips WHERE ${inEdge} AND ${t.caseFilter ?? sql`true`} AND ${scope}) s, LATERAL ${sql.raw(t.facts)}(s.t) f`);
  }
  if (!parts.length) parts.push(sql`SELECT * FROM ${sql.raw(t.table)} WHERE false`);
  return sql.join(parts, sql` UNION ALL `);
}

/** Cases received in [from, to), as counted rows (a subquery: `FROM (${monthRows(…)}) r`). */
export const monthRows = (from: Date, to: Date, scope: CountScope): SQL =>
  countedRows(from, to, countScopeSql(scope), { table: "tip_month_counts", facts: "tip_month_facts", instant: "received_at" });

/** Help requests triaged in [from, to), as counted rows (they have no category column: every one is a help request). */
export function helpTriageRows(from: Date, to: Date, scope: Omit<CountScope, "category">): SQL {
  return countedRows(from, to, countScopeSql({ districtCode: scope.districtCode, communeCode: scope.communeCode }), {
    table: "help_triage_month_counts",
    facts: "help_triage_facts",
    instant: "triaged_at",
    caseFilter: sql`category = 'help_request'`,
  });
}
