/** Queue health for administrators: counts per queue, and retrying failed jobs. */
import type { AppContext } from "../context.js";
import { notFound } from "../errors.js";

export async function queueHealth(ctx: AppContext) {
  return Promise.all(
    ctx.queues.all().map(async (q) => {
      const c = await q.getJobCounts("waiting", "active", "delayed", "failed", "completed");
      const failed = await q.getFailed(0, 9);
      return { name: q.name, counts: c, recentFailures: failed.map((j) => ({ id: j.id, attempts: j.attemptsMade, reason: j.failedReason, at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null })) };
    }),
  );
}

/** Put every failed job of one queue back to waiting; returns how many. */
export async function retryFailed(ctx: AppContext, name: string): Promise<number> {
  const queue = ctx.queues.all().find((q) => q.name === name);
  if (!queue) throw notFound();
  const failed = await queue.getFailed(0, 999);
  for (const job of failed) await job.retry();
  return failed.length;
}
