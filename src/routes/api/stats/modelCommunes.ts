/**
 * Model communes API:
 *   GET  /api/v1/model-communes?year=2020        every district's registration and who is late
 *   POST /api/v1/model-communes                  { districtCode, year, communeCode, content, startDate, plannedEndDate }
 *   POST /api/v1/model-communes/:id/progress     { progress, completed }
 */
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../../../context.js";
import { recordModelProgress, registerModelCommune } from "../../../commands/modelCommuneRegistrar.js";
import { modelCommuneStatus } from "../../../stats/modelCommuneStatus.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { authorize } from "../../../policies/index.js";
import { modelCommuneSchema, modelProgressSchema } from "../../../validation/modelCommunes.js";
import { parseOrThrow, uuidParam } from "../../../validation/parse.js";

export function modelCommunesApi(ctx: AppContext): Router {
  const router = Router();
  router.use("/api/v1/model-communes", noStore, requireStaff, requireCsrf);

  router.get("/api/v1/model-communes", async (req, res) => {
    const { actor } = staffOf(res);
    authorize(actor, "stats.view");
    const { year } = parseOrThrow(z.object({ year: z.coerce.number().int().min(2000, "errors.invalid").max(2100, "errors.invalid").default(new Date().getUTCFullYear()), lang: z.string().optional() }), req.query, "invalid_query");
    const all = await modelCommuneStatus(ctx, year);
    res.json({ year, districts: actor.role === "admin" || !actor.districtCode ? all : all.filter((d) => d.districtCode === actor.districtCode) });
  });

  router.post("/api/v1/model-communes", async (req, res) => {
    const input = parseOrThrow(modelCommuneSchema, req.body, "invalid_model_commune");
    const { _csrf, ...values } = input;
    res.status(201).json(await registerModelCommune(ctx, staffOf(res).actor, values));
  });

  router.post("/api/v1/model-communes/:id/progress", async (req, res) => {
    const { id } = parseOrThrow(z.object({ id: uuidParam }), req.params, "not_found");
    const input = parseOrThrow(modelProgressSchema, req.body, "invalid_model_progress");
    await recordModelProgress(ctx, staffOf(res).actor, id, input.progress, input.completed);
    res.status(204).end();
  });

  return router;
}
