/**
 * Prometheus metrics (prom-client), one registry per process. Labels name
 * routes (the pattern, e.g. /api/v1/cases/:id), queues and states — never a
 * tip, a user or an address. Queue counts and pool usage are read when
 * scraped, so every web process reports the shared queues' depth.
 */
import client from "prom-client";
import type { AppContext } from "../context.js";
import { argon2Waiting } from "../crypto/index.js";
import { failedSweeps } from "../queues/routingHealth.js";

export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<"method" | "route" | "status">;
  jobDuration: client.Histogram<"queue" | "outcome">;
}

export function createMetrics(ctx: () => AppContext | undefined): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpDuration = new client.Histogram({
    name: "homthu_http_request_duration_seconds",
    help: "HTTP request duration by route pattern",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const jobDuration = new client.Histogram({
    name: "homthu_job_duration_seconds",
    help: "BullMQ job processing time",
    labelNames: ["queue", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [registry],
  });
  new client.Gauge({
    name: "homthu_queue_jobs",
    help: "Jobs per queue and state",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      const c = ctx();
      if (!c) return;
      for (const q of c.queues.all()) {
        const counts = await q.getJobCounts("waiting", "active", "delayed", "failed").catch(() => ({}) as Record<string, number>);
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
  new client.Gauge({
    name: "homthu_routing_failed_sweeps",
    help: "Routing sweeps in a row that failed, per district (0 when routing works); alert above ROUTING_ALERT_AFTER",
    labelNames: ["district"] as const,
    registers: [registry],
    async collect() {
      const c = ctx();
      if (!c) return;
      this.reset();
      const failing = await failedSweeps(c.redis, c.config.redisPrefix).catch(() => new Map<string, number>());
      this.set({ district: "all" }, Math.max(0, ...failing.values()));
      for (const [district, n] of failing) this.set({ district }, n);
    },
  });
  new client.Gauge({
    name: "homthu_argon2_waiting",
    help: "argon2 derivations waiting for a slot (the concurrency bound)",
    registers: [registry],
    collect() {
      this.set(argon2Waiting());
    },
  });
  new client.Gauge({
    name: "homthu_db_pool_connections",
    help: "PostgreSQL pool connections by state",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = ctx()?.database.pool;
      if (!pool) return;
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
    },
  });
  return { registry, httpDuration, jobDuration };
}
