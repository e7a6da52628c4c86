/**
 * Enqueueing. Job ids are derived from what the job is about, so enqueueing
 * the same work twice (two workers' sweeps, a sweep after a restart) adds one
 * job. Jobs about tips are added only by the sweeps, stamped with the sweep's
 * minute, so that nothing BullMQ keeps in Redis dates a tipster's action.
 */
import { Queue } from "bullmq";
import { mac, type Bytes } from "../crypto/index.js";
import type { Redis } from "ioredis";
import { DEFAULT_JOB_OPTIONS, QUEUES, ROUTE_JOB_OPTIONS, type MaintenanceJob, type NotifyJob, type RouteTipJob } from "./names.js";

export class Queues {
  readonly routeTip: Queue<RouteTipJob>;
  readonly notify: Queue<NotifyJob>;
  readonly maintenance: Queue<MaintenanceJob>;

  /**
   * `jobIdKey` keys the job ids; `onError` receives connection errors (Redis down) instead of the console.
   */
  constructor(connection: Redis, prefix: string, private readonly jobIdKey: Bytes, onError: (err: Error) => void = () => undefined) {
    // Events (job id + millisecond stream id) are written at sweep times only; keep few of them anyway.
    const opts = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS, streams: { events: { maxLen: 100 } } };
    this.routeTip = new Queue<RouteTipJob>(QUEUES.routeTip, opts);
    this.notify = new Queue<NotifyJob>(QUEUES.notify, opts);
    this.maintenance = new Queue<MaintenanceJob>(QUEUES.maintenance, opts);
    for (const q of this.all()) q.on("error", onError);
  }

  all(): Queue[] {
    return [this.routeTip, this.notify, this.maintenance] as Queue[];
  }

  /**
   * One routing batch per district with tips waiting (called by the sweep). `at`: the sweep's minute,
   * recorded as the jobs' creation time and part of the id: two workers' sweeps of one minute add one
   * batch, and a batch still running from the previous minute does not hold back this minute's tips.
   */
  async enqueueRouting(districtCodes: string[], at: Date): Promise<void> {
    const timestamp = Math.min(at.getTime(), Date.now());
    if (districtCodes.length)
      await this.routeTip.addBulk(
        districtCodes.map((districtCode) => ({ name: "route", data: { districtCode }, opts: { ...ROUTE_JOB_OPTIONS, jobId: routeJobId(this.jobIdKey, districtCode, new Date(timestamp)), timestamp } })),
      );
  }

  /**
   * `createdAt`: the job's recorded creation time. Callers acting for a tipster (the sweeps) pass the
   * sweep's minute, so the job stored in Redis does not date anything finer.
   */
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

/** The id of a district's routing batch of one sweep minute (keyed BLAKE2b: only the server can compute it). */
export const routeJobId = (key: Bytes, districtCode: string, minute: Date) => `route-${mac(key, `district|${districtCode}|${minute.toISOString()}`).slice(0, 32)}`;

/** The id of a notification's email job (keyed, like routeJobId). */
export const notifyJobId = (key: Bytes, notificationId: string) => `notify-${mac(key, notificationId).slice(0, 32)}`;

/** BullMQ's key prefix inside homthu's Redis prefix. */
export const bullPrefix = (redisPrefix: string) => `${redisPrefix}:bull`;
