/**
 * Answers kept for a submission sent twice: the same form token (a second tap
 * on a slow connection, a reload after the connection dropped) or the same
 * API Idempotency-Key gets the receipt the first one got, not an error and not
 * a second tip.
 *
 * Redis holds, under names derived from the token (crypto.deriveReplayKeys):
 *  - the claim, "p" while the first submission is being processed (until the
 *    end of the next minute, so a crash frees it) and "d" once it is done
 *    (until the token could no longer be used anyway);
 *  - the answer, encrypted under a key derived from the token (never stored),
 *    until the end of the hour it was given in, and deleted once it has been
 *    shown twice again.
 * Every expiry is a minute or hour boundary (PEXPIREAT): none dates a tip.
 */
import type { Redis } from "ioredis";
import { deriveReplayKeys, unwrapWithKey, utf8, wrapWithKey, type Bytes } from "../crypto/index.js";
import { bucketEnd } from "../time/coarse.js";

export interface KeptAnswer {
  receipt: string;
  helpRequest: boolean;
}

/** A claim that this request is the first with its token; settle or release it. */
export interface FirstClaim {
  state: "first";
  /** False when Redis could not be asked: the submission goes ahead unprotected rather than being lost. */
  protected: boolean;
  id: string;
  key: Bytes;
}

export type Claim = FirstClaim | { state: "replay"; answer: KeptAnswer } | { state: "pending" } | { state: "used" };

/** How many times a kept answer is shown again before it is deleted. */
export const REPLAYS = 2;
const POLL_MS = 250;
const LABEL = "replayed-answer";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ReplayStore {
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
   * Claim `token` (in namespace `ns`: "form" or "api"). A repeat waits up to
   * `waitMs` for the first one's answer while it is still being processed.
   */
  async claim(ns: string, token: string, waitMs: number): Promise<Claim> {
    const { id, key } = deriveReplayKeys(this.secret, `${ns}:${token}`);
    const pendingUntil = bucketEnd("minute", new Date(Date.now() + 60_000)).getTime();
    try {
      const first = await this.redis.set(this.claimKey(id), "p", "PXAT", pendingUntil, "NX");
      if (first === "OK") return { state: "first", protected: true, id, key };
      const deadline = Date.now() + waitMs;
      for (;;) {
        const answer = await this.takeAnswer(id, key);
        if (answer) return { state: "replay", answer };
        const claim = await this.redis.get(this.claimKey(id));
        // The first one crashed and its claim lapsed: this one is the first now.
        if (claim === null) return this.claim(ns, token, 0);
        if (claim === "d") return { state: "used" };
        if (Date.now() >= deadline) return { state: "pending" };
        await sleep(POLL_MS);
      }
    } catch {
      return { state: "first", protected: false, id, key };
    }
  }

  private async takeAnswer(id: string, key: Bytes): Promise<KeptAnswer | null> {
    const sealed = await this.redis.hget(this.answerKey(id), "a");
    if (!sealed) return null;
    const shown = await this.redis.hincrby(this.answerKey(id), "n", 1);
    if (shown >= REPLAYS) await this.redis.del(this.answerKey(id));
    try {
      return JSON.parse(utf8.decode(unwrapWithKey(Buffer.from(sealed, "base64"), key, LABEL))) as KeptAnswer;
    } catch {
      return null;
    }
  }

  /** The first submission is done: keep its answer (encrypted) until the end of this hour; the claim stays until `claimUntil`. */
  async settle(claim: FirstClaim, answer: KeptAnswer, claimUntil: number): Promise<void> {
    if (!claim.protected) return;
    const sealed = Buffer.from(wrapWithKey(utf8.encode(JSON.stringify(answer)), claim.key, LABEL)).toString("base64");
    await this.redis
      .multi()
      .hset(this.answerKey(claim.id), "a", sealed, "n", "0")
      .pexpireat(this.answerKey(claim.id), bucketEnd("hour").getTime())
      .set(this.claimKey(claim.id), "d", "PXAT", Math.max(claimUntil, bucketEnd("minute").getTime()))
      .exec()
      .catch(() => undefined);
  }

  /** Nothing was stored (refused or failed): the token may be used again. */
  async release(claim: FirstClaim): Promise<void> {
    if (claim.protected) await this.redis.del(this.claimKey(claim.id)).catch(() => undefined);
  }
}
