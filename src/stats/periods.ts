/**
 * Report periods as the plan counts them — a month (2020-03), a quarter
 * (2020-Q1), six months (2020-H1), a year (2020) — or custom dates, with boundaries at midnight in
 * Vietnam (UTC+7, no daylight saving).
 */
const OFFSET_MS = 7 * 3_600_000;

export interface Period {
  from: Date;
  to: Date;
  /** The name as given (2020-Q1), or "from..to" for a custom period. */
  label: string;
  kind: "month" | "quarter" | "half" | "year" | "custom";
}

const local = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d) - OFFSET_MS);

/** Parse a named period; null when the text is not one. */
export function parsePeriod(text: string): Period | null {
  let m = /^(\d{4})$/.exec(text);
  if (m) return { from: local(+m[1]!, 0), to: local(+m[1]! + 1, 0), label: text, kind: "year" };
  m = /^(\d{4})-[Qq]([1-4])$/.exec(text);
  if (m) return { from: local(+m[1]!, (+m[2]! - 1) * 3), to: local(+m[1]!, +m[2]! * 3), label: text.toUpperCase(), kind: "quarter" };
  m = /^(\d{4})-[Hh]([12])$/.exec(text);
  if (m) return { from: local(+m[1]!, (+m[2]! - 1) * 6), to: local(+m[1]!, +m[2]! * 6), label: text.toUpperCase(), kind: "half" };
  m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (m) return { from: local(+m[1]!, +m[2]! - 1), to: local(+m[1]!, +m[2]!), label: text, kind: "month" };
  return null;
}

/** Whether y-m-d is a real calendar day (Date.UTC quietly rolls 31 February over to March). */
function realDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * The period just before [from, to): for whole calendar months, quarters and
 * years the previous calendar ones (the month before March is February, not
 * "28 days earlier"); for anything else the same length just before.
 */
export function previousPeriod(from: Date, to: Date): { from: Date; to: Date } {
  const a = new Date(from.getTime() + OFFSET_MS);
  const b = new Date(to.getTime() + OFFSET_MS);
  const midnight = (d: Date) => d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;
  if (midnight(a) && midnight(b) && a.getUTCDate() === 1 && b.getUTCDate() === 1) {
    const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
    return { from: local(a.getUTCFullYear(), a.getUTCMonth() - months), to: from };
  }
  return { from: new Date(from.getTime() - (to.getTime() - from.getTime())), to: from };
}

/** A custom period from two dates (YYYY-MM-DD, both days included); null when invalid or reversed. */
export function customPeriod(from: string, to: string): Period | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/;
  const a = d.exec(from);
  const b = d.exec(to);
  if (!a || !b || !realDay(+a[1]!, +a[2]!, +a[3]!) || !realDay(+b[1]!, +b[2]!, +b[3]!)) return null;
  const start = local(+a[1]!, +a[2]! - 1, +a[3]!);
  const end = local(+b[1]!, +b[2]! - 1, +b[3]! + 1);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) return null;
  return { from: start, to: end, label: `${from}..${to}`, kind: "custom" };
}

/** The quarter containing `now` (the dashboard's default). */
export function currentQuarter(now = new Date()): Period {
  const local = new Date(now.getTime() + OFFSET_MS);
  return parsePeriod(`${local.getUTCFullYear()}-Q${Math.floor(local.getUTCMonth() / 3) + 1}`)!;
}

/** Y-M-D of a Vietnam-local instant (its calendar day in Bến Tre). */
function localDay(d: Date): { y: number; m: number; d: number; midnight: boolean } {
  const l = new Date(d.getTime() + OFFSET_MS);
  const midnight = l.getUTCHours() === 0 && l.getUTCMinutes() === 0 && l.getUTCSeconds() === 0 && l.getUTCMilliseconds() === 0;
  return { y: l.getUTCFullYear(), m: l.getUTCMonth(), d: l.getUTCDate(), midnight };
}

/** The same calendar day one year earlier; 29 February becomes 28 February. */
const yearBefore = (x: { y: number; m: number; d: number }) => ({ y: x.y - 1, m: x.m, d: x.m === 1 && x.d === 29 ? 28 : x.d });

/**
 * The same period one year earlier, counted in Vietnam's calendar (not from
 * UTC parts, which put the first day of March 2020 on 29 February).
 * Whole months map to the same months; other periods map day by day, first
 * and last day included, with 29 February taken as 28 February.
 */
export function sameLastYear(from: Date, to: Date): { from: Date; to: Date } {
  const a = localDay(from);
  const b = localDay(to);
  if (a.midnight && b.midnight && a.d === 1 && b.d === 1) return { from: local(a.y - 1, a.m), to: local(b.y - 1, b.m) };
  if (a.midnight && b.midnight) {
    const first = yearBefore(a);
    const last = yearBefore(localDay(new Date(to.getTime() - 86_400_000)));
    return { from: local(first.y, first.m, first.d), to: local(last.y, last.m, last.d + 1) };
  }
  // Not on day boundaries (no report period is): the same local time one year earlier.
  const shift = (d: Date) => {
    const x = yearBefore(localDay(d));
    const l = new Date(d.getTime() + OFFSET_MS);
    return new Date(Date.UTC(x.y, x.m, x.d, l.getUTCHours(), l.getUTCMinutes(), l.getUTCSeconds(), l.getUTCMilliseconds()) - OFFSET_MS);
  };
  return { from: shift(from), to: shift(to) };
}

/** Whether [from, to) is made of whole calendar months in Vietnam (the shortest period supervisors may ask for). */
export function isWholeMonths(from: Date, to: Date): boolean {
  const a = localDay(from);
  const b = localDay(to);
  return a.midnight && b.midnight && a.d === 1 && b.d === 1 && to > from;
}

/** The months ("2020-03") of [from, to), oldest first, in Vietnam's calendar. */
export function monthsOf(from: Date, to: Date): string[] {
  const a = localDay(from);
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const start = local(a.y, a.m + i);
    if (start >= to) break;
    const s = new Date(start.getTime() + OFFSET_MS);
    out.push(`${s.getUTCFullYear()}-${String(s.getUTCMonth() + 1).padStart(2, "0")}`);
  }
  return out;
}
