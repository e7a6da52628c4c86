/**
 * Report periods as the plan counts them — a month (2020-03), a quarter
 * (2020-Q1), a year (2020) — or custom dates, with boundaries at midnight in
 * Vietnam (UTC+7, no daylight saving).
 */
const OFFSET_MS = 7 * 3_600_000;

export interface Period {
  from: Date;
  to: Date;
  /** The name as given (2020-Q1), or "from..to" for a custom period. */
  label: string;
  kind: "month" | "quarter" | "year" | "custom";
}

const local = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d) - OFFSET_MS);

/** Parse a named period; null when the text is not one. */
export function parsePeriod(text: string): Period | null {
  let m = /^(\d{4})$/.exec(text);
  if (m) return { from: local(+m[1]!, 0), to: local(+m[1]! + 1, 0), label: text, kind: "year" };
  m = /^(\d{4})-[Qq]([1-4])$/.exec(text);
  if (m) return { from: local(+m[1]!, (+m[2]! - 1) * 3), to: local(+m[1]!, +m[2]! * 3), label: text.toUpperCase(), kind: "quarter" };
  m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (m) return { from: local(+m[1]!, +m[2]! - 1), to: local(+m[1]!, +m[2]!), label: text, kind: "month" };
  return null;
}

/** A custom period from two dates (YYYY-MM-DD, both days included); null when invalid or reversed. */
export function customPeriod(from: string, to: string): Period | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/;
  const a = d.exec(from);
  const b = d.exec(to);
  if (!a || !b) return null;
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
