/**
 * 1. Intake and 5. Memory: tips per second and latency at several numbers of
 * concurrent clients, against the floor — the same argon2id receipt
 * derivation alone, with the same parameters and the same concurrency bound,
 * in this process while the app is idle — and the web process's RSS per level.
 */
import * as crypto from "../../src/crypto/index.js";
import type { HttpClient } from "../client.js";
import { memoryOf, sampleRss } from "../children.js";
import { submitTips, type Place } from "../load.js";
import { now, progress, summarize, type Summary } from "../measure.js";

export interface Floor {
  parallel: number;
  perSecond: number;
  latency: Summary;
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
}

export interface IntakeResult {
  single: Floor;
  bounded: Floor;
  idleRssKiB: number;
  levels: IntakeLevel[];
}

/** Receipt derivations alone: `parallel` callers one after the other for `durationMs` (the argon2 gate bounds them as in the app). */
export async function derivationFloor(parallel: number, durationMs: number, salt: crypto.Bytes): Promise<Floor> {
  const derive = () => crypto.deriveReceiptKeys(crypto.normalizeReceipt(crypto.generateReceipt())!, salt);
  for (let i = 0; i < 3; i++) await derive();
  const times: number[] = [];
  const start = now();
  const until = start + durationMs;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (now() < until) {
        const t = now();
        await derive();
        times.push(now() - t);
      }
    }),
  );
  return { parallel, perSecond: (times.length * 1000) / (now() - start), latency: summarize(times) };
}

export async function intake(opts: { client: HttpClient; places: Place[]; webPid: number; levels: number[]; durationMs: number; bound: number; salt: crypto.Bytes }): Promise<IntakeResult> {
  const idleRssKiB = memoryOf(opts.webPid).rssKiB;
  progress(`intake: web process idle RSS ${(idleRssKiB / 1024).toFixed(0)} MB; measuring the argon2 floor`);
  const single = await derivationFloor(1, 3000, opts.salt);
  const bounded = opts.bound > 1 ? await derivationFloor(opts.bound, 4000, opts.salt) : single;
  progress(`intake: floor ${single.perSecond.toFixed(1)}/s one at a time (one derivation p50 ${single.latency.p50.toFixed(1)} ms), ${bounded.perSecond.toFixed(1)}/s with ${opts.bound} at once`);

  const warm = await submitTips(opts.client, { concurrency: 2, places: opts.places, durationMs: 1500 });
  if (warm.latencies.length === 0) throw new Error(`no tip was accepted during the warm-up: ${JSON.stringify(warm.failures)}`);

  const levels: IntakeLevel[] = [];
  for (const concurrency of opts.levels) {
    const sampler = sampleRss(opts.webPid);
    const r = await submitTips(opts.client, { concurrency, places: opts.places, durationMs: opts.durationMs });
    const maxRssKiB = sampler.stop();
    const { peakKiB } = memoryOf(opts.webPid);
    const floor = Math.min(concurrency, opts.bound) > 1 ? bounded : single;
    levels.push({ concurrency, perSecond: r.perSecond, latency: summarize(r.latencies), failures: r.failures, floor, maxRssKiB, peakKiB });
    const failed = Object.values(r.failures).reduce((a, b) => a + b, 0);
    progress(`intake: ${concurrency} clients → ${r.perSecond.toFixed(1)} tips/s (${r.latencies.length} accepted, ${failed} failed), RSS max ${(maxRssKiB / 1024).toFixed(0)} MB`);
  }
  return { single, bounded, idleRssKiB, levels };
}
