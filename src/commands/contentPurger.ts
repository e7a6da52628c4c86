/**
 * contentPurger: the retention rule. The encrypted content of cases closed
 * more than RETENTION_DAYS ago — report, photos, messages, notes, contact —
 * and every key that could open it (staff wraps, the recovery wrap, the
 * receipt wrap) are deleted: rows removed, not flagged. The plaintext routing
 * fields stay, so past years' statistics do not change; the receipt still
 * finds the case and says only that it is closed.
 */
import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { tipItems, tipKeyWraps, tips } from "../db/schema.js";

const EMPTY = new Uint8Array(0);

/** Purge up to `batch` cases; returns how many were purged. */
export async function purgeClosedContent(ctx: AppContext, now = new Date(), batch = 500): Promise<number> {
  const cutoff = new Date(now.getTime() - ctx.config.reports.retentionDays * 86_400_000);
  return ctx.database.db.transaction(async (tx) => {
    const due = await tx
      .select({ id: tips.id, districtCode: tips.districtCode })
      .from(tips)
      .where(and(eq(tips.status, "closed"), lt(tips.closedAt, cutoff), isNull(tips.purgedAt)))
      .limit(batch)
      .for("update", { skipLocked: true });
    if (due.length === 0) return 0;
    const ids = due.map((d) => d.id);
    await tx.delete(tipItems).where(inArray(tipItems.tipId, ids));
    await tx.delete(tipKeyWraps).where(inArray(tipKeyWraps.tipId, ids));
    await tx.update(tips).set({ purgedAt: now, receiptWrappedKey: EMPTY, recoverySealedKey: EMPTY, deadlineAt: null, deadlineKind: null, deadlineFrom: null }).where(inArray(tips.id, ids));
    await appendAudit(tx, { actorId: null, action: "retention.purged", subjectType: "case", details: { cases: ids.length, retentionDays: ctx.config.reports.retentionDays } });
    return ids.length;
  });
}
