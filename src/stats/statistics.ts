/**
 * The plan's figures, computed from the plaintext routing fields only — never
 * by decrypting a tip. One period [from, to) and one scope (province,
 * district or commune); everything the monthly, quarterly and yearly reports
 * need. Counts are sums of the counted rows (src/stats/monthCounts.ts: one row
 * per month, commune and category, kept in step with the cases); only the
 * duration percentiles and the deadlines read the cases themselves.
 */
import { sql } from "drizzle-orm";
import type { AppConfig } from "../../config/index.js";
import type { Db } from "../db/client.js";
import { helpFigures, helpReferrals, type HelpFigures } from "../help/helpFigures.js";
import { previousPeriod, sameLastYear } from "./periods.js";
import { HELP_OUTCOMES, POLICE_OUTCOMES, TRIAGE_OUTCOMES, type Outcome } from "../cases/workflow.js";
import { durationFigures, type DurationFigures } from "./durations.js";
import { countScopeSql, monthRows, type CountScope } from "./monthCounts.js";
import { QUANTITY_COLUMNS, QUANTITY_SQL, type QuantityColumn } from "./suppression.js";
import { TIP_SOURCES, type TipSource } from "../validation/tip.js";

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

/** The sums of the counted rows the figures need (src/stats/monthCounts.ts); zero over no rows. */
const COUNT_COLUMNS: Array<"received" | "urgent" | "forwarded" | "resolved" | "false_or_malicious" | "triaged" | "referred" | `source_${TipSource}` | `triage_${(typeof TRIAGE_OUTCOMES)[number]}` | `outcome_${Outcome}`> = [
  "received", "urgent", "forwarded", "resolved", "false_or_malicious", "triaged", "referred",
  ...TIP_SOURCES.map((s) => `source_${s}` as const),
  ...TRIAGE_OUTCOMES.map((o) => `triage_${o}` as const),
  ...[...POLICE_OUTCOMES, ...HELP_OUTCOMES].map((o) => `outcome_${o}` as const),
];
const SUMS = sql.raw(COUNT_COLUMNS.map((c) => `coalesce(sum(${c}), 0)::int AS ${c}`).join(", "));

type Totals = Record<(typeof COUNT_COLUMNS)[number] | QuantityColumn, number>;

/** The totals of the period: its categories' counts added up (quantities to the hundredth, as summed in SQL). */
function sumOf(rows: Totals[]): Totals {
  const keys = [...COUNT_COLUMNS, ...QUANTITY_COLUMNS];
  const t = Object.fromEntries(keys.map((k) => [k, 0])) as Totals;
  for (const r of rows) for (const k of keys) t[k] = Math.round((t[k] + Number(r[k])) * 100) / 100;
  return t;
}

const quantitiesOf = (t: Totals): ResultQuantities => ({
  plantsDestroyed: Number(t.qty_plants),
  areaM2: Number(t.qty_area_m2),
  peopleHandled: Number(t.qty_people),
  seizedGrams: Number(t.qty_seized_grams),
});

const REDUCTION_TARGET = -5;

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const pct = (now: number, before: number) => (before > 0 ? Math.round(((now - before) / before) * 1000) / 10 : null);
/** Only what was counted: a key with nothing is left out, as a GROUP BY over the cases would. */
const counted = (entries: Array<[string | null, number]>) => Object.fromEntries(entries.filter((e): e is [string, number] => e[0] !== null && e[1] > 0));
const prefixed = (t: Totals, prefix: string, keys: readonly string[]) => counted(keys.map((k) => [k, t[`${prefix}${k}` as keyof Totals]]));

const round = (x: number | null) => (x === null || x === undefined ? null : Math.round(Number(x) * 100) / 100);
/** Seconds (a percentile of the period, null when no case had the duration) to hours, two decimals. */
const hours = (pct: number[] | null, i: number) => round(pct?.[i] == null ? null : Number(pct[i]) / 3600);
const timingOf = (d: DurationFigures): Timing => ({
  medianHours: hours(d.pct, 0),
  p90Hours: hours(d.pct, 1),
  withinDeadlineShare: ratio(d.within, d.n),
  count: d.n,
});

/** Communes with at least one actionable tip received in [from, to): the plan's "communes with drug problems". */
async function drugCommunes(db: Db, scope: CountScope, from: Date, to: Date): Promise<number> {
  const r = await db.execute<{ n: number }>(sql`
    SELECT count(DISTINCT commune_code)::int AS n FROM (${monthRows(from, to, scope)}) r
     WHERE triage_actionable > 0 AND category <> 'help_request'`);
  return r.rows[0]?.n ?? 0;
}

