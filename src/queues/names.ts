/**
 * The queues, named after what they do. Job data carries ids only — never tip
 * content, receipts or keys ("avoid storing sensitive data in the job") — and
 * nothing a tipster's action caused is added at the moment of that action:
 * every job about a tip is added by a sweep on the clock (see workers/index.ts).
 */
export const QUEUES = {
  routeTip: "route-tip",
  notify: "notify",
  maintenance: "maintenance",
} as const;

/** Queues of earlier versions, emptied and removed when a worker starts (the per-case deadline jobs). */
export const RETIRED_QUEUES = ["case-deadlines"] as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * A routing batch: the tips of one district still waiting for a liaison. It names the district, not a
 * tip; the processor reads the waiting tips from PostgreSQL.
 */
export interface RouteTipJob {
  districtCode: string;
}

export interface NotifyJob {
  notificationId: string;
}

export interface MaintenanceJob {
  task: "sweep" | "digest" | "purge";
}

/** Retries with exponential backoff; failed jobs are kept so administrators see them. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: false,
} as const;

/**
 * Routing batches: a few quick retries, then removed. A failed batch leaves its tips `received`, and
 * the next sweep adds a new batch for the district, so a tip is never stranded behind a job kept as failed.
 */
export const ROUTE_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "fixed", delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;
