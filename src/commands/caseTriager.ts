/**
 * caseTriager: the liaison's decision on a tip — actionable, a duplicate of
 * another case, not actionable (with a reason), or needs more information (a
 * question goes to the tipster, who has NEEDS_INFO_WAIT_DAYS to answer). An
 * actionable case gets the forwarding deadline (urgent cases a shorter one).
 * Reasons and questions are encrypted like tip content.
 */
import { and, eq } from "drizzle-orm";
import { caseScope } from "../cases/caseQueries.js";
import { addEncryptedItem } from "../cases/caseNotes.js";
import { forwardDeadline, needsInfoDeadline } from "../cases/deadlines.js";
import { statusAfterTriage, type NotActionableReason, type TriageOutcome } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import { tips } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { moveCase, type MoveOptions } from "./caseMover.js";

export interface TriageInput {
  outcome: TriageOutcome;
  /** Required for not_actionable: why, as a code the statistics count (false_or_malicious is the misuse rate). */
  reasonCode?: NotActionableReason;
  duplicateOfId?: string;
  /** Why it is not actionable, or the question for the tipster. */
  text?: string;
}

export async function triageCase(ctx: AppContext, actor: Actor, tipId: string, input: TriageInput, opts: MoveOptions = {}) {
  if ((input.outcome === "not_actionable" || input.outcome === "needs_info") && !input.text?.trim()) throw invalidInput("invalid_triage", { text: "errors.required" });
  if (input.outcome === "not_actionable" && !input.reasonCode) throw invalidInput("invalid_triage", { reasonCode: "errors.required" });
  return moveCase(
    ctx,
    actor,
    tipId,
    "triage",
    async (tip, tx) => {
      if (input.outcome === "duplicate") {
        // Only a case this person may see can be the original: otherwise the answer would tell whether an id exists elsewhere.
        const [original] = input.duplicateOfId ? await tx.select({ id: tips.id }).from(tips).where(and(eq(tips.id, input.duplicateOfId), caseScope(actor))) : [];
        if (!original || original.id === tip.id) throw invalidInput("invalid_triage", { duplicateOfId: "errors.invalid_duplicate" });
      }
      const status = statusAfterTriage(input.outcome);
      const now = new Date();
      return {
        status,
        set: {
          triageOutcome: input.outcome,
          notActionableReason: input.outcome === "not_actionable" ? input.reasonCode : null,
          triagedAt: tip.triagedAt ?? now,
          duplicateOfId: input.outcome === "duplicate" ? input.duplicateOfId : null,
          closedAt: status === "closed" ? now : null,
          assigneeId: tip.assigneeId ?? actor.id,
        },
        // Actionable: the forwarding clock (help requests are referred, not forwarded); needs info: the wait
        // for the tipster's answer, after which the case returns to the liaison; closed: no clock.
        deadline:
          status === "actionable" && tip.category !== "help_request"
            ? forwardDeadline(ctx.config, now, tip.urgent)
            : status === "needs_info"
              ? needsInfoDeadline(ctx.config, now)
              : null,
        details: { outcome: input.outcome, ...(input.reasonCode ? { reasonCode: input.reasonCode } : {}), ...(input.duplicateOfId ? { duplicateOfId: input.duplicateOfId } : {}) },
        also: async (t) => {
          if (!input.text?.trim()) return;
          const isQuestion = input.outcome === "needs_info";
          await addEncryptedItem(t, { tipId, tipPublicKey: tip.publicKey, kind: isQuestion ? "message" : "note", author: "staff", authorId: actor.id, body: { text: input.text.trim(), purpose: isQuestion ? "question" : "triage_reason" } });
        },
      };
    },
    opts,
  );
}
