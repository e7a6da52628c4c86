/**
 * The places register's figures for a period (days in Vietnam time: a
 * period [from, to) is the days from from's date to the day before to's):
 *   - detected: places whose first state (active) is dated in the period;
 *   - eliminated, reEmerged, replanted: places with at least one such state
 *     dated in the period (a place counts once per figure);
 *   - toHandle: places detected, re-emerged or replanted in the period, and
 *     handled: those of them whose state at the period's end is eliminated —
 *     the plan's "phát hiện, triệt xóa 100%", per district;
 *   - the year's share: places eliminated from 1 January of the period's
 *     (last day's) year to the period's end, over the places that were there
 *     (not eliminated) at some time in that stretch — against the national
 *     strategy's 5–10% a year.
 * Supervisors (threshold > 0) never see a place count from 1 to threshold−1:
 * each column's district cells are suppressed with their complement (the
 * province total is published), the event columns also month by month (a
 * quarter minus two shown months cannot isolate a hidden one), the total by
 * the primary rule, and a share whenever a count it is made of is hidden.
 */
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import { mac } from "../crypto/index.js";
import type { Db } from "../db/client.js";
import { places, placeStates } from "../db/schema.js";
import { hiddenInGroup, isSmall, SUPPRESSED, type Shown, type Suppression } from "../stats/suppression.js";
import type { UnitTree } from "../units/directory.js";
import { vietnamDate, type PlaceKind, type PlaceState } from "./register.js";


export const PLACE_COLUMNS = ["detected", "eliminated", "reEmerged", "replanted", "toHandle", "handled", "yearEliminated", "yearPresent"] as const;
export type PlaceColumn = (typeof PLACE_COLUMNS)[number];
/** The columns counted from events dated in a month (suppressed month by month too). */
const EVENT_COLUMNS: PlaceColumn[] = ["detected", "eliminated", "reEmerged", "replanted"];

/** The national strategy: eliminate 5–10% of the places each year. */
export const YEAR_TARGET = { low: 0.05, high: 0.1 } as const;

export type PlaceCounts = Record<PlaceColumn, number>;
export interface PlaceRowShown {
  code: string | null;
  name: string | null;
  counts: Record<PlaceColumn, Shown>;
  handledShare: number | typeof SUPPRESSED | null;
  yearShare: number | typeof SUPPRESSED | null;
}

export interface PlaceFigures {
  from: string;
  /** The last day of the period (included). */
  to: string;
  year: number;
  target: { low: number; high: number };
  threshold: number;
  districts: PlaceRowShown[];
  total: PlaceRowShown;
}

interface Entry {
  state: PlaceState;
  onDate: string;
}

const ZERO = (): PlaceCounts => ({ detected: 0, eliminated: 0, reEmerged: 0, replanted: 0, toHandle: 0, handled: 0, yearEliminated: 0, yearPresent: 0 });
const EVENT_OF: Partial<Record<PlaceState, PlaceColumn>> = { eliminated: "eliminated", re_emerged: "reEmerged", replanted: "replanted" };

/** One place's contribution to [fromDay, toDay) (toDay excluded), with the year starting at yearStart. */
export function countPlace(history: Entry[], fromDay: string, toDay: string, yearStart: string): PlaceCounts {
  const c = ZERO();
  const inPeriod = history.filter((h) => h.onDate >= fromDay && h.onDate < toDay);
  if (history[0] && history[0].onDate >= fromDay && history[0].onDate < toDay) c.detected = 1;
  for (const col of ["eliminated", "reEmerged", "replanted"] as const) if (inPeriod.some((h) => EVENT_OF[h.state] === col)) c[col] = 1;
  const appears = (h: Entry) => h.state !== "eliminated";
  if (inPeriod.some(appears)) {
    c.toHandle = 1;
    const atEnd = history.filter((h) => h.onDate < toDay).at(-1);
    if (atEnd?.state === "eliminated") c.handled = 1;
  }
  const inYear = history.filter((h) => h.onDate >= yearStart && h.onDate < toDay);
  const atYearStart = history.filter((h) => h.onDate < yearStart).at(-1);
  if ((atYearStart && atYearStart.state !== "eliminated") || inYear.some(appears)) c.yearPresent = 1;
  if (inYear.some((h) => h.state === "eliminated")) c.yearEliminated = 1;
  return c;
}

const add = (a: PlaceCounts, b: PlaceCounts) => {
  for (const k of PLACE_COLUMNS) a[k] += b[k];
};

