/**
 * One submission per token, for every kind of submission a tipster can send
 * twice (a new tip from the form or the API, a follow-up message): the first
 * submission with a token does the work and keeps its answer (a tip's receipt,
 * encrypted; a message keeps none, its done claim says enough: see
 * redis/replayStore.ts); a repeat gets that same answer, or waits for it while
 * the first one is still being processed. A refused or failed submission frees
 * the token, so the tipster can correct a field and send again.
 */
import type { AppContext } from "../context.js";
import type { KeptAnswer, ReplayNamespace } from "../redis/replayStore.js";

/** How long a repeated submission waits for the first one's answer while that one is still being processed. */
export const REPLAY_WAIT_MS = 25_000;

/** The token of a submission: its namespace, the token itself and when its claim may lapse (epoch ms, an hour or minute boundary). */
export interface Once<N extends ReplayNamespace> {
  ns: N;
  token: string;
  claimUntil: number;
}

/** What the work of a first submission gives: the answer to keep, or field errors (locale keys; nothing was stored). */
export type Submitted<A> = { ok: true; answer: A } | { ok: false; fields: Record<string, string> };

export type OnceResult<A> =
  | ({ kind: "created" | "replayed" } & A)
  | { kind: "invalid"; fields: Record<string, string> }
  /** The first submission with this token is still being processed after REPLAY_WAIT_MS. */
  | { kind: "pending" }
  /** The token was used and its answer is no longer kept. */
  | { kind: "used" };

/** Run `submit` once per token in `once.ns`; a repeat gets the first one's answer. */
export async function submitOnce<N extends ReplayNamespace>(
  ctx: AppContext,
  once: Once<N>,
  submit: () => Promise<Submitted<KeptAnswer<N>>>,
): Promise<OnceResult<KeptAnswer<N>>> {
  const claim = await ctx.replays.claim(once.ns, once.token, REPLAY_WAIT_MS);
  if (claim.state === "replay") return { kind: "replayed", ...claim.answer };
  if (claim.state !== "first") return { kind: claim.state };
  let result: Submitted<KeptAnswer<N>>;
  try {
    result = await submit();
  } catch (err) {
    await ctx.replays.release(claim);
    throw err;
  }
  if (!result.ok) {
    await ctx.replays.release(claim);
    return { kind: "invalid", fields: result.fields };
  }
  await ctx.replays.settle(claim, result.answer, once.claimUntil);
  return { kind: "created", ...result.answer };
}
