/**
 * The case workflow: every state and every transition, in one place.
 *
 *   received ─assign→ assigned ─triage→ actionable ─forward→ forwarded ─acknowledge→ acknowledged
 *      │                │  ↑              │                                          │ verify
 *      │                │  └─(answer, or return when the wait ends)─ needs_info                                     ↓
 *      └──triage────────┴─→ closed (duplicate / not actionable)          verifying ─resolve→ resolved ─close→ closed
 *   help requests: actionable ─refer→ resolved (never forwarded to police)
 *   closed ─reopen (administrator, with a reason)→ assigned
 *
 * Each transition names the statuses it may start from and the status it
 * leads to; anything else is refused with 409 naming the current state.
 */
import { HttpError } from "../errors.js";
import type { CaseAction } from "../policies/index.js";

export const STATUSES = ["received", "assigned", "needs_info", "actionable", "forwarded", "acknowledged", "verifying", "resolved", "closed"] as const;
export type Status = (typeof STATUSES)[number];
export const OPEN_STATUSES: Status[] = ["received", "assigned", "needs_info", "actionable", "forwarded", "acknowledged", "verifying"];

export const TRIAGE_OUTCOMES = ["actionable", "duplicate", "needs_info", "not_actionable"] as const;
export type TriageOutcome = (typeof TRIAGE_OUTCOMES)[number];
/** Why a case is not actionable, as a code the statistics count (false_or_malicious is the misuse rate). */
export const NOT_ACTIONABLE_REASONS = ["insufficient", "out_of_scope", "false_or_malicious", "other"] as const;
export type NotActionableReason = (typeof NOT_ACTIONABLE_REASONS)[number];
export const POLICE_OUTCOMES = ["spot_eliminated", "plants_destroyed", "arrests_made", "nothing_found", "handed_over"] as const;
export const HELP_OUTCOMES = ["referred_counselling", "referred_treatment", "not_referred"] as const;
export type Outcome = (typeof POLICE_OUTCOMES)[number] | (typeof HELP_OUTCOMES)[number];

export type Transition = "assign" | "triage" | "forward" | "acknowledge" | "verify" | "extend" | "resolve" | "refer" | "close" | "reopen" | "answer" | "return";

interface Rule {
  from: readonly Status[];
  /** The policy action that guards it. */
  action: CaseAction;
}

export const RULES: Record<Transition, Rule> = {
  assign: { from: ["received", "assigned", "needs_info", "actionable"], action: "case.assign" },
  triage: { from: ["received", "assigned", "needs_info"], action: "case.triage" },
  forward: { from: ["actionable", "forwarded"], action: "case.forward" },
  acknowledge: { from: ["forwarded"], action: "case.acknowledge" },
  verify: { from: ["acknowledged"], action: "case.verify" },
  extend: { from: ["verifying"], action: "case.verify" },
  resolve: { from: ["acknowledged", "verifying"], action: "case.resolve" },
  refer: { from: ["actionable"], action: "case.triage" },
  close: { from: ["resolved"], action: "case.close" },
  reopen: { from: ["closed"], action: "case.reopen" },
  /** The tipster answered a question: back to the liaison's desk (not a staff action; no policy). */
  answer: { from: ["needs_info"], action: "case.view" },
  /** The tipster did not answer in time: back to the liaison for a decision (the deadline sweep; no policy). */
  return: { from: ["needs_info"], action: "case.view" },
};

/** The status a triage outcome leads to. */
export function statusAfterTriage(outcome: TriageOutcome): Status {
  return outcome === "actionable" ? "actionable" : outcome === "needs_info" ? "needs_info" : "closed";
}

export const illegalTransition = (current: string, transition: Transition) =>
  new HttpError(409, "illegal_transition", "errors.illegal_transition", undefined, { currentStatus: current, transition });

/** @throws HttpError 409 illegal_transition when `transition` cannot start from `current`. */
export function assertCanMove(current: string, transition: Transition): void {
  if (!(RULES[transition].from as readonly string[]).includes(current)) throw illegalTransition(current, transition);
}

/**
 * What the tipster is told: four plain words, never internal states, people or
 * units. The words only move forward: a case back on the liaison's desk after
 * the tipster answered a question (or reopened) was already looked at, so it
 * stays "in review", never "received" again.
 */
export function publicStatus(status: string, triaged = false): "received" | "in_review" | "forwarded" | "done" {
  if (status === "received" || status === "assigned") return triaged ? "in_review" : "received";
  if (status === "needs_info" || status === "actionable") return "in_review";
  if (status === "forwarded" || status === "acknowledged" || status === "verifying") return "forwarded";
  return "done";
}

export type PublicStatus = ReturnType<typeof publicStatus>;
const PUBLIC_ORDER: readonly PublicStatus[] = ["received", "in_review", "forwarded", "done"];

/**
 * The furthest of the words the tipster has had reason to read: the current state's and those of
 * every state the case reached before (from its history). A reopened case that was done stays
 * "done", one forwarded and sent back stays "forwarded": what they were told is never taken back.
 */
export function furthestPublicStatus(current: PublicStatus, reached: ReadonlyArray<string | null>, triaged = false): PublicStatus {
  let best = PUBLIC_ORDER.indexOf(current);
  for (const s of reached) if (s) best = Math.max(best, PUBLIC_ORDER.indexOf(publicStatus(s, triaged)));
  return PUBLIC_ORDER[best]!;
}
