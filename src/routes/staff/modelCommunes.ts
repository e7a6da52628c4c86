/**
 * The model communes page (mô hình điểm):
 *   GET/POST /staff/model-communes               the year's model communes; register one (liaison, admin)
 *   POST     /staff/model-communes/:id/progress  record progress and completion
 * Registering and progress are the commands of modelCommuneRegistrar (policy "model.manage", audited).
 */
import { Router, type Request, type Response } from "express";
import { recordModelProgress, registerModelCommune } from "../../commands/modelCommuneRegistrar.js";
import type { AppContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import { formatDate } from "../../i18n/format.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { can } from "../../policies/index.js";
import { modelCommuneStatus, modelRows, vietnamYear } from "../../stats/modelCommuneStatus.js";
import { modelCommuneSchema, modelProgressSchema } from "../../validation/modelCommunes.js";
import { uuidParam, validate } from "../../validation/parse.js";
import { fieldsOf, formBody, isFieldError, may, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";

/** What the page shows again after a post: the typed values, field messages, a message, what was just done. */
interface ModelPageView {
  values?: Record<string, unknown>;
  errors?: Record<string, string>;
  message?: string;
  done?: string;
}

async function renderModelCommunes(ctx: AppContext, res: Response, status: number, year: number, view: ModelPageView = {}) {
  const { actor } = staffOf(res);
  const tree = await ctx.units.tree();
  const all = await modelCommuneStatus(ctx, year);
  const mine = actor.role === "admin" || !actor.districtCode ? all : all.filter((d) => d.districtCode === actor.districtCode);
  const communeName = new Map(tree.districts.flatMap((d) => d.communes.map((c) => [c.code, c.name] as const)));
  const rows = modelRows(mine).map((d) => ({
    ...d,
    commune: d.registration ? (communeName.get(d.registration.communeCode) ?? d.registration.communeCode) : null,
    completed: !!d.registration?.completedAt,
    completedOn: d.registration?.completedAt ? formatDate(d.registration.completedAt) : null,
    manage: can(actor, "model.manage", { districtCode: d.districtCode }),
  }));
  // The registration form: the districts this person manages (several models a year are welcome);
  // a past year only for administrators.
  const yearOpen = actor.role === "admin" || year >= vietnamYear();
  const open = yearOpen ? tree.districts.filter((d) => can(actor, "model.manage", { districtCode: d.code })) : [];
  const values = Object.fromEntries(["districtCode", "communeCode", "content", "startDate", "plannedEndDate"].map((k) => [k, textOf(view.values?.[k])]));
  if (!values.districtCode && open.length === 1) values.districtCode = open[0]!.code;
  res.status(status).render("staff/reports/modelCommunes.njk", {
    year, rows, open, values, errors: view.errors ?? {}, message: view.message ?? null, pastYear: year < vietnamYear(),
    done: view.done === "registered" || view.done === "progress" ? view.done : null,
    deadline: all[0] ? formatDate(new Date(all[0].deadline)) : null,
    years: [year - 1, year, year + 1],
  });
}

/** The year asked for, or this year in Vietnam. */
const yearOf = (v: unknown) => {
  const y = Number(textOf(v));
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : vietnamYear();
};

export function staffModelCommunePages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/model-communes", noStore, formBody, requireStaff, requireCsrf, pageLocals);

  router.get("/staff/model-communes", may("stats.view"), async (req: Request, res: Response) => {
    await renderModelCommunes(ctx, res, 200, yearOf(req.query.year), { done: textOf(req.query.done) });
  });

  router.post("/staff/model-communes", may("model.manage"), async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const year = yearOf(body.year);
    const parsed = validate(modelCommuneSchema, body);
    if (!parsed.ok) return renderModelCommunes(ctx, res, 400, year, { values: body, errors: translateFields(res, parsed.fields) });
    const { _csrf, ...input } = parsed.value;
    try {
      await registerModelCommune(ctx, staffOf(res).actor, input);
    } catch (err) {
      if (isFieldError(err)) return renderModelCommunes(ctx, res, 400, year, { values: body, errors: translateFields(res, err.fields) });
      if (err instanceof HttpError && err.status === 409) {
        return renderModelCommunes(ctx, res, 409, year, { values: body, message: translatorOf(res)(err.messageKey) });
      }
      throw err;
    }
    seeOther(res, "/staff/model-communes", { year: String(input.year), done: "registered" });
  });

  router.post("/staff/model-communes/:id/progress", may("model.manage"), async (req: Request, res: Response) => {
    const id = uuidParam.safeParse(req.params.id);
    if (!id.success) throw notFound();
    const body = fieldsOf(req, res);
    const year = yearOf(body.year);
    delete body.year;
    const parsed = validate(modelProgressSchema, body);
    if (!parsed.ok) return renderModelCommunes(ctx, res, 400, year, { errors: translateFields(res, parsed.fields) });
    await recordModelProgress(ctx, staffOf(res).actor, id.data, parsed.value.progress, parsed.value.completed);
    seeOther(res, "/staff/model-communes", { year: String(year), done: "progress" });
  });

  return router;
}
