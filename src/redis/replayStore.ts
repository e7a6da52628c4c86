/**
 * Answers kept for a submission sent twice: the same form token (a second tap
 * on a slow connection, a reload after the connection dropped) or the same
 * API Idempotency-Key gets the answer the first one got, not an error and not
 * a second tip or a second follow-up message. The namespace of a claim says
 * what was submitted and so what its kept answer holds (KeptAnswer): a new tip
 * ("form", "api") keeps its receipt; a tipster's follow-up message
 * ("reply:<form|api>:<tip id>", scoped to the tip so that two tipsters' keys
 * never meet) keeps no answer: its done claim already says it was stored.
 *
 * Redis holds, under names derived from the token (crypto.deriveReplayKeys):
 *  - the claim, "p" while the first submission is being processed (until the
 *    end of the next minute, so a crash frees it) and "d" once it is done
 *    (until the token could no longer be used anyway);
 *  - the answer, encrypted under a key derived from the token (never stored),
 *    until the end of the hour it was given in, and deleted once it has been
 *    shown twice again.
 * Every expiry is a minute or hour boundary (PEXPIREAT): none dates a tip.
 *
 * While Redis cannot be written (down, out of memory, read-only), each web
 * process keeps the same claims and encrypted answers, with the same
 * expiries, in its own memory (as the rate limits do): a double tap that
 * reaches the same process still makes one tip and one receipt. A tap that
 * reaches another process then, or whose first claim was written to Redis
 * just before it failed, is not protected.
 */
import type { Redis } from "ioredis";
import { deriveReplayKeys, unwrapWithKey, utf8, wrapWithKey, type Bytes } from "../crypto/index.js";
import { bucketEnd } from "../time/coarse.js";

/** What a repeat of a new tip gets back: the first one's receipt. */
export interface TipAnswer {
  receipt: string;
  helpRequest: boolean;
}

/** Where a token is claimed: a new tip from the form or the API, or a follow-up message to one tip. */
export type ReplayNamespace = "form" | "api" | `reply:${string}`;

/**
 * The answer kept for the submissions of namespace `N`. A follow-up message keeps none: a repeat needs
 * only to know that the first was stored, which its claim ("d") says, so Redis holds one key less.
 */
export type KeptAnswer<N extends ReplayNamespace = ReplayNamespace> = N extends `reply:${string}` ? null : TipAnswer;

/** A claim that this request is the first with its token; settle or release it. */
export interface FirstClaim<N extends ReplayNamespace = ReplayNamespace> {
  state: "first";
  /** Its namespace, which decides the answer `settle` keeps. */
  ns: N;
  /** Where the claim is kept: Redis, or this process's memory while Redis cannot be written. */
  kept: "redis" | "memory";
  id: string;
  key: Bytes;
}

export type Claim<N extends ReplayNamespace = ReplayNamespace> =
  | FirstClaim<N>
  | { state: "replay"; answer: KeptAnswer<N> }
  | { state: "pending" }
  | { state: "used" };

/** How many times a kept answer is shown again before it is deleted. */
export const REPLAYS = 2;
const POLL_MS = 250;
const LABEL = "replayed-answer";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Entries kept in memory before expired ones are swept out. */
const SWEEP_AT = 10_000;

/** A claim and its answer kept in this process while Redis cannot be written. */
interface LocalEntry {
  claim: "p" | "d";
  claimUntil: number;
  answer?: { sealed: string; shown: number; until: number };
}

