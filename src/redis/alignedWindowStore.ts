/**
 * The rate-limit counters: fixed windows aligned to the clock (the minute or
 * the hour), so a counter's expiry is the end of its window (PEXPIREAT) and
 * says nothing about when its first request came; a window that starts at the
 * first request would date it for the whole window ("now − (ttl − PTTL)").
 *
 * Counters live in Redis, shared by every web process. When Redis cannot
 * count (unreachable, out of memory, read-only), each process counts the same
 * keys with the same limits in its own memory until Redis answers again: the
 * limits hold per process instead of failing open.
 */
import { createHash } from "node:crypto";
import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";
import type { Redis } from "ioredis";
import { bucketEnd, type Granularity } from "../time/coarse.js";

/** INCR, and give a new (or expiry-less) counter the end of its window as its expiry. */
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return n`;
/** Sent as EVALSHA: Redis neither receives nor hashes the script's text on every tip (EVAL again after a SCRIPT FLUSH or a restart). */
const INCREMENT_SHA = createHash("sha1").update(INCREMENT).digest("hex");
/**
 * INCREMENT on KEYS[1] (expiring at ARGV[1]) and, only while that count is within ARGV[3], on KEYS[2] (expiring at
 * ARGV[2]): two limiters one after the other in one round trip. Both keys are under REDIS_PREFIX, one hash slot in a Cluster.
 */
const INCREMENT_PAIR = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[3]) then return {n} end
local m = redis.call('INCR', KEYS[2])
if m == 1 or redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end
return {n, m}`;
const INCREMENT_PAIR_SHA = createHash("sha1").update(INCREMENT_PAIR).digest("hex");

/** Entries kept in memory before expired ones are swept out. */
const SWEEP_AT = 10_000;

export class AlignedWindowStore implements Store {
  /** Counters used while Redis is unavailable: key → hits in the window ending at `end`. */
  private readonly local = new Map<string, { hits: number; end: number }>();
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    private readonly window: Granularity,
    private readonly onDegraded: (degraded: boolean, err?: unknown) => void = () => undefined,
  ) {}

  init(_options: Options): void {}

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const end = bucketEnd(this.window).getTime();
    try {
      const hits = Number(await this.script(INCREMENT_SHA, INCREMENT, [this.prefix + key], [String(end)]));
      this.counted();
      return { totalHits: hits, resetTime: new Date(end) };
    } catch (err) {
      this.failed(err);
      return { totalHits: this.countLocally(key, end), resetTime: new Date(end) };
    }
  }

  /**
   * increment(key) here and, while that count is within `limit`, then(otherKey) in `then`, in one Redis round
   * trip: what two rate limiters one after the other count. The second is undefined when the first is over its limit.
   */
  async incrementPair(key: string, limit: number, then: AlignedWindowStore, otherKey: string): Promise<[ClientRateLimitInfo, ClientRateLimitInfo | undefined]> {
    const end = bucketEnd(this.window).getTime();
    const otherEnd = bucketEnd(then.window).getTime();
    try {
      const keys = [this.prefix + key, then.prefix + otherKey];
      const hits = (await this.script(INCREMENT_PAIR_SHA, INCREMENT_PAIR, keys, [String(end), String(otherEnd), String(limit)])) as unknown[];
      this.counted();
      then.counted();
      const first = { totalHits: Number(hits[0]), resetTime: new Date(end) };
      return [first, hits.length > 1 ? { totalHits: Number(hits[1]), resetTime: new Date(otherEnd) } : undefined];
    } catch (err) {
      this.failed(err);
      then.failed(err);
      const first = { totalHits: this.countLocally(key, end), resetTime: new Date(end) };
      return [first, first.totalHits > limit ? undefined : { totalHits: then.countLocally(otherKey, otherEnd), resetTime: new Date(otherEnd) }];
    }
  }

  /** Redis counted: leave the in-memory counting if it was on. */
  private counted(): void {
    if (this.degraded) {
      this.degraded = false;
      this.local.clear();
      this.onDegraded(false);
    }
  }

  private failed(err: unknown): void {
    if (!this.degraded) {
      this.degraded = true;
      this.onDegraded(true, err);
    }
  }

  private async script(sha: string, text: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith("NOSCRIPT")) throw err;
      return this.redis.eval(text, keys.length, ...keys, ...args);
    }
  }

  private countLocally(key: string, end: number): number {
    if (this.local.size >= SWEEP_AT) for (const [k, v] of this.local) if (v.end <= Date.now()) this.local.delete(k);
    const entry = this.local.get(key);
    if (!entry || entry.end !== end) {
      this.local.set(key, { hits: 1, end });
      return 1;
    }
    return ++entry.hits;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const end = bucketEnd(this.window).getTime();
    try {
      const hits = await this.redis.get(this.prefix + key);
      return hits === null ? undefined : { totalHits: Number(hits), resetTime: new Date(end) };
    } catch {
      const entry = this.local.get(key);
      return entry && entry.end === end ? { totalHits: entry.hits, resetTime: new Date(end) } : undefined;
    }
  }

  async decrement(key: string): Promise<void> {
    const entry = this.local.get(key);
    if (entry && entry.hits > 0) entry.hits--;
    await this.redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0", 1, this.prefix + key).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    this.local.delete(key);
    await this.redis.del(this.prefix + key).catch(() => undefined);
  }
}
