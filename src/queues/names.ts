/**
 * The queues, named after what they do. Job data carries ids only — never tip
 * content, receipts or keys ("avoid storing sensitive data in the job").
 */
export const QUEUES = {
  routeTip: "route-tip",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface RouteTipJob {
  tipId: string;
}

/** Retries with exponential backoff; failed jobs are kept so administrators see them. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: false,
} as const;
