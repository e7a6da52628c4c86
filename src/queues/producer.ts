/**
 * Enqueueing, used by the web process after a transaction commits. Job ids are
 * derived from the tip id, so enqueueing twice (a retry, the sweeper) adds one job.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { DEFAULT_JOB_OPTIONS, QUEUES, type RouteTipJob } from "./names.js";

export class Queues {
  readonly routeTip: Queue<RouteTipJob>;

  constructor(connection: Redis, prefix: string) {
    this.routeTip = new Queue<RouteTipJob>(QUEUES.routeTip, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  }

  async enqueueRouting(tipId: string): Promise<void> {
    await this.routeTip.add("route", { tipId }, { jobId: `route-${tipId}` });
  }

  async close(): Promise<void> {
    await this.routeTip.close();
  }
}

/** BullMQ's key prefix inside homthu's Redis prefix. */
export const bullPrefix = (redisPrefix: string) => `${redisPrefix}:bull`;
