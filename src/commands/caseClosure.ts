/**
 * Ending and reopening cases: a help request is resolved by referring the
 * person (never by the police); a resolved case is closed by the Youth Union;
 * a closed case is reopened by an administrator, with a reason.
 */
import { addEncryptedItem } from "../cases/caseNotes.js";
import { triageDeadline } from "../cases/deadlines.js";
import { HELP_OUTCOMES } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import { HttpError, invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { moveCase, type MoveOptions } from "./caseMover.js";

export async function referHelpRequest(ctx: AppContext, actor: Actor, tipId: string, outcome: string, opts: MoveOptions = {}) {
  if (!(HELP_OUTCOMES as readonly string[]).includes(outcome)) throw invalidInput("invalid_outcome", { outcome: "errors.invalid_outcome" });
  return moveCase(ctx, actor, tipId, "refer", (tip) => {
    if (tip.category !== "help_request") throw new HttpError(409, "not_a_help_request", "errors.not_a_help_request");
    return { status: "resolved", set: { outcome, referred: outcome !== "not_referred", resolvedAt: new Date() }, deadline: null, details: { outcome } };
  }, opts);
}

export async function closeCase(ctx: AppContext, actor: Actor, tipId: string, opts: MoveOptions = {}) {
  return moveCase(ctx, actor, tipId, "close", () => ({ status: "closed", set: { closedAt: new Date() }, deadline: null }), opts);
}

export async function reopenCase(ctx: AppContext, actor: Actor, tipId: string, reason: string, opts: MoveOptions = {}) {
  if (!reason.trim()) throw invalidInput("invalid_reopen", { reason: "errors.required" });
  return moveCase(ctx, actor, tipId, "reopen", (tip) => {
    const now = new Date();
    return {
      status: "assigned",
      // triagedAt keeps the first triage, so the time-to-triage statistics stay true.
      set: { closedAt: null, resolvedAt: null, outcome: null, triageOutcome: null },
      deadline: triageDeadline(ctx.config, now, tip.urgent),
      notify: tip.assigneeId ? [{ userId: tip.assigneeId, tipId, kind: "case_reopened" as const, urgent: tip.urgent }] : [],
      also: async (tx) => void (await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "note", author: "staff", authorId: actor.id, body: { text: reason.trim(), purpose: "reopen_reason" } })),
    };
  }, opts);
}
