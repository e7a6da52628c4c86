/**
 * The places register (police and liaisons of the place's district, administrators):
 *   GET    /api/v1/places?district=&commune=&kind=        places with their states, cases and (with a key) label
 *   POST   /api/v1/places                                 { communeCode, kind, label, location?, detectedOn?, caseId? } → 201 { id }
 *   GET    /api/v1/places/figures?period=2020-Q1&scope=district:831  the register's figures (who may see statistics; suppressed for supervisors)
 *   GET    /api/v1/places/figures/2020-Q1.csv|.xlsx  (custom.csv with from= and to=; sep=comma) the same as a file
 *   GET    /api/v1/places/for-case/:caseId                the case's places and the suggestions (same commune and kind)
 *   GET    /api/v1/places/:id                             one place
 *   POST   /api/v1/places/:id/states                      { state: eliminated|re_emerged|replanted, onDate }
 *   PUT    /api/v1/places/:id/cases/:caseId               link a case
 *   DELETE /api/v1/places/:id/cases/:caseId               unlink it
 */
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { loadCase } from "../../../cases/caseView.js";
import { linkCaseToPlace, unlinkCaseFromPlace } from "../../../commands/placeCaseLinker.js";
import { createPlace } from "../../../commands/placeCreator.js";
import { recordPlaceState } from "../../../commands/placeStateRecorder.js";
import { openPlaceDetails } from "../../../commands/placeDetailsOpener.js";
import type { AppContext } from "../../../context.js";
import { reportingDb } from "../../../db/readReplica.js";
import { invalidInput, notFound } from "../../../errors.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { placeFigures } from "../../../places/placeFigures.js";
import { districtOfPlace, KIND_OF_CATEGORY, listPlaces, loadPlace, placesForCase, placesScope, type PlaceEntry } from "../../../places/register.js";
import { authorize, authorizeCase, type GeneralAction } from "../../../policies/index.js";
import { newPlaceSchema, placeListQuery, placeStateSchema } from "../../../validation/places.js";
import { parseOrThrow, uuidParam } from "../../../validation/parse.js";
import { authorizeStatsScope, requirePeriodAllowed, suppressionFor } from "../../../stats/statsAccess.js";
import { exportQuerySchema, periodOf, scopeOf, statsQuerySchema } from "../../../validation/stats.js";
import { recordReportExport } from "../../../commands/reportExportRecorder.js";
import type { Translate } from "../../../i18n/index.js";
import { exportFile, exportFileOf } from "../../../reports/exportFile.js";
import { placesExportTable } from "../../../reports/placesExportTable.js";
import { customPeriod, parsePeriod, type Period } from "../../../stats/periods.js";

const idParams = z.object({ id: uuidParam });
const linkParams = z.object({ id: uuidParam, caseId: uuidParam });

/** A malformed id in the URL is a place or case that does not exist: 404. */
function paramsOf<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const r = schema.safeParse(req.params);
  if (!r.success) throw notFound();
  return r.data;
}

const translatorOf = (res: Response) => res.locals.t as Translate;

/** Open the labels of these lists of places the signed-in person holds keys for (audited). */
const opened = <L extends Record<string, PlaceEntry[]>>(ctx: AppContext, res: Response, lists: L) => {
  const staff = staffOf(res);
  return openPlaceDetails(ctx, staff.actor, staff.session.privateKey, lists);
};