export class ReplayStore {
  private readonly local = new Map<string, LocalEntry>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly secret: Bytes,
  ) {}

  private claimKey(id: string) {
    return `${this.prefix}:claim:${id}`;
  }

  private answerKey(id: string) {
    return `${this.prefix}:answer:${id}`;
  }

  /**
   * Claim `token` in namespace `ns`. A repeat waits up to `waitMs` for the
   * first one's answer while it is still being processed.
   */
  async claim<N extends ReplayNamespace>(ns: N, token: string, waitMs: number): Promise<Claim<N>> {
    const { id, key } = deriveReplayKeys(this.secret, `${ns}:${token}`);
    const pendingUntil = bucketEnd("minute", new Date(Date.now() + 60_000)).getTime();
    const deadline = Date.now() + waitMs;
    this.sweep();
    // Redis first, unless this process already holds the token's claim (made while Redis could not be written).
    if (!this.liveLocal(id)) {
      try {
        const first = await this.redis.set(this.claimKey(id), "p", "PXAT", pendingUntil, "NX");
        if (first === "OK") return { state: "first", ns, kept: "redis", id, key };
        for (;;) {
          const answer = (await this.takeAnswer<KeptAnswer<N>>(id, key)) ?? this.takeLocalAnswer<KeptAnswer<N>>(id, key);
          if (answer) return { state: "replay", answer };
          const claim = await this.redis.get(this.claimKey(id));
          // The first one crashed and its claim lapsed: this one is the first now.
          if (claim === null) return this.claim(ns, token, 0);
          if (claim === "d") {
            // The first may have settled between the two reads above (answer and claim change in one MULTI): look once more.
            const late = (await this.takeAnswer<KeptAnswer<N>>(id, key)) ?? this.takeLocalAnswer<KeptAnswer<N>>(id, key);
            return late ? { state: "replay", answer: late } : { state: "used" };
          }
          if (Date.now() >= deadline) return { state: "pending" };
          await sleep(POLL_MS);
        }
      } catch {
        // Redis cannot be asked or written: the same claim in this process's memory.
      }
    }
    return this.claimLocally(ns, id, key, pendingUntil, deadline);
  }

  /** This process's entry for `id`, unless both its claim and its answer have lapsed. */
  private liveLocal(id: string): LocalEntry | undefined {
    const e = this.local.get(id);
    const now = Date.now();
    if (e && e.claimUntil <= now && (!e.answer || e.answer.until <= now)) this.local.delete(id);
    return this.local.get(id);
  }

  private async claimLocally<N extends ReplayNamespace>(ns: N, id: string, key: Bytes, pendingUntil: number, deadline: number): Promise<Claim<N>> {
    if (!this.liveLocal(id)) {
      this.local.set(id, { claim: "p", claimUntil: pendingUntil });
      return { state: "first", ns, kept: "memory", id, key };
    }
    for (;;) {
      const answer = this.takeLocalAnswer<KeptAnswer<N>>(id, key);
      if (answer) return { state: "replay", answer };
      const entry = this.local.get(id);
      if (!entry || entry.claimUntil <= Date.now()) {
        this.local.set(id, { claim: "p", claimUntil: pendingUntil });
        return { state: "first", ns, kept: "memory", id, key };
      }
      if (entry.claim === "d") return { state: "used" };
      if (Date.now() >= deadline) return { state: "pending" };
      await sleep(POLL_MS);
    }
  }

  private takeLocalAnswer<A>(id: string, key: Bytes): A | null {
    const entry = this.liveLocal(id);
    const answer = entry?.answer;
    if (!answer || answer.until <= Date.now()) return null;
    if (++answer.shown >= REPLAYS) delete entry.answer;
    return this.open<A>(answer.sealed, key);
  }

  /** The kept answer, as its namespace's claim settled it (the key is derived from namespace and token). */
  private open<A>(sealed: string, key: Bytes): A | null {
    try {
      return JSON.parse(utf8.decode(unwrapWithKey(Buffer.from(sealed, "base64"), key, LABEL))) as A;
    } catch {
      return null;
    }
  }

  /** Expired entries out of memory once there are many. */
  private sweep(): void {
    if (this.local.size < SWEEP_AT) return;
    for (const id of [...this.local.keys()]) this.liveLocal(id);
  }

  private async takeAnswer<A>(id: string, key: Bytes): Promise<A | null> {
    const sealed = await this.redis.hget(this.answerKey(id), "a");
    if (!sealed) return null;
    // Counting the showing is a write: a Redis that refuses writes still shows the answer it holds.
    const shown = await this.redis.hincrby(this.answerKey(id), "n", 1).catch(() => 0);
    if (shown >= REPLAYS) await this.redis.del(this.answerKey(id)).catch(() => undefined);
    return this.open<A>(sealed, key);
  }

  /**
   * The first submission is done: keep its answer (encrypted; none for a namespace that keeps none) until
   * the end of this hour; the claim stays until `claimUntil`.
   */
  async settle<N extends ReplayNamespace>(claim: FirstClaim<N>, answer: KeptAnswer<N>, claimUntil: number): Promise<void> {
    const sealed = answer === null ? null : Buffer.from(wrapWithKey(utf8.encode(JSON.stringify(answer)), claim.key, LABEL)).toString("base64");
    const answerUntil = bucketEnd("hour").getTime();
    const doneUntil = Math.max(claimUntil, bucketEnd("minute").getTime());
    if (claim.kept === "redis") {
      const multi = this.redis.multi();
      if (sealed !== null) multi.hset(this.answerKey(claim.id), "a", sealed, "n", "0").pexpireat(this.answerKey(claim.id), answerUntil);
      const kept = await multi
        .set(this.claimKey(claim.id), "d", "PXAT", doneUntil)
        .exec()
        .then((results) => !!results && results.every(([err]) => !err), () => false);
      if (kept) return;
    }
    // Kept in memory (or Redis failed since the claim): a repeat reaching this process still gets the answer.
    this.local.set(claim.id, { claim: "d", claimUntil: doneUntil, ...(sealed === null ? {} : { answer: { sealed, shown: 0, until: answerUntil } }) });
  }

  /** Nothing was stored (refused or failed): the token may be used again. */
  async release(claim: FirstClaim): Promise<void> {
    this.local.delete(claim.id);
    if (claim.kept === "redis") await this.redis.del(this.claimKey(claim.id)).catch(() => undefined);
  }
}
