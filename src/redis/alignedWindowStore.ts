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
      const hits = Number(await this.incr(this.prefix + key, String(end)));
      if (this.degraded) {
        this.degraded = false;
        this.local.clear();
        this.onDegraded(false);
      }
      return { totalHits: hits, resetTime: new Date(end) };
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.onDegraded(true, err);
      }
      return { totalHits: this.countLocally(key, end), resetTime: new Date(end) };
    }
  }

  private async incr(key: string, end: string): Promise<unknown> {
    try {
      return await this.redis.evalsha(INCREMENT_SHA, 1, key, end);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith("NOSCRIPT")) throw err;
      return this.redis.eval(INCREMENT, 1, key, end);
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
