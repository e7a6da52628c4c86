/**
 * The places register for staff (server-rendered, no JavaScript):
 *   GET  /staff/places?district=&commune=&kind=     the places of a district or commune, each with its state history,
 *                                                   its cases and a form to record a change; the form to add a place
 *   POST /staff/places                              add a place (from a case: `caseId`, then back to the case)
 *   POST /staff/places/:id/state                    record eliminated / re-emerged / replanted on a day
 *   POST /staff/places/:id/link, /unlink            link a case (`caseId`) or unlink it, then back to the case
 * The case page shows its box (casePlacesBox): linked places and suggestions from the same commune and kind.
 */
import { Router, type Request, type Response } from "express";
import { linkCaseToPlace, unlinkCaseFromPlace } from "../../commands/placeCaseLinker.js";
import { createPlace } from "../../commands/placeCreator.js";
import { recordPlaceState } from "../../commands/placeStateRecorder.js";
import { openPlaceDetails } from "../../commands/placeDetailsOpener.js";
import type { AppContext } from "../../context.js";
import type { TipRow } from "../../db/rows.js";
import { HttpError } from "../../errors.js";
import type { Translate } from "../../i18n/index.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { KIND_OF_CATEGORY, listPlaces, placesForCase, placesScope, PLACE_KINDS, RECORDED_STATES, vietnamToday, type PlaceEntry } from "../../places/register.js";
import { can, canOnCase, type Actor } from "../../policies/index.js";
import { newPlaceSchema, placeListQuery, placeStateSchema, placeLinkSchema } from "../../validation/places.js";
import { uuidOr404, validate } from "../../validation/parse.js";
import { fieldsOf, formBody, isFieldError, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";

/** A place as the templates show it: names of kind and states, cases by short reference. */
function shown(p: PlaceEntry, t: Translate, actor: Actor) {
  return {
    ...p,
    kindName: t(`places.kinds.${p.kind}`),
    stateName: t(`places.states.${p.state}`),
    history: p.history.map((h) => ({ ...h, name: t(`places.states.${h.state}`) })),
    cases: p.caseIds.map((id) => ({ id, ref: id.slice(0, 8) })),
    manage: can(actor, "places.manage", { districtCode: p.districtCode }),
    // What may be recorded next: the rules of placeStateRecorder, so the form offers nothing it would refuse.
    next: RECORDED_STATES.filter((s) => (s === "eliminated" ? p.state !== "eliminated" : p.state === "eliminated" && (s !== "replanted" || p.kind === "cultivation"))).map((s) => ({
      key: s,
      label: t(`places.states.${s}`),
    })),
  };
}

interface View {
  errors?: Record<string, string>;
  values?: Record<string, string>;
  /** The place whose row form failed, or "new". */
  row?: string;
  done?: string;
}

async function render(ctx: AppContext, req: Request, res: Response, status: number, view: View = {}) {
  const { actor } = staffOf(res);
  const t = translatorOf(res);
  const parsed = placeListQuery.safeParse(req.query);
  const q = parsed.success ? parsed.data : {};
  const tree = await ctx.units.tree();
  const district = placesScope(actor, q.district ?? (q.commune ? tree.communeDistrict.get(q.commune) : undefined));
  const filter = { districtCode: district, communeCode: q.commune, kind: q.kind };
  const { places: list } = await openPlaceDetails(ctx, actor, staffOf(res).session.privateKey, { places: await listPlaces(ctx.database.db, tree, filter) });
  const districts = tree.districts.filter((d) => can(actor, "places.view", { districtCode: d.code }));
  res.status(status).render("staff/places/list.njk", {
    places: list.map((p) => shown(p, t, actor)),
    districts,
    filter: { district: district ?? "", commune: q.commune ?? "", kind: q.kind ?? "" },
    kinds: PLACE_KINDS.map((k) => ({ key: k, label: t(`places.kinds.${k}`) })),
    mayCreate: districts.some((d) => can(actor, "places.manage", { districtCode: d.code })),
    today: vietnamToday(),
    errors: view.errors ?? {},
    values: view.values ?? { caseId: textOf(req.query.case), communeCode: q.commune ?? "", kind: q.kind ?? "" },
    row: view.row ?? null,
    done: ["created", "state"].includes(view.done ?? "") ? view.done : null,
  });
}

/** The places box of a case page: null when the person may not see the district's places. */
export async function casePlacesBox(ctx: AppContext, actor: Actor, privateKey: Uint8Array, tip: TipRow, t: Translate) {
  if (!can(actor, "places.view", { districtCode: tip.districtCode }) || !canOnCase(actor, "case.view", tip) || tip.category === "help_request") return null;
  const r = await openPlaceDetails(ctx, actor, privateKey, await placesForCase(ctx.database.db, await ctx.units.tree(), tip));
  return {
    linked: r.linked.map((p) => shown(p, t, actor)),
    suggested: r.suggested.map((p) => shown(p, t, actor)),
    manage: can(actor, "places.manage", { districtCode: tip.districtCode }),
    commune: tip.communeCode,
    kind: KIND_OF_CATEGORY[tip.category] ?? "",
  };
}

export function staffPlacePages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/places", noStore, requireStaff, formBody, requireCsrf, pageLocals);

  router.get("/staff/places", async (req: Request, res: Response) => {
    await render(ctx, req, res, 200, { done: textOf(req.query.done) });
  });

  router.post("/staff/places", async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, textOf(v)]));
    const parsed = validate(newPlaceSchema, body);
    if (!parsed.ok) return render(ctx, req, res, 400, { row: "new", values, errors: translateFields(res, parsed.fields) });
    const { communeCode, kind, label, location, detectedOn, caseId } = parsed.value;
    try {
      await createPlace(ctx, staffOf(res).actor, { communeCode, kind, label, location, detectedOn, caseId });
    } catch (err) {
      if (isFieldError(err)) return render(ctx, req, res, 400, { row: "new", values, errors: translateFields(res, err.fields) });
      throw err;
    }
    if (caseId) return seeOther(res, `/staff/cases/${caseId}`, { done: "place_created" });
    seeOther(res, "/staff/places", { commune: communeCode, done: "created" });
  });

  router.post("/staff/places/:id/state", async (req: Request, res: Response) => {
    const id = uuidOr404(req.params.id);
    const body = fieldsOf(req, res);
    const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, textOf(v)]));
    const parsed = validate(placeStateSchema, body);
    if (!parsed.ok) return render(ctx, req, res, 400, { row: id, values, errors: translateFields(res, parsed.fields) });
    try {
      await recordPlaceState(ctx, staffOf(res).actor, id, parsed.value);
    } catch (err) {
      if (isFieldError(err)) return render(ctx, req, res, 400, { row: id, values, errors: translateFields(res, err.fields) });
      throw err;
    }
    seeOther(res, "/staff/places", { ...(typeof req.query.commune === "string" ? { commune: req.query.commune } : {}), done: "state" });
  });

  for (const action of ["link", "unlink"] as const) {
    router.post(`/staff/places/:id/${action}`, async (req: Request, res: Response) => {
      const id = uuidOr404(req.params.id);
      const parsed = validate(placeLinkSchema, fieldsOf(req, res));
      if (!parsed.ok) throw new HttpError(400, "invalid_link", "errors.invalid_input", parsed.fields);
      const { caseId } = parsed.value;
      const actor = staffOf(res).actor;
      if (action === "link") await linkCaseToPlace(ctx, actor, id, caseId);
      else await unlinkCaseFromPlace(ctx, actor, id, caseId);
      seeOther(res, `/staff/cases/${caseId}`, { done: `place_${action}ed` });
    });
  }

  return router;
}
