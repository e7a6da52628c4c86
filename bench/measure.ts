/**
 * Small measuring helpers for the bench: latency summaries, a clock, progress
 * lines on stderr, and number formatting for the results table.
 */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted values (q in 0..1). */
function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = () => performance.now();

/** Time `fn` once, in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

const benchStart = Date.now();

/** A progress line on stderr, with the seconds since the bench started. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

export const ms = (v: number, digits = 1) => (Number.isFinite(v) ? `${v.toFixed(digits)} ms` : "n/a");
export const mb = (kib: number) => `${(kib / 1024).toFixed(0)} MB`;
export const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "n/a");
export const latencies = (s: Summary) => `p50 ${s.p50.toFixed(1)} / p95 ${s.p95.toFixed(1)} / p99 ${s.p99.toFixed(1)} ms`;

/** Aborted on Ctrl-C: load loops and waits stop early so that the clean-up is not fighting them. */
export const interrupted = new AbortController();

export const sleep = (t: number) => new Promise<void>((resolve) => setTimeout(resolve, t));
