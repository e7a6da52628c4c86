/**
 * The audit log as staff may read it (GET /api/v1/admin/audit and the
 * /staff/audit page): filters, the actor's district, 50 rows a page.
 */
import { and, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { auditLog } from "../db/schema.js";
import { authorize, type Actor } from "../policies/index.js";
import { parseOrThrow, uuidParam } from "../validation/parse.js";

export const auditQuerySchema = z.strictObject({
  action: z.string().max(100).optional(),
  actorId: uuidParam.optional(),
  from: z.iso.date("errors.invalid_date").optional(),
  to: z.iso.date("errors.invalid_date").optional(),
  page: z.coerce.number({ error: "errors.invalid" }).int("errors.invalid").min(1, "errors.invalid").max(100000, "errors.invalid").default(1),
  lang: z.string().optional(),
});

/** Audit rows the actor may see, newest first, 50 a page. */
export async function auditPage(ctx: AppContext, actor: Actor, raw: unknown) {
  authorize(actor, "audit.view");
  const q = parseOrThrow(auditQuerySchema, raw, "invalid_query");
  const where: SQL[] = [];
  if (actor.role !== "admin" && actor.districtCode) where.push(eq(auditLog.districtCode, actor.districtCode));
  if (q.action) where.push(eq(auditLog.action, q.action));
  if (q.actorId) where.push(eq(auditLog.actorId, q.actorId));
  // Days are Bến Tre's days (UTC+7).
  if (q.from) where.push(gte(auditLog.at, new Date(`${q.from}T00:00:00+07:00`)));
  if (q.to) where.push(lte(auditLog.at, new Date(`${q.to}T23:59:59.999+07:00`)));
  const { id, at, actorId, action, subjectType, subjectId, districtCode, details } = auditLog;
  const rows = await ctx.database.db
    .select({ id, at, actorId, action, subjectType, subjectId, districtCode, details })
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(50)
    .offset((q.page - 1) * 50);
  return { query: q, rows };
}
