/**
 * Reading cases: the inbox list (never content) within the actor's
 * jurisdiction, and possible duplicates. The jurisdiction filter mirrors the
 * policy module; the policy is still checked per case when one is opened.
 */
import { and, asc, desc, eq, gte, inArray, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { tips } from "../db/schema.js";
import type { Actor } from "../policies/index.js";
import { OPEN_STATUSES } from "./workflow.js";
import { visibleTipsWhere } from "./visibleTips.js";

export interface CaseFilters {
  status?: string;
  category?: string;
  districtCode?: string;
  communeCode?: string;
  urgent?: boolean;
  overdue?: boolean;
  assigneeId?: string;
  page: number;
  pageSize: number;
}

/** The SQL form of "cases this actor may list". */
export const caseScope = (actor: Actor): SQL => visibleTipsWhere(actor, { listing: true });

export const listColumns = {
  id: tips.id,
  receivedAt: tips.receivedAt,
  category: tips.category,
  districtCode: tips.districtCode,
  communeCode: tips.communeCode,
  urgent: tips.urgent,
  status: tips.status,
  source: tips.source,
  noLiaison: tips.noLiaison,
  assigneeId: tips.assigneeId,
  forwardedUnitId: tips.forwardedUnitId,
  deadlineAt: tips.deadlineAt,
  deadlineKind: tips.deadlineKind,
  version: tips.version,
};

export async function listCases(db: Db, actor: Actor, f: CaseFilters) {
  const where: SQL[] = [caseScope(actor)];
  if (f.status === "open") where.push(inArray(tips.status, OPEN_STATUSES));
  else if (f.status) where.push(eq(tips.status, f.status));
  if (f.category) where.push(eq(tips.category, f.category));
  if (f.districtCode) where.push(eq(tips.districtCode, f.districtCode));
  if (f.communeCode) where.push(eq(tips.communeCode, f.communeCode));
  if (f.urgent !== undefined) where.push(eq(tips.urgent, f.urgent));
  if (f.overdue) where.push(lt(tips.deadlineAt, new Date()));
  if (f.assigneeId) where.push(eq(tips.assigneeId, f.assigneeId));
  const filter = and(...where);
  const [rows, total] = await Promise.all([
    db
      .select(listColumns)
      .from(tips)
      .where(filter)
      .orderBy(sql`${tips.deadlineAt} ASC NULLS LAST`, desc(tips.receivedAt), asc(tips.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ n: sql<number>`count(*)::int` }).from(tips).where(filter),
  ]);
  return { rows, total: total[0]?.n ?? 0 };
}

/** Cases of the same commune and category in the 30 days before this one (possible duplicates). */
export async function duplicateSuggestions(db: Db, actor: Actor, tip: { id: string; communeCode: string; category: string; receivedAt: Date }) {
  const since = new Date(tip.receivedAt.getTime() - 30 * 86_400_000);
  return db
    .select(listColumns)
    .from(tips)
    .where(and(caseScope(actor), eq(tips.communeCode, tip.communeCode), eq(tips.category, tip.category), ne(tips.id, tip.id), gte(tips.receivedAt, since), or(lt(tips.receivedAt, tip.receivedAt), eq(tips.receivedAt, tip.receivedAt))))
    .orderBy(desc(tips.receivedAt))
    .limit(10);
}

/** Open cases this person may list and has never opened (no content read in the audit log): the "new" ones. */
export function unreadWhere(actor: Actor): SQL {
  return and(
    caseScope(actor),
    inArray(tips.status, OPEN_STATUSES),
    sql`NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject_type = 'case' AND a.subject_id = ${tips.id}::text AND a.actor_id = ${actor.id} AND a.action = 'case.content_viewed')`,
  )!;
}

/** How many cases are new to this person, and the first few (most pressing deadline first) for the home page. */
export async function unreadCases(db: Db, actor: Actor, first = 5) {
  const where = unreadWhere(actor);
  const [rows, total] = await Promise.all([
    db.select(listColumns).from(tips).where(where).orderBy(sql`${tips.deadlineAt} ASC NULLS LAST`, desc(tips.receivedAt), asc(tips.id)).limit(first),
    db.select({ n: sql<number>`count(*)::int` }).from(tips).where(where),
  ]);
  return { rows, total: total[0]?.n ?? 0 };
}

/** Which of `ids` this person has never opened. */
export async function unreadAmong(db: Db, actor: Actor, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.select({ id: tips.id }).from(tips).where(and(unreadWhere(actor), inArray(tips.id, ids)));
  return new Set(rows.map((r) => r.id));
}