export async function computeStats(db: Db, config: AppConfig, q: StatsQuery): Promise<Stats> {
  const counts: CountScope = { districtCode: q.districtCode, communeCode: q.communeCode, category: q.category };
  const scope = countScopeSql(counts);
  const inPeriod = sql`${scope} AND received_at >= ${q.from.toISOString()} AND received_at < ${q.to.toISOString()}`;
  // Numbers from the configuration, typed as such (a bound parameter would arrive as text).
  const seconds = (ms: number) => sql.raw(`${Number(ms) / 1000}::float8`);
  const triageLimit = sql`CASE WHEN urgent THEN ${seconds(config.deadlines.urgentTriage)} ELSE ${seconds(config.deadlines.triage)} END`;
  const rows = monthRows(q.from, q.to, counts);
  const previous = previousPeriod(q.from, q.to);
  const lastYear = sameLastYear(q.from, q.to);

  const [byCategoryRows, byPlaceRows, triage, acknowledge, overdue, overdueInPeriod, before, yearAgo, referrals] = await Promise.all([
    // The counts by category (the totals are their sum), and by commune: two passes over the period's counted rows.
    db.execute<Totals & { category: string }>(sql`
      SELECT category, ${SUMS}, ${QUANTITY_SQL}
        FROM (${rows}) r GROUP BY category`),
    db.execute<{ district_code: string; commune_code: string; received: number; drug_actionable: number }>(sql`
      SELECT district_code, commune_code, sum(received)::int AS received,
             coalesce(sum(triage_actionable) FILTER (WHERE category <> 'help_request'), 0)::int AS drug_actionable
        FROM (${rows}) r GROUP BY district_code, commune_code`),
    // Each duration's median and 90th percentile (src/stats/durations.ts), both durations at once.
    durationFigures(db, inPeriod, "triage_seconds", triageLimit),
    durationFigures(db, inPeriod, "acknowledge_seconds", seconds(config.deadlines.acknowledge)),
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM tips WHERE ${scope} AND deadline_at < now()`),
    // A deadline is overdue from due_at until it ended (met, replaced or stopped), or until now while it runs:
    // overdue during [from, to) when that stretch meets the period. Only a missed deadline can be (the
    // condition of the partial index case_deadlines_missed_idx).
    db.execute<{ n: number }>(sql`
      SELECT count(DISTINCT tips.id)::int AS n FROM tips JOIN case_deadlines d ON d.tip_id = tips.id
       WHERE ${scope} AND (d.ended_at IS NULL OR d.ended_at > d.due_at) AND d.due_at < ${q.to.toISOString()}::timestamptz
         AND greatest(d.due_at, ${q.from.toISOString()}::timestamptz) < least(coalesce(d.ended_at, now()), ${q.to.toISOString()}::timestamptz)`),
    drugCommunes(db, counts, previous.from, previous.to),
    drugCommunes(db, counts, lastYear.from, lastYear.to),
    helpReferrals(db, q.from, q.to, counts),
  ]);
  const t = sumOf(byCategoryRows.rows);
  const byCategory = counted(byCategoryRows.rows.map((r) => [r.category, r.received]));
  const places = byPlaceRows.rows;
  const byCommune = counted(places.map((r) => [r.commune_code, r.received]));
  const byDistrict: Record<string, number> = {};
  for (const r of places) if (r.received > 0) byDistrict[r.district_code] = (byDistrict[r.district_code] ?? 0) + r.received;
  const now = places.filter((r) => r.drug_actionable > 0).length;
  const changeVsPrevious = pct(now, before);
  const changeVsLastYear = pct(now, yearAgo);
  return {
    period: { from: q.from.toISOString(), to: q.to.toISOString() },
    received: { total: t.received, urgent: t.urgent, byCategory, bySource: prefixed(t, "source_", TIP_SOURCES), byDistrict, byCommune },
    triage: { byOutcome: prefixed(t, "triage_", TRIAGE_OUTCOMES), falseOrMalicious: t.false_or_malicious, misuseRate: ratio(t.false_or_malicious, t.triaged) },
    forwarded: t.forwarded,
    resolved: { total: t.resolved, byOutcome: prefixed(t, "outcome_", [...POLICE_OUTCOMES, ...HELP_OUTCOMES]), quantities: quantitiesOf(t) },
    timing: {
      receiptToTriage: timingOf(triage),
      forwardToAcknowledge: timingOf(acknowledge),
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
    helpRequests: helpFigures(byCategory.help_request ?? 0, referrals),
  };
}
