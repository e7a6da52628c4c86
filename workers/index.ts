/**
 * The worker role: one BullMQ Worker per queue, each calling its processor.
 * On start it sweeps for tips that were stored but never enqueued (Redis was
 * down at intake), so every accepted tip is routed eventually.
 * close() waits for in-flight jobs (BullMQ's graceful shutdown).
 */
import { Worker } from "bullmq";
import { sql } from "drizzle-orm";
import type { AppContext } from "../src/context.js";
import { QUEUES, type RouteTipJob } from "../src/queues/names.js";
import { bullPrefix } from "../src/queues/producer.js";
import { workerRedis } from "../src/redis/connections.js";
import { routeTip } from "./processors/routeTip.js";

export interface Workers {
  close(): Promise<void>;
}

/** Enqueue a routing job for every tip still waiting; job ids make this harmless to repeat. */
export async function sweepUnrouted(ctx: AppContext): Promise<number> {
  const waiting = await ctx.database.db.execute<{ id: string }>(sql`SELECT id FROM tips WHERE status = 'received' ORDER BY received_at LIMIT 10000`);
  for (const { id } of waiting.rows) await ctx.queues.enqueueRouting(id);
  return waiting.rows.length;
}

export async function startWorkers(ctx: AppContext, redisUrl: string): Promise<Workers> {
  const connection = workerRedis(redisUrl);
  const prefix = bullPrefix(ctx.config.redisPrefix);
  const router = new Worker<RouteTipJob>(QUEUES.routeTip, (job) => routeTip(ctx, job), { connection, prefix, concurrency: 4 });
  for (const w of [router]) {
    w.on("failed", (job, err) => ctx.logger.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err }, "job failed"));
    w.on("error", (err) => ctx.logger.error({ queue: w.name, err }, "worker error"));
  }
  const swept = await sweepUnrouted(ctx).catch((err: unknown) => (ctx.logger.warn({ err }, "sweep failed"), 0));
  if (swept > 0) ctx.logger.info({ swept }, "re-enqueued unrouted tips");
  return {
    close: async () => {
      await router.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
