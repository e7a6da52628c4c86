/**
 * The commune drug-situation register:
 *   GET  /api/v1/communes/classification?year=2020            every commune and its entry (a district-bound person: their district)
 *   PUT  /api/v1/communes/:code/classification/:year          { level, decision?, decidedOn? } (police, administrators)
 *   GET  /api/v1/communes/classification/:year.csv            the year as CSV (UTF-8 with BOM)
 *   POST /api/v1/communes/classification/:year.csv            import a year from CSV (Content-Type: text/csv), all or nothing
 *   GET  /api/v1/communes/figures?year=2020&scope=district:831 the register's figures against the baseline and targets
 */
import express, { Router, type Request, type Response } from "express";
import { z } from "zod";
import { classifyCommune, exportClassifications } from "../../../commands/communeClassifier.js";
import { registerFigures, registerList, registerScope } from "../../../communes/register.js";
import { importRegisterCsv } from "../../../flows/communeRegister.js";
import type { AppContext } from "../../../context.js";
import { invalidInput, notFound } from "../../../errors.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { getSetting } from "../../../settings/settings.js";
import { classificationParams, classificationSchema, yearField } from "../../../validation/communes.js";
import { parseOrThrow } from "../../../validation/parse.js";

const yearQuery = z.object({ year: yearField, scope: z.string().regex(/^(province|district:\d{1,10})$/, "errors.invalid_scope").optional(), lang: z.string().optional() });
const csvFile = z.object({ file: z.string().regex(/^\d{4}\.csv$/, "errors.not_found") });

export function communesApi(ctx: AppContext): Router {
  const router = Router();
  router.use("/api/v1/communes", noStore, requireStaff, requireCsrf);

  router.get("/api/v1/communes/classification", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const q = parseOrThrow(yearQuery, req.query, "invalid_query");
    const district = registerScope(actor, q.scope?.startsWith("district:") ? q.scope.slice(9) : undefined);
    res.json({ year: q.year, communes: await registerList(ctx.database.db, await ctx.units.tree(), q.year, district) });
  });

  router.put("/api/v1/communes/:code/classification/:year", async (req: Request, res: Response) => {
    const { code, year } = parseOrThrow(classificationParams, req.params, "not_found");
    const body = parseOrThrow(classificationSchema, req.body ?? {}, "invalid_classification");
    const { actor } = staffOf(res);
    const r = await classifyCommune(ctx, actor, { communeCode: code, year, level: body.level, decision: body.decision, decidedOn: body.decidedOn });
    res.json({ communeCode: code, year, level: body.level, decision: body.decision ?? null, decidedOn: body.decidedOn ?? null, before: r.before });
  });

  router.get("/api/v1/communes/classification/:file", async (req: Request, res: Response) => {
    const parsed = csvFile.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const year = parseOrThrow(yearField, parsed.data.file.slice(0, 4), "invalid_query");
    const { actor } = staffOf(res);
    const q = parseOrThrow(yearQuery.omit({ year: true }), req.query, "invalid_query");
    const district = registerScope(actor, q.scope?.startsWith("district:") ? q.scope.slice(9) : undefined);
    const csv = await exportClassifications(ctx, actor, year, district);
    res.setHeader("Content-Type", "text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", `attachment; filename="homthu-communes-${year}.csv"`);
    res.send(csv);
  });

  router.post("/api/v1/communes/classification/:file", express.text({ type: ["text/csv", "text/plain"], limit: "512kb" }), async (req: Request, res: Response) => {
    const parsed = csvFile.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const year = parseOrThrow(yearField, parsed.data.file.slice(0, 4), "invalid_query");
    if (typeof req.body !== "string") throw invalidInput("invalid_csv", { file: "errors.csv_content_type" });
    res.json({ year, ...(await importRegisterCsv(ctx, staffOf(res).actor, year, req.body)) });
  });

  router.get("/api/v1/communes/figures", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const q = parseOrThrow(yearQuery, req.query, "invalid_query");
    const district = registerScope(actor, q.scope?.startsWith("district:") ? q.scope.slice(9) : undefined);
    const targets = await getSetting(ctx.database.db, "registerTargets");
    res.json(await registerFigures(ctx.database.db, await ctx.units.tree(), q.year, targets, district));
  });

  return router;
}
