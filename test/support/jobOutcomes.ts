/**
 * What finished notify jobs returned. The jobs are removed as soon as they
 * complete (their timestamps would date a tipster's action), so tests listen
 * to BullMQ's event stream instead of reading completed jobs.
 */
import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { AppContext } from "../../src/context.js";
import { QUEUES } from "../../src/queues/names.js";
import { bullPrefix, notifyJobId } from "../../src/queues/producer.js";
import { services } from "./services.js";

export interface JobOutcomes {
  /** The return value of the email job of a notification, once it completed. */
  of(notificationId: string): string | undefined;
  close(): Promise<void>;
}

export async function watchNotifyJobs(ctx: AppContext): Promise<JobOutcomes> {
  const connection = new Redis(services().redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents(QUEUES.notify, { connection, prefix: bullPrefix(ctx.config.redisPrefix) });
  await events.waitUntilReady();
  const done = new Map<string, string>();
  events.on("completed", ({ jobId, returnvalue }) => done.set(jobId, String(returnvalue)));
  return {
    of: (notificationId) => done.get(notifyJobId(ctx.keys.jobIds, notificationId)),
    close: async () => {
      await events.close();
      connection.disconnect();
    },
  };
}
