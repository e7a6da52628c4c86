/**
 * GET /healthz — the process answers. GET /readyz — PostgreSQL and Redis
 * answer too (else 503), for load balancers and orchestrators.
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
      within(ctx.redis.ping(), 2000).then(() => "ok", () => "unavailable"),
    ]);
    const ok = database === "ok" && redis === "ok";
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "unavailable", database, redis });
  });
  return router;
}
