/**
 * Small-number suppression that survives differencing.
 *
 * Who it protects against: a supervisor (or the public) who sees exact
 * district totals and wants a commune's count between 1 and the threshold
 * back by subtracting — visible communes from their district, one period from
 * another, one category from another.
 *
 * How:
 * - The finest cell is (commune, calendar month in Vietnam, column). Supervisors
 *   ask only for whole months, so every period they can see is a union of months.
 * - Primary: a cell between 1 and threshold−1 is hidden.
 * - Secondary, within each (district, month, column), whose total the supervisor
 *   knows: if exactly one cell is hidden, or every hidden cell could only be 1
 *   (hidden cells are never 0 unless a zero had to be hidden), one more cell is
 *   hidden — the smallest non-zero visible one, else a zero.
 * - A commune's cell over a longer period is shown only when every one of its
 *   months is shown, so a quarter minus two months, or a year minus a custom
 *   range, only ever isolates months that are themselves visible.
 * - With a category filter, supervisors get no commune-level cells at all (the
 *   district's counts by category stay exact): categories never split a
 *   commune's hidden cell into parts that could be subtracted.
 * Every hidden cell reads the same ("x"), so a primary cell cannot be told
 * from its complement. The same function serves the API, the dashboard, the
 * printed report, the CSV and the XLSX; the public figures use the primary rule
 * (they publish no total to subtract from).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { mac, type Bytes } from "../crypto/index.js";
import type { UnitTree } from "../units/directory.js";
import { monthRows } from "./monthCounts.js";

/** Who sees what: the threshold (0 = exact figures) and the server key that orders complementary cells. */
export interface Suppression {
  threshold: number;
  key: Bytes;
}

/** How every suppressed cell is written. */
export const SUPPRESSED = "x";
export type Shown = number | typeof SUPPRESSED;

/** Primary rule: a count from 1 to threshold−1 is hidden. */
export const isSmall = (n: number, threshold: number) => threshold > 0 && n > 0 && n < threshold;

/** A count as shown under the primary rule only (for tables that publish no total). */
export function shownPrimary(n: number, threshold: number): Shown {
  return isSmall(n, threshold) ? SUPPRESSED : n;
}

/**
 * The cells to hide in one group whose total is published. `cells` must list
 * every member of the group (zeros included). `rank` orders cells of equal
 * value: a keyed MAC, so the same cells are hidden on every request, yet
 * someone who knows this algorithm cannot tell which hidden cell was chosen as
 * the complement of which (a rank they could compute would rule scenarios out).
 */
export function hiddenInGroup(cells: ReadonlyArray<{ key: string; value: number }>, threshold: number, rank: (key: string) => string = (k) => k): Set<string> {
  const hidden = new Set(cells.filter((c) => isSmall(c.value, threshold)).map((c) => c.key));
  if (hidden.size === 0) return hidden;
  // Smallest non-zero first (the least information lost), then zeros; equal values by rank.
  const ranks = new Map(cells.map((c) => [c.key, rank(c.key)]));
  const zeroLast = (c: { value: number }) => (c.value === 0 ? 1 : 0);
  const candidates = cells
    .filter((c) => !hidden.has(c.key))
    .sort((a, b) => zeroLast(a) - zeroLast(b) || a.value - b.value || (ranks.get(a.key)! < ranks.get(b.key)! ? -1 : 1));
  let zeroHidden = false;
  const sum = () => cells.reduce((s, c) => s + (hidden.has(c.key) ? c.value : 0), 0);
  // One hidden cell is the total minus the rest; several hidden cells that are all 1 are pinned down too
  // (zeros are shown as 0, so a hidden cell is at least 1 — until a zero has been hidden).
  while (hidden.size === 1 || (!zeroHidden && sum() === hidden.size)) {
    const next = candidates.shift();
    if (!next) break; // a group of one: nothing left to hide with (its total is the cell; see docs/reports.md)
    hidden.add(next.key);
    if (next.value === 0) zeroHidden = true;
  }
  return hidden;
}

/**
 * The quantities the police results recorded, summed over the cases that have a result (the same cases the
 * "resolved" count counts; a reopened case's old figures do not count). Shown for a commune only where its
 * "resolved" count is shown: a sum is never smaller protection than the count of the cases it adds up.
 */
export const QUANTITY_COLUMNS = ["qty_plants", "qty_area_m2", "qty_people", "qty_seized_grams"] as const;
export type QuantityColumn = (typeof QUANTITY_COLUMNS)[number];
export const QUANTITY_SQL = sql.raw(`
           coalesce(sum(qty_plants), 0)::float8 AS qty_plants,
           coalesce(sum(qty_area_m2), 0)::float8 AS qty_area_m2,
           coalesce(sum(qty_people), 0)::float8 AS qty_people,
           round(coalesce(sum(qty_seized_grams), 0), 2)::float8 AS qty_seized_grams`);

