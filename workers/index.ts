/**
 * The worker role: one BullMQ Worker per queue, each calling its processor;
 * the scheduled maintenance declared in code (upsertJobScheduler, UTC); and a
 * first sweep at start so that anything a restart interrupted is picked up.
 * close() lets in-flight jobs finish (BullMQ's graceful shutdown).
 */
import { Worker, type Job, type Processor } from "bullmq";
import type { AppContext } from "../src/context.js";
import { QUEUES } from "../src/queues/names.js";
import { bullPrefix } from "../src/queues/producer.js";
import { workerRedis } from "../src/redis/connections.js";
import { checkDeadline } from "./processors/checkDeadline.js";
import { maintenance, sweep } from "./processors/maintenance.js";
import { routeTip } from "./processors/routeTip.js";
import { sendNotification } from "./processors/sendNotification.js";

/** Queues whose job ids may appear in logs (see the "job done" line). */
const traceable = (queue: string) => queue === QUEUES.caseDeadlines || queue === QUEUES.maintenance;

export interface Workers {
  close(): Promise<void>;
}

export async function startWorkers(ctx: AppContext, redisUrl: string): Promise<Workers> {
  const connection = workerRedis(redisUrl);
  const prefix = bullPrefix(ctx.config.redisPrefix);
  const make = <T>(queue: string, fn: (ctx: AppContext, job: Job<T>) => Promise<unknown>, concurrency: number) => {
    const processor: Processor<T> = (job) => fn(ctx, job);
    const w = new Worker<T>(queue, processor, { connection, prefix, concurrency });
    const took = (job?: Job) => (job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0);
    w.on("completed", (job) => {
      ctx.metrics.jobDuration.observe({ queue, outcome: "completed" }, took(job));
      // Routing and notification jobs run seconds after what a tipster did: their ids (which lead to a tip)
      // next to a log timestamp would date it. Deadline and maintenance jobs run on the clock, so they are named.
      ctx.logger.info({ queue, jobId: traceable(queue) ? job.id : undefined, ms: Math.round(took(job) * 1000) }, "job done");
    });
    w.on("failed", (job, err) => {
      ctx.metrics.jobDuration.observe({ queue, outcome: "failed" }, took(job));
      ctx.logger.warn({ queue, jobId: traceable(queue) ? job?.id : undefined, attempts: job?.attemptsMade, err }, "job failed");
    });
    w.on("error", (err) => ctx.logger.error({ queue, err }, "worker error"));
    return w;
  };
  const workers = [
    make(QUEUES.routeTip, routeTip, 4),
    make(QUEUES.caseDeadlines, checkDeadline, 2),
    make(QUEUES.notify, sendNotification, 2),
    make(QUEUES.maintenance, maintenance, 1),
  ];
  const schedule = async () => {
    await ctx.queues.maintenance.upsertJobScheduler("sweep", { every: 60_000 }, { name: "sweep", data: { task: "sweep" } });
    await ctx.queues.maintenance.upsertJobScheduler("digest", { pattern: "0 0 * * *", tz: "UTC" }, { name: "digest", data: { task: "digest" } });
    await ctx.queues.maintenance.upsertJobScheduler("purge", { pattern: "0 20 * * *", tz: "UTC" }, { name: "purge", data: { task: "purge" } });
  };
  await schedule();
  // If Redis loses its data while workers stay up, the schedules come back within minutes (upserting is idempotent).
  const reschedule = setInterval(() => void schedule().catch((err: unknown) => ctx.logger.warn({ err }, "could not renew the schedules")), 5 * 60_000);
  reschedule.unref();
  await sweep(ctx, true).catch((err: unknown) => ctx.logger.warn({ err }, "first sweep failed"));
  return {
    close: async () => {
      clearInterval(reschedule);
      await Promise.all(workers.map((w) => w.close()));
      await connection.quit().catch(() => undefined);
    },
  };
}
