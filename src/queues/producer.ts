/**
 * Enqueueing, used after a transaction commits. Job ids are derived from what
 * the job is about, so enqueueing the same work twice (a retry, a sweep after
 * a restart) adds one job.
 */
import { Queue } from "bullmq";
import { mac, type Bytes } from "../crypto/index.js";
import type { Redis } from "ioredis";
import { DEFAULT_JOB_OPTIONS, QUEUES, type DeadlineJob, type MaintenanceJob, type NotifyJob, type RouteTipJob } from "./names.js";

export class Queues {
  readonly routeTip: Queue<RouteTipJob>;
  readonly caseDeadlines: Queue<DeadlineJob>;
  readonly notify: Queue<NotifyJob>;
  readonly maintenance: Queue<MaintenanceJob>;

  /**
   * `jobIdKey` keys the routing jobs' ids; `onError` receives connection errors (Redis down) instead of the console.
   */
  constructor(connection: Redis, prefix: string, private readonly jobIdKey: Bytes, onError: (err: Error) => void = () => undefined) {
    // Events (job id + millisecond stream id) follow a tipster's actions within seconds: keep few of them.
    const opts = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS, streams: { events: { maxLen: 100 } } };
    this.routeTip = new Queue<RouteTipJob>(QUEUES.routeTip, opts);
    this.caseDeadlines = new Queue<DeadlineJob>(QUEUES.caseDeadlines, opts);
    this.notify = new Queue<NotifyJob>(QUEUES.notify, opts);
    this.maintenance = new Queue<MaintenanceJob>(QUEUES.maintenance, opts);
    for (const q of this.all()) q.on("error", onError);
  }

  all(): Queue[] {
    return [this.routeTip, this.caseDeadlines, this.notify, this.maintenance] as Queue[];
  }

  async enqueueRouting(tipId: string): Promise<void> {
    // Removed as soon as done, and named by a keyed MAC of the tip id: a finished job's (or an
    // event's) millisecond timestamps must not date a tip. The id is still stable, so a repeat is one job.
    await this.routeTip.add("route", { tipId }, { jobId: routeJobId(this.jobIdKey, tipId), removeOnComplete: true });
  }

  /**
   * `createdAt`: the job's recorded creation time. For changes a tipster caused, the caller passes a
   * coarse time (the minute or the hour), so the job stored in Redis does not date the tipster's action.
   */
  async enqueueDeadline(job: DeadlineJob, runAt: Date, createdAt = new Date()): Promise<void> {
    const id = `deadline-${mac(this.jobIdKey, `${job.tipId}|${job.kind}|${job.stage}|${job.deadlineAt}|${runAt.getTime()}`).slice(0, 32)}`;
    const timestamp = Math.min(createdAt.getTime(), Date.now());
    // BullMQ runs a delayed job at timestamp + delay.
    await this.caseDeadlines.add(job.stage, job, { jobId: id, timestamp, delay: Math.max(0, runAt.getTime() - timestamp) });
  }

  async enqueueNotifications(ids: string[], createdAt = new Date()): Promise<void> {
    const timestamp = Math.min(createdAt.getTime(), Date.now());
    if (ids.length)
      await this.notify.addBulk(
        ids.map((notificationId) => ({ name: "notify", data: { notificationId }, opts: { jobId: notifyJobId(this.jobIdKey, notificationId), timestamp, removeOnComplete: true } })),
      );
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}

/** The id of the routing job of a tip (keyed BLAKE2b; only the server, or the bench that set its key, can compute it). */
export const routeJobId = (key: Bytes, tipId: string) => `route-${mac(key, tipId).slice(0, 32)}`;

/** The id of a notification's email job (keyed, like routeJobId). */
export const notifyJobId = (key: Bytes, notificationId: string) => `notify-${mac(key, notificationId).slice(0, 32)}`;

/** BullMQ's key prefix inside homthu's Redis prefix. */
export const bullPrefix = (redisPrefix: string) => `${redisPrefix}:bull`;
