/**
 * Ending and reopening cases: a help request is resolved by referring the
 * person (never by the police); a resolved case is closed by the Youth Union;
 * a closed case is reopened by an administrator, with a reason.
 */
import { eq } from "drizzle-orm";
import { addEncryptedItem } from "../cases/caseNotes.js";
import { triageDeadline } from "../cases/deadlines.js";
import { HELP_OUTCOMES } from "../cases/workflow.js";
import type { ServiceKind } from "../help/directory.js";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema.js";
import { HttpError, invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { moveCase, type MoveOptions } from "./caseMover.js";

/**
 * Resolve a help request by its referral. `serviceKind` names the kind of
 * service (counselling, methadone, voluntary_rehab, community_rehab); a
 * counselling referral without one counts as counselling.
 */
export async function referHelpRequest(ctx: AppContext, actor: Actor, tipId: string, outcome: string, opts: MoveOptions = {}, serviceKind?: ServiceKind) {
  if (!(HELP_OUTCOMES as readonly string[]).includes(outcome)) throw invalidInput("invalid_outcome", { outcome: "errors.invalid_outcome" });
  if (serviceKind && outcome === "not_referred") throw invalidInput("invalid_outcome", { serviceKind: "errors.service_kind_without_referral" });
  if (serviceKind && outcome === "referred_counselling" && serviceKind !== "counselling") throw invalidInput("invalid_outcome", { serviceKind: "errors.invalid_service_kind" });
  if (serviceKind === "counselling" && outcome === "referred_treatment") throw invalidInput("invalid_outcome", { serviceKind: "errors.invalid_service_kind" });
  const referralKind = outcome === "not_referred" ? null : (serviceKind ?? (outcome === "referred_counselling" ? "counselling" : null));
  return moveCase(ctx, actor, tipId, "refer", (tip) => {
    if (tip.category !== "help_request") throw new HttpError(409, "not_a_help_request", "errors.not_a_help_request");
    return { status: "resolved", set: { outcome, referred: outcome !== "not_referred", referralKind, resolvedAt: new Date() }, deadline: null, details: { outcome, referralKind } };
  }, opts);
}

export async function closeCase(ctx: AppContext, actor: Actor, tipId: string, opts: MoveOptions = {}) {
  return moveCase(ctx, actor, tipId, "close", () => ({ status: "closed", set: { closedAt: new Date() }, deadline: null }), opts);
}

export async function reopenCase(ctx: AppContext, actor: Actor, tipId: string, reason: string, opts: MoveOptions = {}) {
  if (!reason.trim()) throw invalidInput("invalid_reopen", { reason: "errors.required" });
  return moveCase(ctx, actor, tipId, "reopen", async (tip, tx) => {
    const now = new Date();
    // Back to whoever had it, if they still can act; else to nobody: caseMover then keeps it "received"
    // and the next routing sweep gives it to a liaison of its district.
    const [holder] = tip.assigneeId ? await tx.select({ active: staffUsers.active }).from(staffUsers).where(eq(staffUsers.id, tip.assigneeId)) : [];
    const assigneeId = holder?.active ? tip.assigneeId : null;
    return {
      status: "assigned",
      // triagedAt keeps the first triage, so the time-to-triage statistics stay true. The triage decision goes
      // whole, its reason and duplicate link with it: a reason left behind would still count the case as
      // misuse ("false or malicious") while it no longer counts as triaged (migration 0016 forbids it).
      // The old result's quantities go with its outcome: a reopened case counts nothing until it has a new result.
      set: {
        assigneeId, closedAt: null, resolvedAt: null, outcome: null, triageOutcome: null, notActionableReason: null, duplicateOfId: null,
        referred: null, referralKind: null,
        plantsDestroyed: null, areaM2: null, peopleHandled: null, seizedGrams: null,
      },
      deadline: triageDeadline(ctx.config, now, tip.urgent),
      notify: assigneeId ? [{ userId: assigneeId, tipId, kind: "case_reopened" as const, urgent: tip.urgent }] : [],
      also: async (tx) => void (await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "note", author: "staff", authorId: actor.id, body: { text: reason.trim(), purpose: "reopen_reason" } })),
    };
  }, opts);
}
