/**
 * The chaos run's tipsters: a few lanes, each sending one tip after another
 * over its own keep-alive connection from a new client address every time
 * (X-Forwarded-For; the web role trusts loopback proxies, so each tip counts
 * against its own per-client limit). Every tip carries a marker in its
 * description (read back later by decrypting what was stored) and an
 * Idempotency-Key; like a phone app, a lane sends the same tip again with the
 * same key after a 503, a 409 "still sending" or a dropped connection, until
 * it gets an answer or RETRY_BUDGET_MS has passed. One tip in ten is first
 * sent twice at once (a second tap), which must still make one tip.
 */
import { randomBytes, randomInt } from "node:crypto";
import { HttpClient } from "../client.js";
import { address, tipBody, type Place } from "../load.js";
import { sleep } from "../measure.js";

const RETRY_BUDGET_MS = 20_000;
const DOUBLE_TAP_EVERY = 10;

export interface Sent {
  marker: string;
  /** The final answer: a status, or the last network error's code. */
  outcome: string;
  /** When the 201 arrived (Date.now()). */
  acceptedAt?: number;
  receipt?: string;
}

export interface LoadTally {
  tips: Sent[];
  /** Every answer (retries too), by status. */
  statuses: Record<string, number>;
  /** Requests that got no answer, by error code. */
  networkErrors: Record<string, number>;
  /** Tips sent twice at once with the same Idempotency-Key, and how many of those got two different receipts. */
  doubleTaps: number;
  doubleTapsWithTwoReceipts: number;
}

export class Load {
  readonly tally: LoadTally = { tips: [], statuses: {}, networkErrors: {}, doubleTaps: 0, doubleTapsWithTwoReceipts: 0 };
  /** The second tap's own connection. */
  private readonly twin: HttpClient;
  private running = true;
  private readonly lanes: Promise<void>[];
  private n = 0;

  constructor(
    private readonly url: string,
    private readonly places: Place[],
    private readonly label: string,
    lanes: number,
    /** Each lane starts a tip at most this often, which bounds the load (the tip limits stay out of the way). */
    private readonly laneIntervalMs: number,
  ) {
    this.twin = new HttpClient(url, lanes);
    this.lanes = Array.from({ length: lanes }, () => this.lane());
  }

  /** Stop sending new tips; resolves when every lane has its last answer. */
  async stop(): Promise<LoadTally> {
    this.running = false;
    await Promise.all(this.lanes);
    this.twin.close();
    return this.tally;
  }

  /** The time of the first 201 that arrived after `t`, if any yet. */
  firstAcceptedAfter(t: number): number | undefined {
    let first: number | undefined;
    for (const s of this.tally.tips) if (s.acceptedAt !== undefined && s.acceptedAt >= t && (first === undefined || s.acceptedAt < first)) first = s.acceptedAt;
    return first;
  }

  private async lane(): Promise<void> {
    // One client per lane: one keep-alive socket, reused while the server keeps it.
    const client = new HttpClient(this.url, 1);
    try {
      while (this.running) {
        const started = Date.now();
        await this.one(client);
        await sleep(Math.max(0, this.laneIntervalMs - (Date.now() - started)));
      }
    } finally {
      client.close();
    }
  }

  private async one(client: HttpClient): Promise<void> {
    const marker = `CHAOS-${this.label}-${++this.n}`;
    const sent: Sent = { marker, outcome: "none" };
    this.tally.tips.push(sent);
    const place = this.places[randomInt(this.places.length)]!;
    const body = tipBody(place, marker);
    const headers = { "x-forwarded-for": address(), accept: "application/json", "idempotency-key": randomBytes(18).toString("base64url") };
    const until = Date.now() + RETRY_BUDGET_MS;
    // Every DOUBLE_TAP_EVERY-th tip is first sent twice at once (a second tap), on a second connection.
    let twin = this.n % DOUBLE_TAP_EVERY === 0 ? this.twin : undefined;
    for (;;) {
      let wait = 500;
      try {
        const [reply, second] = await Promise.all([
          client.request("POST", "/api/v1/tips", { headers, json: body }),
          twin?.request("POST", "/api/v1/tips", { headers, json: body }).catch(() => undefined),
        ]);
        twin = undefined;
        for (const r of second ? [reply, second] : [reply]) this.tally.statuses[r.status] = (this.tally.statuses[r.status] ?? 0) + 1;
        if (second) {
          this.tally.doubleTaps++;
          const receipts = [reply, second].filter((r) => r.status === 201).map((r) => (JSON.parse(r.body) as { receipt: string }).receipt);
          if (new Set(receipts).size > 1) this.tally.doubleTapsWithTwoReceipts++;
          if (process.env.CHAOS_DEBUG && (reply.status !== 201 || second.status !== 201)) process.stderr.write(`double tap: ${reply.status} ${reply.body} / ${second.status} ${second.body}\n`);
        }
        const status = String(reply.status);
        sent.outcome = status;
        if (reply.status === 201) {
          sent.acceptedAt = Date.now();
          sent.receipt = (JSON.parse(reply.body) as { receipt: string }).receipt;
          return;
        }
        if (reply.status !== 503 && reply.status !== 409) return;
        wait = Math.min(2_000, 1000 * Number(reply.headers["retry-after"] ?? 1));
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).message;
        this.tally.networkErrors[code] = (this.tally.networkErrors[code] ?? 0) + 1;
        sent.outcome = code;
      }
      if (Date.now() + wait > until) return;
      await sleep(wait);
    }
  }
}
