/**
 * Opening a case for a staff member: plaintext fields, and — when the policy
 * allows content and the person holds a key wrap — the decrypted report,
 * messages and notes (photos are listed; their bytes are served one by one).
 * Viewing content is audited in the same transaction as reading it.
 */
import { and, asc, eq, notInArray, sql } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { TipRow } from "../db/rows.js";
import type { ReportContent } from "../tips/reportContent.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { auditLog, staffUsers, tipItems, tips } from "../db/schema.js";
import { notFound } from "../errors.js";
import { authorizeCase, canOnCase, type Actor, type CaseAction } from "../policies/index.js";
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

function decryptJson<T>(item: typeof tipItems.$inferSelect, tipId: string, keys: crypto.KeyPair): T {
  return JSON.parse(crypto.utf8.decode(crypto.decryptItem(item, tipId, item.id, keys))) as T;
}

/** Decrypted content, or null when the person holds no key for this tip. */
export async function openCaseContent(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, tip: TipRow, action: CaseAction = "case.viewContent"): Promise<CaseContent | null> {
  authorizeCase(actor, action, tip);
  const keys = await tipKeyPairFor(ctx, actor, privateKey, tip.id);
  if (!keys) return null;
  // In the order of events: the tip's own item positions; the stored hour only breaks ties of older rows.
  const items = await ctx.database.db.select().from(tipItems).where(eq(tipItems.tipId, tip.id)).orderBy(asc(tipItems.position), asc(tipItems.createdHour));
  const report = items.find((i) => i.kind === "report");
  if (!report) return null;
  const asMessage = (i: typeof tipItems.$inferSelect): CaseMessage => {
    const body = decryptJson<{ text: string; purpose?: string; photoIds?: string[] }>(i, tip.id, keys);
    return { id: i.id, author: i.author ?? "staff", authorId: i.authorId, hour: i.createdHour.toISOString(), text: body.text, purpose: body.purpose, photoIds: body.photoIds ?? [] };
  };
  const content: CaseContent = {
    report: decryptJson<ReportContent>(report, tip.id, keys),
    photoIds: items.filter((i) => i.kind === "photo").map((i) => i.id),
    messages: items.filter((i) => i.kind === "message").map(asMessage),
    notes: items.filter((i) => i.kind === "note").map(asMessage),
    hasContact: items.some((i) => i.kind === "contact"),
  };
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "case.content_viewed", subjectType: "case", subjectId: tip.id, districtCode: tip.districtCode }));
  return content;
}

/** One photo's bytes (a metadata-free JPEG). */
export async function openCasePhoto(ctx: AppContext, actor: Actor, privateKey: crypto.Bytes, tip: TipRow, photoId: string): Promise<Uint8Array> {
  authorizeCase(actor, "case.downloadPhoto", tip);
  const keys = await tipKeyPairFor(ctx, actor, privateKey, tip.id);
  const [item] = await ctx.database.db.select().from(tipItems).where(and(eq(tipItems.id, photoId), eq(tipItems.tipId, tip.id), eq(tipItems.kind, "photo")));
  if (!keys || !item) throw notFound();
  const bytes = crypto.decryptFile(item, tip.id, item.id, keys);
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "case.photo_downloaded", subjectType: "case", subjectId: tip.id, districtCode: tip.districtCode, details: { photoId } }));
  return bytes;
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