/** The counted columns of the report, as SQL sums over counted rows (src/stats/monthCounts.ts). */
export const COLUMN_SQL = sql.raw(`
           coalesce(sum(received), 0)::int AS received,
           coalesce(sum(urgent), 0)::int AS urgent,
           coalesce(sum(triage_actionable), 0)::int AS actionable,
           coalesce(sum(forwarded), 0)::int AS forwarded,
           coalesce(sum(resolved), 0)::int AS resolved,
           coalesce(sum(outcome_spot_eliminated), 0)::int AS spot_eliminated,
           coalesce(sum(outcome_plants_destroyed), 0)::int AS plants_destroyed,
           coalesce(sum(outcome_arrests_made), 0)::int AS arrests_made,
           coalesce(sum(outcome_nothing_found), 0)::int AS nothing_found,
           coalesce(sum(received) FILTER (WHERE category = 'help_request'), 0)::int AS help_requests,
           coalesce(sum(referred), 0)::int AS referred,
           coalesce(sum(false_or_malicious), 0)::int AS false_or_malicious`);

/**
 * For each column, the communes whose cell over [from, to) must be hidden
 * from someone with this threshold. `columns` are names of COLUMN_SQL's
 * aggregates. Only districts in scope are computed; each district's months
 * are computed whole, so the answer is the same whatever period is asked.
 */
export async function hiddenCommunes<C extends string>(
  db: Db,
  tree: UnitTree,
  from: Date,
  to: Date,
  opts: { districtCode?: string; suppression: Suppression; columns: readonly C[] },
): Promise<Map<C, Set<string>>> {
  const result = new Map<C, Set<string>>(opts.columns.map((c) => [c, new Set<string>()]));
  const { threshold, key } = opts.suppression;
  if (threshold <= 0) return result;
  const r = await db.execute<Record<string, number | string>>(sql`
    SELECT district_code, commune_code, to_char(month, 'YYYY-MM') AS month, ${COLUMN_SQL}
      FROM (${monthRows(from, to, { districtCode: opts.districtCode })}) r
     GROUP BY 1, 2, 3`);
  // district → month → commune → row
  const byGroup = new Map<string, Map<string, Map<string, Record<string, number | string>>>>();
  for (const row of r.rows) {
    const d = String(row.district_code);
    const months = byGroup.get(d) ?? new Map<string, Map<string, Record<string, number | string>>>();
    const communes = months.get(String(row.month)) ?? new Map<string, Record<string, number | string>>();
    communes.set(String(row.commune_code), row);
    months.set(String(row.month), communes);
    byGroup.set(d, months);
  }
  for (const d of tree.districts) {
    const months = byGroup.get(d.code);
    if (!months) continue;
    for (const [month, communes] of months) {
      for (const col of opts.columns) {
        // Every commune of the district is in the group, those without a tip as zeros.
        const cells = d.communes.map((c) => ({ key: c.code, value: Number(communes.get(c.code)?.[col] ?? 0) }));
        const rank = (commune: string) => mac(key, `${d.code}|${month}|${col}|${commune}`);
        for (const hiddenKey of hiddenInGroup(cells, threshold, rank)) result.get(col)!.add(hiddenKey);
      }
    }
  }
  return result;
}

/**
 * A commune → count map (the statistics API's byCommune) as someone with this
 * threshold may see it: every commune of the scope listed, zeros included (an
 * absent key would tell a hidden zero from a hidden count), hidden cells as "x",
 * and every cell hidden under a category filter.
 */
export async function shownByCommune(
  db: Db,
  tree: UnitTree,
  from: Date,
  to: Date,
  opts: { districtCode?: string; category?: string; suppression: Suppression },
  exact: Record<string, number>,
): Promise<Record<string, Shown>> {
  if (opts.suppression.threshold <= 0) return exact;
  const hidden = opts.category ? null : (await hiddenCommunes(db, tree, from, to, { districtCode: opts.districtCode, suppression: opts.suppression, columns: ["received"] as const })).get("received")!;
  const out: Record<string, Shown> = {};
  for (const d of tree.districts) {
    if (opts.districtCode && d.code !== opts.districtCode) continue;
    for (const c of d.communes) out[c.code] = !hidden || hidden.has(c.code) ? SUPPRESSED : (exact[c.code] ?? 0);
  }
  return out;
}
