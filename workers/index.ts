/**
 * The worker role: one BullMQ Worker per queue, each calling its processor;
 * the scheduled work declared in code (upsertJobScheduler, UTC): the sweep on
 * SWEEP_CRON (every minute, on the minute), the daily digest and purge; and a
 * first sweep at start so that anything a restart interrupted is picked up.
 * close() lets in-flight jobs finish (BullMQ's graceful shutdown).
 */
import { Queue, Worker, type Job, type Processor } from "bullmq";
import type { AppContext } from "../src/context.js";
import { QUEUES, RETIRED_QUEUES, type RouteTipJob } from "../src/queues/names.js";
import { bullPrefix } from "../src/queues/producer.js";
import { routingFailed, routingSucceeded } from "../src/queues/routingHealth.js";
import { workerRedis, type RedisTarget } from "../src/redis/connections.js";
import { maintenance, sweep } from "./processors/maintenance.js";
import { routeDistrict } from "./processors/routeTip.js";
import { sendNotification } from "./processors/sendNotification.js";

/** Queues whose job ids may appear in logs (see the "job done" line): maintenance jobs run on the clock. */
const traceable = (queue: string) => queue === QUEUES.maintenance;
/** A sweep schedule whose next run is this far in the past has stopped (see renew). */
const SCHEDULE_STUCK_MS = 30_000;

export interface Workers {
  close(): Promise<void>;
}

export async function startWorkers(ctx: AppContext, redis: RedisTarget | string): Promise<Workers> {
  const connection = workerRedis(redis);
  const prefix = bullPrefix(ctx.config.redisPrefix);
  const make = <T>(queue: string, fn: (ctx: AppContext, job: Job<T>) => Promise<unknown>, concurrency: number) => {
    const processor: Processor<T> = (job) => fn(ctx, job);
    const w = new Worker<T>(queue, processor, { connection, prefix, concurrency });
    const took = (job?: Job) => (job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0);
    w.on("completed", (job) => {
      ctx.metrics.jobDuration.observe({ queue, outcome: "completed" }, took(job));
      // Routing and notification jobs are about tips: their ids stay out of the logs. Maintenance jobs are named.
      ctx.logger.info({ queue, jobId: traceable(queue) ? job.id : undefined, ms: Math.round(took(job) * 1000) }, "job done");
    });
    w.on("failed", (job, err) => {
      ctx.metrics.jobDuration.observe({ queue, outcome: "failed" }, took(job));
      ctx.logger.warn({ queue, jobId: traceable(queue) ? job?.id : undefined, attempts: job?.attemptsMade, err }, "job failed");
    });
    w.on("error", (err) => ctx.logger.error({ queue, err }, "worker error"));
    return w;
  };
  const routing = make(QUEUES.routeTip, routeDistrict, 4);
  // Failed sweeps in a row, per district: a batch that has used all its attempts adds one, a completed one clears it.
  routing.on("failed", (job?: Job<RouteTipJob>) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
      void routingFailed(ctx.redis, ctx.config.redisPrefix, job.data.districtCode).catch((err: unknown) => ctx.logger.warn({ err }, "could not count a failed routing sweep"));
  });
  routing.on("completed", (job: Job<RouteTipJob>) => void routingSucceeded(ctx.redis, ctx.config.redisPrefix, job.data.districtCode).catch(() => undefined));
  const workers = [routing, make(QUEUES.notify, sendNotification, 2), make(QUEUES.maintenance, maintenance, 2)];
  const schedule = async () => {
    // Sweep jobs are removed once done: nothing about them is worth keeping.
    await ctx.queues.maintenance.upsertJobScheduler("sweep", { pattern: ctx.config.sweeps.cron, tz: "UTC" }, { name: "sweep", data: { task: "sweep" }, opts: { removeOnComplete: true, removeOnFail: 50 } });
    await ctx.queues.maintenance.upsertJobScheduler("digest", { pattern: "0 0 * * *", tz: "UTC" }, { name: "digest", data: { task: "digest" } });
    await ctx.queues.maintenance.upsertJobScheduler("purge", { pattern: "0 20 * * *", tz: "UTC" }, { name: "purge", data: { task: "purge" } });
  };
  await schedule();
  await retireOldQueues(ctx, connection, prefix);
  // If Redis loses its data while workers stay up, the schedules come back within seconds: the sweeps then catch up
  // from PostgreSQL (nothing about a tip or a deadline lived only in Redis).
  // Stuck, too: BullMQ adds a scheduler's next run only once the current one is taken, so a write refused then
  // (Redis out of memory) leaves the schedule in place with its next run in the past and nothing to run it.
  const renew = async () => {
    const sweepSchedule = await ctx.queues.maintenance.getJobScheduler("sweep");
    const stuck = !!sweepSchedule?.next && sweepSchedule.next < Date.now() - SCHEDULE_STUCK_MS;
    if (!sweepSchedule || stuck) {
      ctx.logger.warn(stuck ? "the sweep schedule was stuck (its next run long past); scheduling it again" : "the sweep schedule was missing from Redis; scheduling it again");
      await schedule();
    }
  };
  const reschedule = setInterval(() => void renew().catch((err: unknown) => ctx.logger.warn({ err }, "could not renew the schedules")), 10_000);
  reschedule.unref();
  await sweep(ctx).catch((err: unknown) => ctx.logger.warn({ err }, "first sweep failed"));
  return {
    close: async () => {
      clearInterval(reschedule);
      await Promise.all(workers.map((w) => w.close()));
      await connection.quit().catch(() => undefined);
    },
  };
}

/** Remove the queues of earlier versions (the per-case deadline jobs, which held plain tip ids): the sweep replaced them. */
async function retireOldQueues(ctx: AppContext, connection: ReturnType<typeof workerRedis>, prefix: string): Promise<void> {
  for (const name of RETIRED_QUEUES) {
    const q = new Queue(name, { connection, prefix });
    try {
      if (await ctx.redis.exists(`${prefix}:${name}:meta`, `${prefix}:${name}:id`, `${prefix}:${name}:delayed`)) await q.obliterate({ force: true });
    } catch (err) {
      ctx.logger.warn({ err, queue: name }, "could not remove a retired queue");
    } finally {
      await q.close().catch(() => undefined);
    }
  }
}
