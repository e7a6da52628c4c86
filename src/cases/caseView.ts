/**
 * Reading a case for a staff member: its row, the transitions this person may
 * make, its history, and the tip key pair the person holds. Opening the
 * content or a photo writes an audit row, so it is a command
 * (commands/caseContentOpener.ts).
 */
import { and, asc, eq, notInArray, sql } from "drizzle-orm";
import type { TipRow } from "../db/rows.js";
import type { ReportContent } from "../tips/reportContent.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { auditLog, staffUsers, tips } from "../db/schema.js";
import { notFound } from "../errors.js";
import { canOnCase, type Actor } from "../policies/index.js";
import { NoAccessError, tipKeysForStaff } from "../tips/tipReader.js";
import { RULES, type Transition } from "./workflow.js";

export interface CaseMessage {
  id: string;
  author: "tipster" | "staff";
  authorId: string | null;
  hour: string;
  text: string;
  purpose?: string;
  photoIds: string[];
}

export interface CaseContent {
  report: ReportContent;
  photoIds: string[];
  messages: CaseMessage[];
  notes: CaseMessage[];
  /** The tipster left a way to be contacted (shown only after a reason is given). */
  hasContact: boolean;
}

export async function loadCase(ctx: AppContext, tipId: string): Promise<TipRow> {
  const [tip] = await ctx.database.db.select().from(tips).where(eq(tips.id, tipId));
  if (!tip || tip.purgedAt) throw notFound();
  return tip;
}

/** The transitions this actor may attempt now (for buttons and the API). */
export function allowedTransitions(actor: Actor, tip: TipRow): Transition[] {
  const help = tip.category === "help_request";
  // answer and return are the tipster's and the deadline sweep's, never a staff member's.
  const fitsCase: Partial<Record<Transition, boolean>> = {
    forward: !help,
    refer: help,
    resolve: !help,
    extend: !tip.verifyExtended,
    answer: false,
    return: false,
  };
  return (Object.keys(RULES) as Transition[]).filter((t) => fitsCase[t] !== false && (RULES[t].from as readonly string[]).includes(tip.status) && canOnCase(actor, RULES[t].action, tip));
}

export async function tipKeyPairFor(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, tipId: string): Promise<crypto.KeyPair | null> {
  const [me] = await ctx.database.db.select({ publicKey: staffUsers.publicKey }).from(staffUsers).where(eq(staffUsers.id, actor.id));
  if (!me) return null;
  return tipKeysForStaff(ctx.database.db, tipId, { publicKey: me.publicKey, privateKey }, actor.id).catch((e: unknown) => {
    if (e instanceof NoAccessError) return null;
    throw e;
  });
}

/** The case's history: its audit rows in the order they were written (by id: a tipster's rows keep only the hour). */
export async function caseHistory(ctx: AppContext, tipId: string) {
  return ctx.database.db
    // Only the state change: reasons typed into the audit details (e.g. why a contact was revealed) stay in the audit log.
    .select({ at: auditLog.at, actorId: auditLog.actorId, action: auditLog.action, details: sql<Record<string, unknown>>`jsonb_build_object('from', ${auditLog.details}->'from', 'to', ${auditLog.details}->'to', 'assigneeId', ${auditLog.details}->'assigneeId')` })
    .from(auditLog)
    // Reads (content viewed, photo downloaded) stay in the audit log; the history shows what happened to the case.
    .where(and(eq(auditLog.subjectType, "case"), eq(auditLog.subjectId, tipId), notInArray(auditLog.action, ["case.content_viewed", "case.photo_downloaded"])))
    .orderBy(asc(auditLog.id));
}
