/**
 * The rate-limit counters (src/redis/alignedWindowStore.ts) against the real
 * Redis: counts per key, expiry at the window's end, the script sent by its
 * SHA and sent whole again when Redis does not know it (after a restart or a
 * SCRIPT FLUSH, shown here by a client that answers NOSCRIPT once), and a
 * pair of limits counted in one round trip as two limiters would count them.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { AlignedWindowStore } from "../../src/redis/alignedWindowStore.js";
import { bucketEnd } from "../../src/time/coarse.js";
import { services } from "../support/services.js";

describe("rate-limit store: clock-aligned counters in Redis", () => {
  let redis: Redis;
  let prefix: string;
  before(() => {
    redis = new Redis(services().redisUrl);
    prefix = `${services().redisPrefix}:rltest:${randomBytes(4).toString("hex")}:`;
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it("when a key is hit three times, then it counts 1, 2, 3 and expires at the end of its minute", async () => {
    const store = new AlignedWindowStore(redis, prefix, "minute");
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push((await store.increment("a")).totalHits);
    assert.deepEqual(hits, [1, 2, 3]);
    const expiry = await redis.pexpiretime(`${prefix}a`);
    assert.ok(Math.abs(expiry - bucketEnd("minute").getTime()) <= 60_000, `expiry ${expiry}`);
  });

  it("when Redis answers NOSCRIPT, then the script is sent whole and counting goes on in Redis; another error counts in memory", async () => {
    let noscript = 1;
    const sent: string[] = [];
    const flaky = new Proxy(redis, {
      get(target, name, receiver) {
        if (name === "evalsha")
          return (...args: unknown[]) => {
            sent.push("evalsha");
            if (noscript-- > 0) return Promise.reject(new Error("NOSCRIPT No matching script. Please use EVAL."));
            return (target.evalsha as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        if (name === "eval") return (...args: unknown[]) => (sent.push("eval"), (target.eval as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        return Reflect.get(target, name, receiver);
      },
    });
    const degraded: boolean[] = [];
    const store = new AlignedWindowStore(flaky, prefix, "hour", (d) => degraded.push(d));
    assert.equal((await store.increment("b")).totalHits, 1);
    assert.equal((await store.increment("b")).totalHits, 2);
    assert.deepEqual(sent, ["evalsha", "eval", "evalsha"]);
    assert.equal(await redis.get(`${prefix}b`), "2");
    assert.equal(degraded.length, 0);

    const broken = new Proxy(redis, { get: (t, n, r) => (n === "evalsha" ? () => Promise.reject(new Error("READONLY You can't write against a read only replica.")) : Reflect.get(t, n, r)) });
    const local = new AlignedWindowStore(broken, prefix, "hour", (d) => degraded.push(d));
    assert.equal((await local.increment("c")).totalHits, 1);
    assert.equal((await local.increment("c")).totalHits, 2);
    assert.deepEqual(degraded, [true]);
    assert.equal(await redis.get(`${prefix}c`), null);
  });

  it("when a pair is counted, then both counters move in one call with their own windows, and the second stops while the first is over its limit", async () => {
    const calls: string[] = [];
    const counting = new Proxy(redis, { get: (t, n, r) => (n === "evalsha" || n === "eval" ? (calls.push(String(n)), Reflect.get(t, n, r)) : Reflect.get(t, n, r)) });
    const everyone = new AlignedWindowStore(counting, `${prefix}all:`, "minute");
    const client = new AlignedWindowStore(counting, `${prefix}one:`, "hour");
    const counts = [];
    for (let i = 0; i < 3; i++) {
      const [first, second] = await everyone.incrementPair("all", 2, client, "x");
      counts.push([first.totalHits, second?.totalHits]);
    }
    assert.deepEqual(counts, [[1, 1], [2, 2], [3, undefined]]);
    assert.equal(calls.length, 3, "one script call per pair");
    assert.equal(await redis.get(`${prefix}one:x`), "2", "the client's counter is not touched once everyone's is over");
    assert.ok(Math.abs((await redis.pexpiretime(`${prefix}all:all`)) - bucketEnd("minute").getTime()) <= 60_000);
    assert.ok(Math.abs((await redis.pexpiretime(`${prefix}one:x`)) - bucketEnd("hour").getTime()) <= 3_600_000);

    const broken = new Proxy(redis, { get: (t, n, r) => (n === "evalsha" ? () => Promise.reject(new Error("READONLY You can't write against a read only replica.")) : Reflect.get(t, n, r)) });
    const degraded: string[] = [];
    const localEveryone = new AlignedWindowStore(broken, `${prefix}all2:`, "minute", (d) => degraded.push(`everyone ${d}`));
    const localClient = new AlignedWindowStore(broken, `${prefix}one2:`, "hour", (d) => degraded.push(`client ${d}`));
    const local = [];
    for (let i = 0; i < 3; i++) {
      const [first, second] = await localEveryone.incrementPair("all", 2, localClient, "x");
      local.push([first.totalHits, second?.totalHits]);
    }
    assert.deepEqual(local, [[1, 1], [2, 2], [3, undefined]], "counted in memory the same way");
    assert.deepEqual(degraded, ["everyone true", "client true"]);
  });
});
