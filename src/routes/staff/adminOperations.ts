/**
 * The administrators' operations pages (server-rendered, no JavaScript needed):
 *   GET  /staff/admin/queues      POST /staff/admin/queues/:name/retry   the background queues, retry failed jobs
 *   GET  /staff/admin/coverage    POST /staff/admin/coverage             which police unit takes a district's or commune's cases
 * Each step: session → form body → CSRF (field _csrf) → policy → command → redirect 303
 * (or the form again with its messages).
 */
import { Router, type Request, type Response } from "express";
import { listCoverage } from "../../cases/coverageRules.js";
import { setCoverage } from "../../commands/coverageSetter.js";
import type { AppContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { formatDateTime } from "../../i18n/format.js";
import type { Locale, Translate } from "../../i18n/index.js";
import { translateField } from "../../middlewares/errorHandler.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize } from "../../policies/index.js";
import { listPoliceUnits } from "../../policeUnits/policeUnitQueries.js";
import { retryFailed, queueHealth } from "../../queues/health.js";
import { coverageSchema } from "../../validation/staff.js";
import { validate } from "../../validation/parse.js";
import { countOf, formBody, pageLocals, placeNames } from "./forms.js";

async function renderCoverage(ctx: AppContext, res: Response, status = 200, failure?: { form: string; errors: Record<string, string> }, saved = false) {
  const [where, rules, units] = await Promise.all([
    placeNames(ctx),
    listCoverage(ctx.database.db),
    listPoliceUnits(ctx.database.db),
  ]);
  const rule = new Map(rules.map((r) => [r.unitCode, r.policeUnitId]));
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const { tree } = where;
  res.status(status).render("staff/admin-coverage.njk", {
    districts: tree.districts.map((d) => ({ code: d.code, name: d.name, unitId: rule.get(d.code) ?? "", communes: d.communes })),
    exceptions: rules
      .filter((r) => tree.communeDistrict.has(r.unitCode))
      .map((r) => ({
        code: r.unitCode,
        name: where.name(r.unitCode),
        district: where.name(tree.communeDistrict.get(r.unitCode)),
        unit: unitName.get(r.policeUnitId) ?? r.policeUnitId,
      })),
    units: units.filter((u) => u.active),
    failure: failure ?? null,
    saved,
    csrf: staffOf(res).session.record.csrf,
  });
}

export function staffOperationPages(ctx: AppContext): Router {
  const router = Router();
  router.use(["/staff/admin/queues", "/staff/admin/coverage"], noStore, requireStaff, formBody, requireCsrf, pageLocals);

  router.get("/staff/admin/queues", async (req: Request, res: Response) => {
    authorize(staffOf(res).actor, "queues.manage");
    const queues = (await queueHealth(ctx)).map((q) => ({ ...q, recentFailures: q.recentFailures.map((f) => ({ ...f, at: f.at ? formatDateTime(new Date(f.at)) : "" })) }));
    const retried = typeof req.query.retried === "string" && queues.some((q) => q.name === req.query.retried) ? { name: req.query.retried, count: countOf(req.query.count) } : null;
    res.render("staff/admin-queues.njk", { queues, retried, csrf: staffOf(res).session.record.csrf });
  });

  router.post("/staff/admin/queues/:name/retry", async (req: Request, res: Response) => {
    authorize(staffOf(res).actor, "queues.manage");
    const name = req.params.name as string;
    const count = await retryFailed(ctx, name);
    const lang = res.locals.lang as Locale;
    res.redirect(303, `/staff/admin/queues?${new URLSearchParams({ retried: name, count: String(count), ...(lang === "vi" ? {} : { lang }) })}`);
  });

  router.get("/staff/admin/coverage", async (req: Request, res: Response) => {
    authorize(staffOf(res).actor, "units.manage");
    await renderCoverage(ctx, res, 200, undefined, req.query.saved === "1");
  });

  router.post("/staff/admin/coverage", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    authorize(actor, "units.manage");
    const { policeUnitId, ...rest } = (req.body ?? {}) as Record<string, unknown>;
    // An empty choice removes the rule.
    const body = policeUnitId === "" || policeUnitId === undefined ? rest : { ...rest, policeUnitId };
    // Which of the page's forms was sent, so its errors show next to it.
    const formName = typeof rest.formName === "string" && /^(?:(?:district|remove)-\d{1,10}|exception)$/.test(rest.formName) ? rest.formName : "exception";
    delete body.formName;
    const t = res.locals.t as Translate;
    const fail = (fields: Record<string, string>) =>
      renderCoverage(ctx, res, 400, { form: formName, errors: Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${formName}-${k}`, translateField(t, v)])) });
    const parsed = validate(coverageSchema, body);
    if (!parsed.ok) return fail(parsed.fields);
    try {
      await setCoverage(ctx, actor, parsed.value.unitCode, parsed.value.policeUnitId);
    } catch (err) {
      if (err instanceof HttpError && err.status === 400 && err.fields) return fail(err.fields);
      throw err;
    }
    const lang = res.locals.lang as Locale;
    res.redirect(303, `/staff/admin/coverage?saved=1${lang === "vi" ? "" : `&lang=${lang}`}`);
  });

  return router;
}
