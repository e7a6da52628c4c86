/**
 * What a tipster sees with their receipt: a status in four plain words, the
 * outcome in words administrators chose (general by default), and the
 * conversation — never internal states, names of staff or of police units.
 * A purged case shows only that it is closed.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { tipItems, tips } from "../db/schema.js";
import { notFound } from "../errors.js";
import { publicStatus } from "../cases/workflow.js";
import { getSetting } from "../settings/settings.js";
import type { Locale } from "../i18n/index.js";

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
}

export async function tipsterView(ctx: AppContext, tipId: string, privateKey: crypto.Bytes | null, lang: Locale): Promise<TipsterView> {
  const [tip] = await ctx.database.db.select().from(tips).where(eq(tips.id, tipId));
  if (!tip) throw notFound();
  const status = publicStatus(tip.status);
  const wordings = await getSetting(ctx.database.db, "outcomeWordings");
  const outcomeText = status === "done" && tip.outcome ? (wordings[tip.outcome]?.[lang] || null) : null;
  const base = { status, outcomeText, closed: tip.status === "closed", purged: !!tip.purgedAt, questionPending: tip.status === "needs_info" };
  if (!privateKey || tip.purgedAt) return { ...base, messages: [] };
  const keys = { publicKey: tip.publicKey, privateKey };
  const items = await ctx.database.db.select().from(tipItems).where(and(eq(tipItems.tipId, tipId), inArray(tipItems.kind, ["message"]))).orderBy(asc(tipItems.createdHour), asc(tipItems.position));
  const messages = items.map((i) => {
    const body = JSON.parse(crypto.utf8.decode(crypto.decryptItem(i, tipId, i.id, keys))) as { text: string; photoIds?: string[] };
    return { id: i.id, from: i.author === "tipster" ? ("you" as const) : ("staff" as const), hour: i.createdHour.toISOString(), text: body.text, photoCount: body.photoIds?.length ?? 0 };
  });
  return { ...base, messages };
}