/** Every place's history up to `toDay` (excluded), with its district, within the tree. */
async function histories(db: Db, tree: UnitTree, toDay: string, districtCode?: string, kind?: PlaceKind) {
  const communes = tree.districts.filter((d) => !districtCode || d.code === districtCode).flatMap((d) => d.communes.map((c) => c.code));
  if (communes.length === 0) return [];
  const where = and(inArray(places.communeCode, communes), kind ? eq(places.kind, kind) : undefined);
  const rows = await db.select({ id: places.id, communeCode: places.communeCode }).from(places).where(where);
  const byPlace = new Map(rows.map((r) => [r.id, { district: tree.communeDistrict.get(r.communeCode)!, history: [] as Entry[] }]));
  if (rows.length === 0) return [];
  const states = await db
    .select({ placeId: placeStates.placeId, state: placeStates.state, onDate: placeStates.onDate })
    .from(placeStates)
    .where(lt(placeStates.onDate, toDay))
    .orderBy(asc(placeStates.onDate), asc(placeStates.id));
  for (const s of states) byPlace.get(s.placeId)?.history.push({ state: s.state, onDate: s.onDate });
  return [...byPlace.values()].filter((p) => p.history.length > 0);
}

/** Exact counts per district for [fromDay, toDay). */
function countByDistrict(list: Array<{ district: string; history: Entry[] }>, fromDay: string, toDay: string, yearStart: string): Map<string, PlaceCounts> {
  const out = new Map<string, PlaceCounts>();
  for (const p of list) {
    const c = out.get(p.district) ?? ZERO();
    add(c, countPlace(p.history, fromDay, toDay, yearStart));
    out.set(p.district, c);
  }
  return out;
}

/** The first days of the months of [fromDay, toDay) (whole months for supervisors; a part month is counted as it is). */
function monthsOf(fromDay: string, toDay: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let start = fromDay;
  while (start < toDay) {
    const [y, m] = start.split("-").map(Number) as [number, number];
    const first = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const end = first < toDay ? first : toDay;
    out.push([start, end]);
    start = end;
  }
  return out;
}

const share = (n: Shown, d: Shown): number | typeof SUPPRESSED | null => (n === SUPPRESSED || d === SUPPRESSED ? SUPPRESSED : d === 0 ? null : n / d);

export interface PlaceFigureQuery {
  districtCode?: string;
  kind?: PlaceKind;
  suppression: Suppression;
}

export async function placeFigures(db: Db, tree: UnitTree, period: { from: Date; to: Date }, opts: PlaceFigureQuery): Promise<PlaceFigures> {
  const fromDay = vietnamDate(period.from);
  const toDay = vietnamDate(period.to);
  const lastDay = vietnamDate(new Date(period.to.getTime() - 86_400_000));
  const year = Number(lastDay.slice(0, 4));
  const yearStart = `${year}-01-01`;
  const { threshold, key } = opts.suppression;
  // Suppression is worked out over every district (the province total is what a supervisor can subtract from).
  const list = await histories(db, tree, toDay, threshold > 0 ? undefined : opts.districtCode, opts.kind);
  const exact = countByDistrict(list, fromDay, toDay, yearStart);
  const districts = tree.districts.filter((d) => threshold > 0 || !opts.districtCode || d.code === opts.districtCode);
  const hidden = new Map<PlaceColumn, Set<string>>(PLACE_COLUMNS.map((c) => [c, new Set<string>()]));
  if (threshold > 0) {
    const rank = (label: string) => (code: string) => mac(key, `places|${label}|${code}`);
    for (const col of PLACE_COLUMNS) {
      const cells = districts.map((d) => ({ key: d.code, value: exact.get(d.code)?.[col] ?? 0 }));
      for (const h of hiddenInGroup(cells, threshold, rank(`${fromDay}|${toDay}|${col}`))) hidden.get(col)!.add(h);
    }
    for (const [mFrom, mTo] of monthsOf(fromDay, toDay)) {
      const month = countByDistrict(list, mFrom, mTo, yearStart);
      for (const col of EVENT_COLUMNS) {
        const cells = districts.map((d) => ({ key: d.code, value: month.get(d.code)?.[col] ?? 0 }));
        for (const h of hiddenInGroup(cells, threshold, rank(`${mFrom}|${col}`))) hidden.get(col)!.add(h);
      }
    }
  }
  const rowOf = (code: string | null, name: string | null, counts: PlaceCounts, isHidden: (col: PlaceColumn) => boolean): PlaceRowShown => {
    const shown = Object.fromEntries(PLACE_COLUMNS.map((col) => [col, isHidden(col) ? SUPPRESSED : counts[col]])) as Record<PlaceColumn, Shown>;
    return { code, name, counts: shown, handledShare: share(shown.handled, shown.toHandle), yearShare: share(shown.yearEliminated, shown.yearPresent) };
  };
  const total = ZERO();
  const rows = districts
    .filter((d) => !opts.districtCode || d.code === opts.districtCode)
    .map((d) => {
      const c = exact.get(d.code) ?? ZERO();
      add(total, c);
      return rowOf(d.code, d.name, c, (col) => hidden.get(col)!.has(d.code));
    });
  // A district's total is its own cell: hidden with it. The province's total only by the primary rule.
  const totalRow = opts.districtCode && rows[0] ? { ...rows[0], code: null, name: null } : rowOf(null, null, total, (col) => isSmall(total[col], threshold));
  return { from: fromDay, to: lastDay, year, target: { ...YEAR_TARGET }, threshold, districts: rows, total: totalRow };
}
