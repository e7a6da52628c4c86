/**
 * 2. Routing: from the 201 answer to the case being assigned.
 *
 * Intake adds no job: the worker's sweep (SWEEP_CRON, every minute on the
 * minute) routes every district that has tips waiting, one batch job per
 * district. So a tip waits for the next minute boundary plus the batch's run,
 * and the goal is "assigned within 75 s of its 201" (p99).
 *
 * tips.assigned_at is kept to the minute on purpose (src/time/coarse.ts), and
 * no job is about one tip, so the moment a case is assigned is observed from
 * outside: the bench polls PostgreSQL every POLL_MS for the tips that have left
 * "received" and notes when it first saw each (so the figure may be up to
 * POLL_MS late, never early). A receipt is mapped to its tip the way the app
 * finds it: argon2id(receipt) → receipt_lookup.
 *
 * Baseline: a no-op BullMQ job in this process — what one enqueue → process →
 * complete round trip costs with nothing else to do.
 */
import os from "node:os";
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import type pg from "pg";
import * as crypto from "../../src/crypto/index.js";
import type { HttpClient } from "../client.js";
import { CpuMeter, type CpuUse } from "../cpu.js";
import { submitTips, type Place } from "../load.js";
import { interrupted, progress, sleep, summarize, type Summary } from "../measure.js";

const POLL_MS = 200;

export interface RoutingResult {
  tips: number;
  concurrency: number;
  latency: Summary;
  /** How often the bench looked (the latency is up to this late). */
  pollMs: number;
  /** Tips found assigned to a liaison; failed submissions. */
  assigned: number;
  failures: Record<string, number>;
  /** CPU used from the first submission until every tip was assigned. */
  cpu: CpuUse;
  /** The 1-minute load average when the scenario started and ended (other work on the machine). */
  load: { start: number; end: number };
}

/** Completion times of a queue's jobs (Redis clock, ms), from now on, keyed by job id. */
async function completions(redisUrl: string, prefix: string, queue: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const [seconds, micros] = await connection.time();
  const startId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1}-0`;
  const events = new QueueEvents(queue, { connection, prefix, lastEventId: startId });
  const done = new Map<string, number>();
  const active = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  events.on("active", ({ jobId }, id) => void active.set(jobId, Number(id.split("-")[0])));
  events.on("completed", ({ jobId }, id) => {
    done.set(jobId, Number(id.split("-")[0]));
    waiters.get(jobId)?.();
  });
  await events.waitUntilReady();
  return {
    done,
    /** When a worker took each job (Redis clock, ms). */
    active,
    /** Resolve when `jobId` has completed. */
    waitFor: (jobId: string) => (done.has(jobId) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(jobId, resolve))),
    close: async () => {
      await events.close();
      connection.disconnect();
    },
  };
}

/** The baseline: `n` no-op jobs one after the other, from add() resolving to the completion event. */
export async function noopRoundTrip(redisUrl: string, prefix: string, n = 200): Promise<Summary> {
  const name = "bench-noop";
  const producer = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const consumer = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: producer, prefix });
  const worker = new Worker(name, async () => null, { connection: consumer, prefix, concurrency: 1 });
  const seen = await completions(redisUrl, prefix, name);
  try {
    await worker.waitUntilReady();
    const times: number[] = [];
    for (let i = 0; i < n + 10; i++) {
      const job = await queue.add("noop", {}, { removeOnComplete: true });
      const added = Date.now();
      await seen.waitFor(job.id!);
      if (i >= 10) times.push(seen.done.get(job.id!)! - added);
    }
    return summarize(times);
  } finally {
    await worker.close();
    await queue.close();
    await seen.close();
    producer.disconnect();
    consumer.disconnect();
  }
}

export async function routing(opts: {
  client: HttpClient;
  places: Place[];
  count: number;
  concurrency: number;
  pool: pg.Pool;
  receiptSalt: crypto.Bytes;
  meter: CpuMeter;
}): Promise<RoutingResult> {
  // When each tip was first seen out of "received" (bench clock, ms), by receipt_lookup (hex).
  const seen = new Map<string, number>();
  const since = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  const look = async () => {
    const r = await opts.pool.query<{ lookup: string }>(`SELECT encode(receipt_lookup, 'hex') AS lookup FROM tips WHERE received_at >= $1 AND status <> 'received'`, [since]);
    const at = Date.now();
    for (const { lookup } of r.rows) if (!seen.has(lookup)) seen.set(lookup, at);
  };
  let polling = true;
  const poller = (async () => {
    while (polling && !interrupted.signal.aborted) {
      await look();
      await sleep(POLL_MS);
    }
  })();
  try {
    const loadStart = os.loadavg()[0]!;
    const before = opts.meter.snapshot();
    const load = await submitTips(opts.client, { concurrency: opts.concurrency, places: opts.places, count: opts.count });
    progress(`routing: ${load.accepted.length} tips accepted at ${load.perSecond.toFixed(1)}/s; waiting for the sweeps to assign them`);
    const lookups = await Promise.all(load.accepted.map(async (a) => Buffer.from((await crypto.deriveReceiptKeys(crypto.normalizeReceipt(a.receipt)!, opts.receiptSalt)).lookup).toString("hex")));
    for (const until = Date.now() + 180_000; !lookups.every((l) => seen.has(l)); await sleep(POLL_MS)) {
      if (Date.now() > until || interrupted.signal.aborted) throw new Error(`${lookups.filter((l) => !seen.has(l)).length} tips still not assigned after 3 minutes`);
    }
    const cpu = CpuMeter.between(before, opts.meter.snapshot());
    const rows = await opts.pool.query<{ lookup: string; status: string; assignee_id: string | null }>(
      `SELECT encode(receipt_lookup, 'hex') AS lookup, status, assignee_id FROM tips WHERE receipt_lookup IN (SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x)`,
      [lookups],
    );
    const assigned = rows.rows.filter((r) => r.assignee_id && r.status !== "received").length;
    const latencies = load.accepted.map((a, i) => seen.get(lookups[i]!)! - a.at);
    const latency = summarize(latencies);
    const loadEnd = os.loadavg()[0]!;
    const tips = load.accepted.length;
    return { tips, concurrency: opts.concurrency, latency, pollMs: POLL_MS, assigned, failures: load.failures, cpu, load: { start: loadStart, end: loadEnd } };
  } finally {
    polling = false;
    await poller.catch(() => undefined);
  }
}
