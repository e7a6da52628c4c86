/**
 * The plan's figures, computed from the plaintext routing fields only — never
 * by decrypting a tip. One period [from, to) and one scope (province,
 * district or commune); everything the monthly, quarterly and yearly reports
 * need, in a few aggregate queries over the received_at index.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AppConfig } from "../../config/index.js";
import type { Db } from "../db/client.js";
import { helpFigures, type HelpFigures } from "../help/helpFigures.js";
import { previousPeriod, sameLastYear } from "./periods.js";
import { QUANTITY_SQL, type QuantityColumn } from "./suppression.js";

export interface StatsQuery {
  from: Date;
  to: Date;
  districtCode?: string;
  communeCode?: string;
  category?: string;
}

export interface Timing {
  medianHours: number | null;
  p90Hours: number | null;
  withinDeadlineShare: number | null;
  count: number;
}

export interface Stats {
  period: { from: string; to: string };
  received: {
    total: number;
    urgent: number;
    byCategory: Record<string, number>;
    bySource: Record<string, number>;
    byDistrict: Record<string, number>;
    byCommune: Record<string, number>;
  };
  triage: { byOutcome: Record<string, number>; falseOrMalicious: number; misuseRate: number | null };
  forwarded: number;
  /** Cases received in the period that have a result, by outcome, and the quantities their police results recorded. */
  resolved: { total: number; byOutcome: Record<string, number>; quantities: ResultQuantities };
  timing: { receiptToTriage: Timing; forwardToAcknowledge: Timing };
  /** Cases overdue at some moment of the period (a deadline fell due before its end and was not met before its start). */
  overdueInPeriod: number;
  /** Cases whose running deadline has passed, now, whatever the period (the dashboard lists it apart). */
  overdueNow: number;
  drugCommunes: { current: number; previousPeriod: number; sameLastYear: number; changeVsPrevious: number | null; changeVsLastYear: number | null; reductionTarget: number; targetMet: boolean | null };
  helpRequests: HelpFigures;
}

/** What the police results of the period's cases add up to (the plan's figures): plants, m², people, grams. */
export interface ResultQuantities {
  plantsDestroyed: number;
  areaM2: number;
  peopleHandled: number;
  seizedGrams: number;
}

type Totals = { total: number; urgent: number; forwarded: number; resolved: number; false_reports: number; triaged: number; help: number; referred: number } & Record<QuantityColumn, number>;

const quantitiesOf = (t: Totals): ResultQuantities => ({
  plantsDestroyed: Number(t.qty_plants),
  areaM2: Number(t.qty_area_m2),
  peopleHandled: Number(t.qty_people),
  seizedGrams: Number(t.qty_seized_grams),
});

const REDUCTION_TARGET = -5;

