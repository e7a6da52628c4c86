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
    const opts = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS };
    // Routing events follow submissions within seconds: keep few of them.
    this.routeTip = new Queue<RouteTipJob>(QUEUES.routeTip, { ...opts, streams: { events: { maxLen: 100 } } });
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

  async enqueueDeadline(job: DeadlineJob, runAt: Date): Promise<void> {
    const id = `deadline-${job.tipId}-${job.kind}-${job.stage}-${Date.parse(job.deadlineAt)}-${runAt.getTime()}`;
    await this.caseDeadlines.add(job.stage, job, { jobId: id, delay: Math.max(0, runAt.getTime() - Date.now()) });
  }

  async enqueueNotifications(ids: string[]): Promise<void> {
    if (ids.length) await this.notify.addBulk(ids.map((notificationId) => ({ name: "notify", data: { notificationId }, opts: { jobId: `notify-${notificationId}` } })));
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}

/** The id of the routing job of a tip (keyed BLAKE2b; only the server, or the bench that set its key, can compute it). */
export const routeJobId = (key: Bytes, tipId: string) => `route-${mac(key, tipId).slice(0, 32)}`;

/** BullMQ's key prefix inside homthu's Redis prefix. */
export const bullPrefix = (redisPrefix: string) => `${redisPrefix}:bull`;
