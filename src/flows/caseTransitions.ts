/**
 * One case transition from a validated body: shared by the case API
 * (POST /api/v1/cases/:id/:transition) and the staff case page's forms.
 */
import type { Response } from "express";
import { HELP_OUTCOMES } from "../cases/workflow.js";
import { assignCase } from "../commands/caseAssigner.js";
import { closeCase, referHelpRequest, reopenCase } from "../commands/caseClosure.js";
import { forwardCase } from "../commands/caseForwarder.js";
import { acknowledgeCase, extendVerification, resolveCase, startVerifying } from "../commands/casePoliceWork.js";
import { triageCase } from "../commands/caseTriager.js";
import { triageAndForward } from "../commands/caseTriageForwarder.js";
import type { AppContext } from "../context.js";
import { invalidInput } from "../errors.js";
import { staffOf } from "../middlewares/staffSession.js";
import { transitionSchemas, type TransitionName } from "../validation/cases.js";
import { parseOrThrow } from "../validation/parse.js";

/** Run one transition from a validated body; shared by the API and the case page's forms. */
export async function runTransition(ctx: AppContext, res: Response, tipId: string, name: TransitionName, body: unknown) {
  const staff = staffOf(res);
  const { actor } = staff;
  const key = staff.session.privateKey;
  switch (name) {
    case "assign": {
      const b = parseOrThrow(transitionSchemas.assign, body, "invalid_transition");
      return assignCase(ctx, actor, tipId, b.assigneeId, { expectedVersion: b.version });
    }
    case "triage": {
      const b = parseOrThrow(transitionSchemas.triage, body, "invalid_transition");
      const triage = { outcome: b.outcome, duplicateOfId: b.duplicateOfId, text: b.text, reasonCode: b.reasonCode };
      return triageCase(ctx, actor, tipId, triage, { expectedVersion: b.version });
    }
    case "forward": {
      const b = parseOrThrow(transitionSchemas.forward, body, "invalid_transition");
      return forwardCase(ctx, actor, key, tipId, b.policeUnitId, { expectedVersion: b.version });
    }
    case "acknowledge": {
      const b = parseOrThrow(transitionSchemas.acknowledge, body, "invalid_transition");
      return acknowledgeCase(ctx, actor, tipId, { expectedVersion: b.version });
    }
    case "verify": {
      const b = parseOrThrow(transitionSchemas.verify, body, "invalid_transition");
      if (b.extend) return extendVerification(ctx, actor, tipId, b.reason ?? "", { expectedVersion: b.version });
      return startVerifying(ctx, actor, tipId, { expectedVersion: b.version });
    }
    case "triage-forward": {
      const b = parseOrThrow(transitionSchemas["triage-forward"], body, "invalid_transition");
      return triageAndForward(ctx, actor, key, tipId, b.policeUnitId, { expectedVersion: b.version });
    }
    case "resolve": {
      const b = parseOrThrow(transitionSchemas.resolve, body, "invalid_transition");
      const help = (HELP_OUTCOMES as readonly string[]).includes(b.outcome);
      if (help) return referHelpRequest(ctx, actor, tipId, b.outcome, { expectedVersion: b.version }, b.serviceKind);
      if (b.serviceKind) throw invalidInput("invalid_transition", { serviceKind: "errors.invalid_service_kind" });
      const { outcome, note, plantsDestroyed, areaM2, peopleHandled, seizedGrams } = b;
      return resolveCase(ctx, actor, tipId, { outcome, note, plantsDestroyed, areaM2, peopleHandled, seizedGrams }, { expectedVersion: b.version });
    }
    case "close": {
      const b = parseOrThrow(transitionSchemas.close, body, "invalid_transition");
      return closeCase(ctx, actor, tipId, { expectedVersion: b.version });
    }
    case "reopen": {
      const b = parseOrThrow(transitionSchemas.reopen, body, "invalid_transition");
      return reopenCase(ctx, actor, tipId, b.reason, { expectedVersion: b.version });
    }
  }
}
