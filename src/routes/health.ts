/**
 * GET /healthz — the process answers. GET /readyz — PostgreSQL answers and
 * Redis takes a write (else 503): a Redis that answers PING but refuses
 * writes (maxmemory with noeviction, a read-only replica, a failed AOF
 * rewrite) is reported as "refusing_writes". For load balancers and
 * orchestrators; while it says 503, the app answers what it can (see
 * docs/deployment.md, "Faults").
 */
import { Router } from "express";
import type { AppContext } from "../context.js";

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms).unref())]);

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => void res.json({ status: "ok" }));
  router.get("/readyz", async (_req, res) => {
    const [database, redis] = await Promise.all([
      within(ctx.database.pool.query("SELECT 1"), 2000).then(() => "ok", () => "unavailable"),
      within(ctx.redis.set(`${ctx.config.redisPrefix}:readyz`, "1", "PX", 60_000), 2000).then(
        () => "ok",
        (err: unknown) => (/^(OOM|READONLY|MISCONF|NOREPLICAS)\b/.test(err instanceof Error ? err.message : "") ? "refusing_writes" : "unavailable"),
      ),
    ]);
    const ok = database === "ok" && redis === "ok";
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "unavailable", database, redis });
  });
  return router;
}
