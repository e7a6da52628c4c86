/**
 * What a tipster sees with their receipt: a status in four plain words, the
 * outcome in words administrators chose (general by default), and the
 * conversation — never internal states, names of staff or of police units.
 * A purged case shows only that it is closed.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { auditLog, tipItems, tips } from "../db/schema.js";
import { notFound } from "../errors.js";
import { furthestPublicStatus, publicStatus } from "../cases/workflow.js";
import { listHelpServices } from "../help/directory.js";
import { getSetting } from "../settings/settings.js";
import type { Locale } from "../i18n/index.js";
import type { ReportContent } from "../tips/reportContent.js";

export interface TipsterMessage {
  id: string;
  from: "you" | "staff";
  hour: string;
  text: string;
  photoCount: number;
}

export interface TipsterView {
  status: "received" | "in_review" | "forwarded" | "done";
  /** Set when done: the administrators' wording for the outcome, or null for the general default. */
  outcomeText: string | null;
  closed: boolean;
  purged: boolean;
  /** The case waits for the tipster's answer. */
  questionPending: boolean;
  messages: TipsterMessage[];
  /** What they sent, decrypted with the receipt's key (null once purged). */
  report: ReportContent | null;
  photoIds: string[];
  /** The public figures page is on: the tipster may see what reports like theirs lead to. */
  figures: boolean;
  /** A help request: the counselling and treatment services of its district and the province (public data). */
  helpServices: Array<{ name: string; kind: string; address: string; phone: string; hours: string; wholeProvince: boolean }> | null;
}

/** Whether staff ever asked this tipster a question (the case went to needs_info). */
async function askedBefore(ctx: AppContext, tipId: string): Promise<boolean> {
  const rows = await ctx.database.db.select({ id: tipItems.id }).from(tipItems).where(and(eq(tipItems.tipId, tipId), eq(tipItems.kind, "message"), eq(tipItems.author, "staff"))).limit(1);
  return rows.length > 0;
}

export async function tipsterView(ctx: AppContext, tipId: string, privateKey: crypto.Bytes | null, lang: Locale): Promise<TipsterView> {
  const [tip] = await ctx.database.db.select().from(tips).where(eq(tips.id, tipId));
  if (!tip) throw notFound();
  // A question asked (needs_info) or an earlier triage means the case was already looked at.
  const triaged = !!tip.triagedAt || (await askedBefore(ctx, tipId));
  // Every state the case reached (its history's "to"), so the words never go back after a reopening.
  const reached = await ctx.database.db
    .selectDistinct({ to: sql<string | null>`${auditLog.details}->>'to'` })
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, "case"), eq(auditLog.subjectId, tipId)));
  const status = furthestPublicStatus(publicStatus(tip.status, triaged), reached.map((r) => r.to), triaged);
  const wordings = await getSetting(ctx.database.db, "outcomeWordings");
  const outcomeText = status === "done" && tip.outcome ? (wordings[tip.outcome]?.[lang] || null) : null;
  const figures = await getSetting(ctx.database.db, "publicFigures");
  const helpServices = tip.category === "help_request"
    ? (await listHelpServices(ctx.database.db, { districtCode: tip.districtCode })).map((h) => ({
        name: h.name,
        kind: h.kind,
        address: h.address,
        phone: h.phone,
        hours: h.hours,
        wholeProvince: h.districtCode === null,
      }))
    : null;
  const base = { status, outcomeText, closed: tip.status === "closed", purged: !!tip.purgedAt, questionPending: tip.status === "needs_info", figures, helpServices };
  if (!privateKey || tip.purgedAt) return { ...base, messages: [], report: null, photoIds: [] };
  const keys = { publicKey: tip.publicKey, privateKey };
  const all = await ctx.database.db
    .select()
    .from(tipItems)
    .where(and(eq(tipItems.tipId, tipId), inArray(tipItems.kind, ["message", "report", "photo"])))
    .orderBy(asc(tipItems.position), asc(tipItems.createdHour));
  const reportItem = all.find((i) => i.kind === "report");
  const report = reportItem ? (JSON.parse(crypto.utf8.decode(crypto.decryptItem(reportItem, tipId, reportItem.id, keys))) as ReportContent) : null;
  const photoIds = all.filter((i) => i.kind === "photo").map((i) => i.id);
  const items = all.filter((i) => i.kind === "message");
  const messages = items.map((i) => {
    const body = JSON.parse(crypto.utf8.decode(crypto.decryptItem(i, tipId, i.id, keys))) as { text: string; photoIds?: string[] };
    return { id: i.id, from: i.author === "tipster" ? ("you" as const) : ("staff" as const), hour: i.createdHour.toISOString(), text: body.text, photoCount: body.photoIds?.length ?? 0 };
  });
  // The GPS positions stay out of the tipster's view: a shared screen should not show where they stood.
  return { ...base, messages, report: report && { description: report.description, location: report.location, observedAt: report.observedAt }, photoIds };
}

/** One of the tipster's own photos, decrypted with the receipt's key. */
export async function tipsterPhoto(ctx: AppContext, tipId: string, privateKey: crypto.Bytes, photoId: string): Promise<Uint8Array> {
  const [tip] = await ctx.database.db.select({ publicKey: tips.publicKey, purgedAt: tips.purgedAt }).from(tips).where(eq(tips.id, tipId));
  const [item] = await ctx.database.db.select().from(tipItems).where(and(eq(tipItems.id, photoId), eq(tipItems.tipId, tipId), eq(tipItems.kind, "photo")));
  if (!tip || tip.purgedAt || !item) throw notFound();
  return crypto.decryptFile(item, tipId, item.id, { publicKey: tip.publicKey, privateKey });
}
