/**
 * 2. Routing: from the 201 answer to the case being assigned.
 *
 * tips.assigned_at is kept to the minute on purpose (src/time/coarse.ts), so
 * it cannot time routing. The moment a case is assigned is instead the
 * "completed" event of its route-tip job: the worker emits it right after the
 * routing transaction has committed, and its Redis stream id carries Redis's
 * clock in milliseconds (the same machine clock as the 201 time taken here).
 * A receipt is mapped to its tip the way the app finds it: argon2id(receipt)
 * → receipt_lookup; the job id is routeJobId(key, tip id).
 *
 * Baseline: the same measurement for a no-op BullMQ job in this process — what
 * one enqueue → process → complete round trip costs with nothing else to do.
 */
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import type pg from "pg";
import * as crypto from "../../src/crypto/index.js";
import { QUEUES } from "../../src/queues/names.js";
import type { HttpClient } from "../client.js";
import { CpuMeter, type CpuUse } from "../cpu.js";
import { submitTips, type Place } from "../load.js";
import { interrupted, progress, sleep, summarize, type Summary } from "../measure.js";
import { routeJobId } from "../../src/queues/producer.js";

export interface RoutingResult {
  tips: number;
  concurrency: number;
  latency: Summary;
  /** The two parts of it: 201 → a worker takes the job, and the job's own run until it completes. */
  waiting: Summary;
  running: Summary;
  /** Tips found assigned to a liaison; failed submissions. */
  assigned: number;
  failures: Record<string, number>;
  /** CPU used from the first submission until the queue was drained. */
  cpu: CpuUse;
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
  redisUrl: string;
  prefix: string;
  pool: pg.Pool;
  receiptSalt: crypto.Bytes;
  /** The server's job-id key (the bench set SECRET_KEY, so it can name the routing jobs too). */
  jobIdKey: crypto.Bytes;
  meter: CpuMeter;
}): Promise<RoutingResult> {
  const seen = await completions(opts.redisUrl, opts.prefix, QUEUES.routeTip);
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.routeTip, { connection, prefix: opts.prefix });
  try {
    const before = opts.meter.snapshot();
    const load = await submitTips(opts.client, { concurrency: opts.concurrency, places: opts.places, count: opts.count });
    progress(`routing: ${load.accepted.length} tips accepted at ${load.perSecond.toFixed(1)}/s; waiting for the queue to drain`);
    for (let until = Date.now() + 60_000; ; await sleep(100)) {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      if (Object.values(c).every((n) => n === 0)) break;
      if (Date.now() > until || interrupted.signal.aborted) throw new Error(`route-tip jobs still pending: ${JSON.stringify(c)}`);
    }
    const cpu = CpuMeter.between(before, opts.meter.snapshot());
    progress(`routing: mapping ${load.accepted.length} receipts to tips (one argon2id derivation each)`);
    const lookups = await Promise.all(load.accepted.map(async (a) => Buffer.from((await crypto.deriveReceiptKeys(crypto.normalizeReceipt(a.receipt)!, opts.receiptSalt)).lookup).toString("hex")));
    const rows = await opts.pool.query<{ id: string; lookup: string; status: string; assignee_id: string | null }>(
      `SELECT id, encode(receipt_lookup, 'hex') AS lookup, status, assignee_id FROM tips WHERE receipt_lookup IN (SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x)`,
      [lookups],
    );
    const byLookup = new Map(rows.rows.map((r) => [r.lookup, r]));
    const latencies: number[] = [];
    const waiting: number[] = [];
    const running: number[] = [];
    let assigned = 0;
    load.accepted.forEach((a, i) => {
      const tip = byLookup.get(lookups[i]!);
      if (!tip) throw new Error(`receipt ${i} maps to no tip`);
      if (tip.assignee_id && tip.status !== "received") assigned++;
      const completed = seen.done.get(routeJobId(opts.jobIdKey, tip.id));
      if (completed === undefined) throw new Error(`no completed route-tip job for tip ${tip.id} (status ${tip.status})`);
      latencies.push(completed - a.at);
      const taken = seen.active.get(routeJobId(opts.jobIdKey, tip.id));
      if (taken !== undefined) waiting.push(taken - a.at), running.push(completed - taken);
    });
    return {
      tips: load.accepted.length,
      concurrency: opts.concurrency,
      latency: summarize(latencies),
      waiting: summarize(waiting),
      running: summarize(running),
      assigned,
      failures: load.failures,
      cpu,
    };
  } finally {
    await queue.close();
    connection.disconnect();
    await seen.close();
  }
}