export function placesApi(ctx: AppContext): Router {
  const router = Router();
  router.use("/api/v1/places", noStore, requireStaff, requireCsrf);

  router.get("/api/v1/places", async (req: Request, res: Response) => {
    const q = parseOrThrow(placeListQuery, req.query, "invalid_query");
    const tree = await ctx.units.tree();
    const districtCode = placesScope(staffOf(res).actor, q.district ?? (q.commune ? tree.communeDistrict.get(q.commune) : undefined));
    res.json(await opened(ctx, res, { places: await listPlaces(ctx.database.db, tree, { districtCode, communeCode: q.commune, kind: q.kind }) }));
  });

  router.post("/api/v1/places", async (req: Request, res: Response) => {
    const b = parseOrThrow(newPlaceSchema, req.body ?? {}, "invalid_place");
    const { communeCode, kind, label, location, detectedOn, caseId } = b;
    const r = await createPlace(ctx, staffOf(res).actor, { communeCode, kind, label, location, detectedOn, caseId });
    res.status(201).json(r);
  });

  /** The figures of a checked period, scope and category, as this person may see them. */
  async function figuresOf(res: Response, period: Period | null, q: { scope: string; category?: string }, action: GeneralAction) {
    const { actor } = staffOf(res);
    if (!period) throw invalidInput("invalid_query", { period: "errors.invalid_period" });
    if (q.scope.startsWith("commune:")) throw invalidInput("invalid_query", { scope: "errors.invalid_scope" });
    const scope = await authorizeStatsScope(ctx, actor, scopeOf(q.scope), action);
    requirePeriodAllowed(ctx, actor, period);
    const kind = q.category ? KIND_OF_CATEGORY[q.category] : undefined;
    if (q.category && !kind) throw invalidInput("invalid_query", { category: "errors.invalid_category" });
    const suppression = suppressionFor(ctx, actor);
    const figures = await placeFigures(reportingDb(ctx.database), await ctx.units.tree(), period, { districtCode: scope.districtCode, kind, suppression });
    return { scope, figures };
  }

  router.get("/api/v1/places/figures", async (req: Request, res: Response) => {
    const q = parseOrThrow(statsQuerySchema.omit({ groupBy: true }), req.query, "invalid_query");
    res.json((await figuresOf(res, periodOf(q), q, "stats.view")).figures);
  });

  // The same as a file: 2020-Q1.csv, 2020.xlsx, or custom.csv with from= and to= (audited like every report export).
  router.get("/api/v1/places/figures/:file", async (req: Request, res: Response) => {
    const file = exportFileOf(String(req.params.file));
    const q = parseOrThrow(exportQuerySchema, req.query, "invalid_query");
    const period = !file ? null : file.name === "custom" ? (q.from && q.to ? customPeriod(q.from, q.to) : null) : parsePeriod(file.name);
    const { scope, figures } = await figuresOf(res, period, q, "stats.export");
    const t = translatorOf(res);
    const table = placesExportTable(t, await ctx.units.tree(), { period: period!, districtCode: scope.districtCode, category: q.category, figures });
    const exported = { periodLabel: `places:${period!.label}`, districtCode: scope.districtCode ?? null, scope: q.scope, category: q.category ?? null };
    await recordReportExport(ctx, staffOf(res).actor, { ...exported, format: file!.format });
    const f = await exportFile(t, table, file!.format, q.sep);
    res.setHeader("Content-Type", f.type);
    res.setHeader("Content-Disposition", `attachment; filename="${f.fileName}"`);
    res.send(f.body);
  });

  router.get("/api/v1/places/for-case/:caseId", async (req: Request, res: Response) => {
    const { caseId } = paramsOf(z.object({ caseId: uuidParam }), req);
    const { actor } = staffOf(res);
    const tip = await loadCase(ctx, caseId);
    authorizeCase(actor, "case.view", tip);
    authorize(actor, "places.view", { districtCode: tip.districtCode });
    res.json(await opened(ctx, res, await placesForCase(ctx.database.db, await ctx.units.tree(), tip)));
  });

  router.get("/api/v1/places/:id", async (req: Request, res: Response) => {
    const { id } = paramsOf(idParams, req);
    const tree = await ctx.units.tree();
    authorize(staffOf(res).actor, "places.view", { districtCode: districtOfPlace(tree, await loadPlace(ctx.database.db, id)) });
    const { places: [place] } = await opened(ctx, res, { places: await listPlaces(ctx.database.db, tree, { ids: [id] }) });
    if (!place) throw notFound();
    res.json(place);
  });

  router.post("/api/v1/places/:id/states", async (req: Request, res: Response) => {
    const { id } = paramsOf(idParams, req);
    const b = parseOrThrow(placeStateSchema, req.body ?? {}, "invalid_place_state");
    const r = await recordPlaceState(ctx, staffOf(res).actor, id, { state: b.state, onDate: b.onDate });
    res.json({ id, state: b.state, onDate: b.onDate, before: r.before });
  });

  router.put("/api/v1/places/:id/cases/:caseId", async (req: Request, res: Response) => {
    const { id, caseId } = paramsOf(linkParams, req);
    res.json(await linkCaseToPlace(ctx, staffOf(res).actor, id, caseId));
  });

  router.delete("/api/v1/places/:id/cases/:caseId", async (req: Request, res: Response) => {
    const { id, caseId } = paramsOf(linkParams, req);
    res.json(await unlinkCaseFromPlace(ctx, staffOf(res).actor, id, caseId));
  });

  return router;
}
