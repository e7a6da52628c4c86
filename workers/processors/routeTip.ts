/**
 * route-tip: the routing batch of one district, added by the minute sweep. The
 * job names the district, never a tip; the tips still "received" are read
 * from PostgreSQL and routed BATCH_SIZE at a time, each batch in one
 * transaction of a fixed number of statements (src/commands/tipRouter.ts).
 *
 * A batch that fails is tried again one tip per transaction, so that one tip
 * that cannot be routed does not hold back the district's others; whatever
 * still fails stays "received", the job fails (naming how many, never which)
 * and a later sweep tries again. A re-run finds nothing left to do.
 */
import type { Job } from "bullmq";
import { and, asc, eq } from "drizzle-orm";
import { routeWaitingTips, type RoutedBatch } from "../../src/commands/tipRouter.js";
import type { AppContext } from "../../src/context.js";
import { tips } from "../../src/db/schema.js";
import type { RouteTipJob } from "../../src/queues/names.js";

/** Tips per routing transaction. */
export const BATCH_SIZE = 500;
/** Tips one job routes at most; the next sweep's job takes the rest. */
const JOB_LIMIT = 20_000;

/** Raised when some tips of a batch could not be routed: it names how many, never which. */
export class RoutingFailed extends Error {}

export async function routeDistrict(ctx: AppContext, job: Job<RouteTipJob>): Promise<{ assigned: number; flagged: number }> {
  const district = job.data.districtCode;
  const done = { assigned: 0, flagged: 0 };
  const notificationIds: string[] = [];
  const add = (b: RoutedBatch) => {
    done.assigned += b.assigned;
    done.flagged += b.flagged;
    notificationIds.push(...b.notificationIds);
  };
  let failed = 0;
  let code: string | undefined;
  while (done.assigned + done.flagged + failed < JOB_LIMIT) {
    let batch: RoutedBatch;
    try {
      batch = await routeWaitingTips(ctx, district, { limit: BATCH_SIZE });
    } catch (err) {
      // Find the tips that cannot be routed now, one transaction each; the error may quote a tip's row, so only its code goes on.
      code ??= (err as { code?: string }).code ?? (err as Error).name;
      const alone = await routeOneByOne(ctx, district);
      add(alone.routed);
      failed += alone.failed;
      break;
    }
    add(batch);
    if (batch.assigned + batch.flagged < BATCH_SIZE) break;
  }
  // The emails of the whole job in one go, stamped with the sweep's minute (job.timestamp); with email off, none.
  if (notificationIds.length > 0 && ctx.mailer.enabled)
    await ctx.queues.enqueueNotifications(notificationIds, new Date(job.timestamp)).catch((err: unknown) => ctx.logger.warn({ err }, "email jobs not enqueued after routing; the next sweep will"));
  if (failed > 0) throw new RoutingFailed(`${failed} tips not routed (${code})`);
  return done;
}

/** After a failed batch: the next BATCH_SIZE waiting tips, each in its own transaction. */
async function routeOneByOne(ctx: AppContext, district: string): Promise<{ routed: RoutedBatch; failed: number }> {
  const routed: RoutedBatch = { assigned: 0, flagged: 0, notificationIds: [] };
  let failed = 0;
  const waiting = await ctx.database.db
    .select({ id: tips.id })
    .from(tips)
    .where(and(eq(tips.status, "received"), eq(tips.districtCode, district)))
    .orderBy(asc(tips.receivedAt), asc(tips.id))
    .limit(BATCH_SIZE);
  for (const { id } of waiting) {
    try {
      const one = await routeWaitingTips(ctx, district, { limit: 1, ids: [id] });
      routed.assigned += one.assigned;
      routed.flagged += one.flagged;
      routed.notificationIds.push(...one.notificationIds);
    } catch {
      failed++;
    }
  }
  return { routed, failed };
}
