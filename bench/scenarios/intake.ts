/**
 * 1. Intake and 5. Memory: tips per second and latency at several numbers of
 * concurrent clients, against the floor — the same argon2id receipt
 * derivation alone, with the same parameters and the same concurrency bound,
 * in this process while the app is idle — and the web process's RSS per level.
 */
import * as crypto from "../../src/crypto/index.js";
import type { HttpClient } from "../client.js";
import { memoryOf, sampleRss } from "../children.js";
import { CpuMeter, sumCpu, type CpuUse } from "../cpu.js";
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
  /**
   * The floor this level is compared with (parallel derivations = min(concurrency, bound)), measured in
   * slices between the level's own slices (floor, level, floor, …, level, floor): a machine whose speed
   * drifts (a neighbour starting or stopping, a shared host's clock) slows both alike.
   */
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

/** How many slices a level is cut into, each preceded and the last followed by a floor slice. */
export const SLICES = 4;
const FLOOR_SLICE_MS = 1000;

/** One run of derivations alone: how many, in how long, with how much of this process's CPU, and each one's time. */
interface FloorSlice {
  times: number[];
  elapsedMs: number;
  cpuMs: number;
}

const derive = (salt: crypto.Bytes) => crypto.deriveReceiptKeys(crypto.normalizeReceipt(crypto.generateReceipt())!, salt);

/** Receipt derivations alone: `parallel` callers one after the other for `durationMs` (the argon2 gate bounds them as in the app). */
async function floorSlice(parallel: number, durationMs: number, salt: crypto.Bytes): Promise<FloorSlice> {
  const times: number[] = [];
  const cpu = process.cpuUsage();
  const start = now();
  const until = start + durationMs;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (now() < until && !interrupted.signal.aborted) {
        const t = now();
        await derive(salt);
        times.push(now() - t);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { times, elapsedMs: now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Slices of the same parallelism as one floor: derivations per second over their time, CPU per derivation. */
function floorOf(parallel: number, slices: FloorSlice[]): Floor {
  const times = slices.flatMap((s) => s.times);
  const elapsed = slices.reduce((a, s) => a + s.elapsedMs, 0);
  const cpu = slices.reduce((a, s) => a + s.cpuMs, 0);
  return { parallel, perSecond: (times.length * 1000) / elapsed, latency: summarize(times), cpuMs: cpu / Math.max(1, times.length) };
}

/** Receipt derivations alone for `durationMs` in one run, after three to warm up. */
export async function derivationFloor(parallel: number, durationMs: number, salt: crypto.Bytes): Promise<Floor> {
  for (let i = 0; i < 3; i++) await derive(salt);
  return floorOf(parallel, [await floorSlice(parallel, durationMs, salt)]);
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
    const parallel = Math.min(concurrency, opts.bound);
    const floors = [await floorSlice(parallel, FLOOR_SLICE_MS, opts.salt)];
    const latencies: number[] = [];
    const failures: Record<string, number> = {};
    const cpu: CpuUse[] = [];
    let elapsedMs = 0;
    const sampler = sampleRss(opts.webPid);
    for (let slice = 0; slice < SLICES; slice++) {
      const before = opts.meter.snapshot();
      const r = await submitTips(opts.client, { concurrency, places: opts.places, durationMs: opts.durationMs / SLICES });
      cpu.push(CpuMeter.between(before, opts.meter.snapshot()));
      latencies.push(...r.latencies);
      for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
      elapsedMs += r.elapsedMs;
      floors.push(await floorSlice(parallel, FLOOR_SLICE_MS, opts.salt));
    }
    const maxRssKiB = sampler.stop();
    const { peakKiB } = memoryOf(opts.webPid);
    const floor = floorOf(parallel, floors);
    const perSecond = (latencies.length * 1000) / elapsedMs;
    levels.push({ concurrency, perSecond, latency: summarize(latencies), failures, floor, maxRssKiB, peakKiB, accepted: latencies.length, cpu: sumCpu(cpu) });
    const failed = Object.values(failures).reduce((a, b) => a + b, 0);
    const slices = floors.map((f) => ((f.times.length * 1000) / f.elapsedMs).toFixed(0)).join(", ");
    progress(`intake: ${concurrency} client${concurrency > 1 ? "s" : ""} → ${perSecond.toFixed(1)} tips/s against a floor of ${floor.perSecond.toFixed(1)}/s (slices ${slices}; ${latencies.length} accepted, ${failed} failed), RSS max ${(maxRssKiB / 1024).toFixed(0)} MB`);
  }
  return { single, idleRssKiB, levels };
}
