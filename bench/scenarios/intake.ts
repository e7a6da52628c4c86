/**
 * 1. Intake and 5. Memory: tips per second and latency at several numbers of
 * concurrent clients, against the floor — the same argon2id receipt
 * derivation alone, with the same parameters and the same concurrency bound,
 * in this process while the app is idle — and the web process's RSS per level.
 */
import * as crypto from "../../src/crypto/index.js";
import type { HttpClient } from "../client.js";
import { memoryOf, sampleRss } from "../children.js";
import { CpuMeter, type CpuUse } from "../cpu.js";
import { submitTips, type Place } from "../load.js";
import { interrupted, now, progress, summarize, type Summary } from "../measure.js";

export interface Floor {
  parallel: number;
  perSecond: number;
  latency: Summary;
  /** CPU time of one derivation (this process's user + system time over the floor, all threads, divided by the derivations). */
  cpuMs: number;
}

export interface IntakeLevel {
  concurrency: number;
  perSecond: number;
  latency: Summary;
  failures: Record<string, number>;
  /** The floor this level is compared with (parallel derivations = min(concurrency, bound)). */
  floor: Floor;
  /** Largest VmRSS sampled during the level, and VmHWM after it. */
  maxRssKiB: number;
  peakKiB: number;
  accepted: number;
  cpu: CpuUse;
}

export interface IntakeResult {
  /** One derivation at a time, measured before the first level: its p50 is "one derivation". */
  single: Floor;
  idleRssKiB: number;
  levels: IntakeLevel[];
}

/** Receipt derivations alone: `parallel` callers one after the other for `durationMs` (the argon2 gate bounds them as in the app). */
export async function derivationFloor(parallel: number, durationMs: number, salt: crypto.Bytes): Promise<Floor> {
  const derive = () => crypto.deriveReceiptKeys(crypto.normalizeReceipt(crypto.generateReceipt())!, salt);
  for (let i = 0; i < 3; i++) await derive();
  const times: number[] = [];
  const cpu = process.cpuUsage();
  const start = now();
  const until = start + durationMs;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (now() < until && !interrupted.signal.aborted) {
        const t = now();
        await derive();
        times.push(now() - t);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / Math.max(1, times.length);
  return { parallel, perSecond: (times.length * 1000) / (now() - start), latency: summarize(times), cpuMs };
}

export async function intake(opts: {
  client: HttpClient;
  places: Place[];
  webPid: number;
  levels: number[];
  durationMs: number;
  bound: number;
  salt: crypto.Bytes;
  meter: CpuMeter;
}): Promise<IntakeResult> {
  const idleRssKiB = memoryOf(opts.webPid).rssKiB;
  progress(`intake: web process idle RSS ${(idleRssKiB / 1024).toFixed(0)} MB`);
  const single = await derivationFloor(1, 3000, opts.salt);
  progress(`intake: one derivation at a time ${single.perSecond.toFixed(1)}/s, p50 ${single.latency.p50.toFixed(1)} ms`);

  const warm = await submitTips(opts.client, { concurrency: 2, places: opts.places, durationMs: 1500 });
  if (warm.latencies.length === 0) throw new Error(`no tip was accepted during the warm-up: ${JSON.stringify(warm.failures)}`);

  const levels: IntakeLevel[] = [];
  for (const concurrency of opts.levels) {
    // Each level's floor is measured just before it, so both see the same background load.
    const parallel = Math.min(concurrency, opts.bound);
    const floor = parallel === 1 && levels.length === 0 ? single : await derivationFloor(parallel, 3000, opts.salt);
    const sampler = sampleRss(opts.webPid);
    const before = opts.meter.snapshot();
    const r = await submitTips(opts.client, { concurrency, places: opts.places, durationMs: opts.durationMs });
    const cpu = CpuMeter.between(before, opts.meter.snapshot());
    const maxRssKiB = sampler.stop();
    const { peakKiB } = memoryOf(opts.webPid);
    levels.push({ concurrency, perSecond: r.perSecond, latency: summarize(r.latencies), failures: r.failures, floor, maxRssKiB, peakKiB, accepted: r.latencies.length, cpu });
    const failed = Object.values(r.failures).reduce((a, b) => a + b, 0);
    progress(`intake: ${concurrency} client${concurrency > 1 ? "s" : ""} → ${r.perSecond.toFixed(1)} tips/s against a floor of ${floor.perSecond.toFixed(1)}/s (${r.latencies.length} accepted, ${failed} failed), RSS max ${(maxRssKiB / 1024).toFixed(0)} MB`);
  }
  return { single, idleRssKiB, levels };
}
