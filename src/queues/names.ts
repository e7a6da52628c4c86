/**
 * The queues, named after what they do. Job data carries ids only — never tip
 * content, receipts or keys ("avoid storing sensitive data in the job").
 */
export const QUEUES = {
  routeTip: "route-tip",
  caseDeadlines: "case-deadlines",
  notify: "notify",
  maintenance: "maintenance",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface RouteTipJob {
  tipId: string;
}

/** A deadline check: it acts only if the case still has this very deadline (otherwise the case moved on). */
export interface DeadlineJob {
  tipId: string;
  kind: string;
  /** ISO time of the deadline this job belongs to. */
  deadlineAt: string;
  stage: "reminder" | "escalation";
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