function scopeSql(q: Omit<StatsQuery, "from" | "to">): SQL {
  const parts: SQL[] = [sql`true`];
  if (q.districtCode) parts.push(sql`district_code = ${q.districtCode}`);
  if (q.communeCode) parts.push(sql`commune_code = ${q.communeCode}`);
  if (q.category) parts.push(sql`category = ${q.category}`);
  return sql.join(parts, sql` AND `);
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const pct = (now: number, before: number) => (before > 0 ? Math.round(((now - before) / before) * 1000) / 10 : null);
const toMap = (rows: Array<{ k: string | null; n: number }>) => Object.fromEntries(rows.filter((r) => r.k !== null).map((r) => [r.k!, r.n]));

async function groupCount(db: Db, where: SQL, column: SQL): Promise<Record<string, number>> {
  const r = await db.execute<{ k: string | null; n: number }>(sql`SELECT ${column} AS k, count(*)::int AS n FROM tips WHERE ${where} GROUP BY 1`);
  return toMap(r.rows);
}

/** Communes with at least one actionable tip received in [from, to): the plan's "communes with drug problems". */
async function drugCommunes(db: Db, scope: SQL, from: Date, to: Date): Promise<number> {
  const r = await db.execute<{ n: number }>(sql`
    SELECT count(DISTINCT commune_code)::int AS n FROM tips
     WHERE ${scope} AND received_at >= ${from.toISOString()} AND received_at < ${to.toISOString()}
       AND triage_outcome = 'actionable' AND category <> 'help_request'`);
  return r.rows[0]?.n ?? 0;
}

export async function computeStats(db: Db, config: AppConfig, q: StatsQuery): Promise<Stats> {
  const scope = scopeSql(q);
  const inPeriod = sql`${scope} AND received_at >= ${q.from.toISOString()} AND received_at < ${q.to.toISOString()}`;
  // Numbers from the configuration, typed as such (a bound parameter would arrive as text).
  const seconds = (ms: number) => sql.raw(`${Number(ms) / 1000}::float8`);
  const triageLimit = sql`(CASE WHEN urgent THEN ${seconds(config.deadlines.urgentTriage)} ELSE ${seconds(config.deadlines.triage)} END)`;
  const previous = previousPeriod(q.from, q.to);
  const lastYear = sameLastYear(q.from, q.to);

  const [totals, byCategory, bySource, byDistrict, byCommune, byTriage, byOutcome, timing, overdue, overdueInPeriod, now, before, yearAgo] = await Promise.all([
    db.execute<Totals>(sql`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE urgent)::int AS urgent,
             count(*) FILTER (WHERE forwarded_at IS NOT NULL)::int AS forwarded,
             count(*) FILTER (WHERE resolved_at IS NOT NULL)::int AS resolved,
             count(*) FILTER (WHERE not_actionable_reason = 'false_or_malicious')::int AS false_reports,
             count(*) FILTER (WHERE triage_outcome IS NOT NULL)::int AS triaged,
             count(*) FILTER (WHERE category = 'help_request')::int AS help,
             count(*) FILTER (WHERE category = 'help_request' AND referred)::int AS referred,
             ${QUANTITY_SQL}
        FROM tips WHERE ${inPeriod}`),
    groupCount(db, inPeriod, sql`category`),
    groupCount(db, inPeriod, sql`source`),
    groupCount(db, inPeriod, sql`district_code`),
    groupCount(db, inPeriod, sql`commune_code`),
    groupCount(db, inPeriod, sql`triage_outcome`),
    groupCount(db, sql`${inPeriod} AND resolved_at IS NOT NULL`, sql`outcome`),
    // Each duration computed once per case as float8 (extract() gives numeric, slow to sort), and both percentiles
    // of a duration from one sort (the array form) instead of one sort each.
    db.execute<{ t_pct: number[] | null; t_in: number; t_n: number; a_pct: number[] | null; a_in: number; a_n: number }>(sql`
      SELECT percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.s) AS t_pct,
             count(*) FILTER (WHERE t.s <= ${triageLimit})::int AS t_in,
             count(t.s)::int AS t_n,
             percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY a.s) AS a_pct,
             count(*) FILTER (WHERE a.s <= ${seconds(config.deadlines.acknowledge)})::int AS a_in,
             count(a.s)::int AS a_n
        FROM tips,
             LATERAL (SELECT date_part('epoch', triaged_at - received_at) AS s) t,
             LATERAL (SELECT date_part('epoch', acknowledged_at - forwarded_at) AS s) a
       WHERE ${inPeriod}`),
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM tips WHERE ${scope} AND deadline_at < now()`),
    // A deadline is overdue from due_at until it ended (met, replaced or stopped), or until now while it runs:
    // overdue during [from, to) when that stretch meets the period.
    db.execute<{ n: number }>(sql`
      SELECT count(DISTINCT tips.id)::int AS n FROM tips JOIN case_deadlines d ON d.tip_id = tips.id
       WHERE ${scope}
         AND greatest(d.due_at, ${q.from.toISOString()}::timestamptz) < least(coalesce(d.ended_at, now()), ${q.to.toISOString()}::timestamptz)`),
    drugCommunes(db, scope, q.from, q.to),
    drugCommunes(db, scope, previous.from, previous.to),
    drugCommunes(db, scope, lastYear.from, lastYear.to),
  ]);
  const t = totals.rows[0]!;
  const tm = timing.rows[0]!;
  const round = (x: number | null) => (x === null || x === undefined ? null : Math.round(Number(x) * 100) / 100);
  /** Seconds (a percentile of the period, null when no case had the duration) to hours, two decimals. */
  const hours = (pct: number[] | null, i: number) => round(pct?.[i] == null ? null : Number(pct[i]) / 3600);
  const changeVsPrevious = pct(now, before);
  const changeVsLastYear = pct(now, yearAgo);
  return {
    period: { from: q.from.toISOString(), to: q.to.toISOString() },
    received: { total: t.total, urgent: t.urgent, byCategory, bySource, byDistrict, byCommune },
    triage: { byOutcome: byTriage, falseOrMalicious: t.false_reports, misuseRate: ratio(t.false_reports, t.triaged) },
    forwarded: t.forwarded,
    resolved: { total: t.resolved, byOutcome, quantities: quantitiesOf(t) },
    timing: {
      receiptToTriage: { medianHours: hours(tm.t_pct, 0), p90Hours: hours(tm.t_pct, 1), withinDeadlineShare: ratio(tm.t_in, tm.t_n), count: tm.t_n },
      forwardToAcknowledge: { medianHours: hours(tm.a_pct, 0), p90Hours: hours(tm.a_pct, 1), withinDeadlineShare: ratio(tm.a_in, tm.a_n), count: tm.a_n },
    },
    overdueInPeriod: overdueInPeriod.rows[0]?.n ?? 0,
    overdueNow: overdue.rows[0]?.n ?? 0,
    drugCommunes: {
      current: now,
      previousPeriod: before,
      sameLastYear: yearAgo,
      changeVsPrevious,
      changeVsLastYear,
      reductionTarget: REDUCTION_TARGET,
      targetMet: changeVsLastYear === null ? null : changeVsLastYear <= REDUCTION_TARGET,
    },
    helpRequests: await helpFigures(db, scope, q.from, q.to),
  };
}
