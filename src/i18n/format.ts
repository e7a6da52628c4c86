/**
 * The one way homthu writes a date or a time for people: dd/mm/yyyy and
 * HH:mm, in Vietnam time (UTC+7, no daylight saving), whatever the page's
 * language. Staff and tipsters read the same figures, in the same order.
 */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

const two = (n: number) => String(n).padStart(2, "0");

/** The wall-clock fields of `d` in Vietnam. */
function vietnam(d: Date) {
  const v = new Date(d.getTime() + VIETNAM_OFFSET_MS);
  return { day: v.getUTCDate(), month: v.getUTCMonth() + 1, year: v.getUTCFullYear(), hour: v.getUTCHours(), minute: v.getUTCMinutes() };
}

/** "01/12/2026" */
export function formatDate(d: Date): string {
  const v = vietnam(d);
  return `${two(v.day)}/${two(v.month)}/${v.year}`;
}

/** "14:05" */
export function formatTime(d: Date): string {
  const v = vietnam(d);
  return `${two(v.hour)}:${two(v.minute)}`;
}

/** "01/12/2026 14:05" */
export function formatDateTime(d: Date): string {
  return `${formatDate(d)} ${formatTime(d)}`;
}

/** A date typed as yyyy-mm-dd (a form's date field) shown as dd/mm/yyyy; anything else is returned as it was typed. */
export function formatIsoDay(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  return m ? `${m[3]}/${m[2]}/${m[1]}` : text;
}
