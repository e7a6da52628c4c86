/**
 * The police unit's steps on a forwarded case: acknowledge it (the 20-day
 * verification clock of Criminal Procedure Code art. 147 starts), start
 * verifying, extend once to two months with a reason, and resolve with an outcome.
 */
import { addEncryptedItem } from "../cases/caseNotes.js";
import { verifyDeadline } from "../cases/deadlines.js";
import { POLICE_OUTCOMES } from "../cases/workflow.js";
import type { AppContext } from "../context.js";
import { HttpError, invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { moveCase, type MoveOptions } from "./caseMover.js";

export async function acknowledgeCase(ctx: AppContext, actor: Actor, tipId: string, opts: MoveOptions = {}) {
  return moveCase(ctx, actor, tipId, "acknowledge", () => {
    const now = new Date();
    return { status: "acknowledged", set: { acknowledgedAt: now }, deadline: verifyDeadline(ctx.config, now, false) };
  }, opts);
}

export async function startVerifying(ctx: AppContext, actor: Actor, tipId: string, opts: MoveOptions = {}) {
  return moveCase(ctx, actor, tipId, "verify", () => ({ status: "verifying" }), opts);
}

export async function extendVerification(ctx: AppContext, actor: Actor, tipId: string, reason: string, opts: MoveOptions = {}) {
  if (!reason.trim()) throw invalidInput("invalid_extension", { reason: "errors.required" });
  return moveCase(ctx, actor, tipId, "extend", (tip) => {
    if (tip.verifyExtended) throw new HttpError(409, "already_extended", "errors.already_extended");
    return {
      status: "verifying",
      set: { verifyExtended: true },
      deadline: verifyDeadline(ctx.config, tip.acknowledgedAt ?? new Date(), true),
      also: async (tx) => void (await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "note", author: "staff", authorId: actor.id, body: { text: reason.trim(), purpose: "extension_reason" } })),
    };
  }, opts);
}

/** The police result: an outcome, an optional note (encrypted like all case content), and the quantities the plan's reports sum. */
export interface PoliceResult {
  outcome: string;
  note?: string;
  plantsDestroyed?: number;
  areaM2?: number;
  peopleHandled?: number;
  seizedGrams?: number;
}

export async function resolveCase(ctx: AppContext, actor: Actor, tipId: string, result: string | PoliceResult, opts: MoveOptions = {}) {
  const r: PoliceResult = typeof result === "string" ? { outcome: result } : result;
  if (!(POLICE_OUTCOMES as readonly string[]).includes(r.outcome)) throw invalidInput("invalid_outcome", { outcome: "errors.invalid_outcome" });
  const quantities = {
    plantsDestroyed: r.plantsDestroyed ?? null,
    areaM2: r.areaM2 ?? null,
    peopleHandled: r.peopleHandled ?? null,
    seizedGrams: r.seizedGrams ?? null,
  };
  return moveCase(ctx, actor, tipId, "resolve", (tip) => ({
    status: "resolved",
    set: { outcome: r.outcome, resolvedAt: new Date(), ...quantities },
    deadline: null,
    details: { outcome: r.outcome, ...Object.fromEntries(Object.entries(quantities).filter(([, v]) => v !== null)) },
    also: async (tx) => {
      if (r.note?.trim()) await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "note", author: "staff", authorId: actor.id, body: { text: r.note.trim(), purpose: "result_note" } });
    },
  }), opts);
}
