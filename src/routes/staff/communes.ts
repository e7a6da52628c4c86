/**
 * The commune drug-situation register for staff (server-rendered, no JavaScript):
 *   GET  /staff/communes?year=2020                        every commune's classification, the year's figures
 *   POST /staff/communes/:code/classification             one commune (police, administrators)
 *   POST /staff/communes/import                           a year's CSV file, all or nothing
 *   POST /staff/communes/targets                          baseline year and targets (administrators)
 * The export is the API's CSV (/api/v1/communes/classification/<year>.csv).
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import multer from "multer";
import { classifyCommune, setRegisterTargets } from "../../commands/communeClassifier.js";
import { LEVELS, registerFigures, registerList, registerScope } from "../../communes/register.js";
import { importRegisterCsv } from "../../flows/communeRegister.js";
import type { AppContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { can } from "../../policies/index.js";
import { getSetting } from "../../settings/settings.js";
import { classificationSchema, registerTargetsSchema, yearField } from "../../validation/communes.js";
import { validate } from "../../validation/parse.js";
import { formatters } from "../../presenters/reportPresenter.js";
import { countOf, fieldsOf, formBody, isFieldError, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";

const OFFSET_MS = 7 * 3_600_000;
const thisYear = () => new Date(Date.now() + OFFSET_MS).getUTCFullYear();
const yearOf = (v: unknown) => {
  const y = yearField.safeParse(textOf(v));
  return y.success ? y.data : thisYear();
};

/** The import form's file, in memory, small; a refused upload is reported on the form, not thrown. */
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 512 * 1024, files: 1, fields: 5, parts: 6 } }).single("file");
function csvUpload(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== "POST" || req.path !== "/import") return next();
  upload(req, res, (err?: unknown) => {
    if (err) res.locals.uploadError = "errors.csv_too_large";
    next();
  });
}

interface View {
  errors?: Record<string, string>;
  values?: Record<string, string>;
  message?: string;
  done?: string;
  /** The commune whose row form failed. */
  row?: string;
}

async function render(ctx: AppContext, res: Response, status: number, year: number, view: View = {}) {
  const { actor } = staffOf(res);
  const t = translatorOf(res);
  const district = registerScope(actor);
  const tree = await ctx.units.tree();
  const targets = await getSetting(ctx.database.db, "registerTargets");
  const db = ctx.database.db;
  const [list, figures] = await Promise.all([registerList(db, tree, year, district), registerFigures(db, tree, year, targets, district)]);
  const rows = list.map((e) => ({ ...e, levelName: e.level ? t(`communeRegister.levels.${e.level}`) : t("communeRegister.notClassified"), edit: can(actor, "communes.classify", { districtCode: e.districtCode }) }));
  res.status(status).render("staff/communes/register.njk", {
    year,
    years: [year - 1, year, year + 1],
    rows,
    figures,
    fmt: formatters(res.locals.lang, t),
    levels: LEVELS.map((l) => ({ key: l, label: t(`communeRegister.levels.${l}`) })),
    may: { classify: can(actor, "communes.classify"), targets: can(actor, "settings.manage") },
    targets: view.values && view.done === undefined && !view.row ? view.values : { ...targets, drugFreePercent: Math.round(targets.drugFreeShare * 1000) / 10 },
    csvHref: `/api/v1/communes/classification/${year}.csv`,
    errors: view.errors ?? {},
    values: view.values ?? {},
    row: view.row ?? null,
    message: view.message ?? null,
    done: ["classified", "imported", "targets"].includes(view.done ?? "") ? view.done : null,
  });
}

export function staffCommunePages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/communes", noStore, requireStaff, csvUpload, formBody, requireCsrf, pageLocals);

  router.get("/staff/communes", async (req: Request, res: Response) => {
    await render(ctx, res, 200, yearOf(req.query.year), { done: textOf(req.query.done), message: req.query.imported ? translatorOf(res)("communeRegister.importedCount", { n: countOf(req.query.imported), changed: countOf(req.query.changed) }) : undefined });
  });

  router.post("/staff/communes/:code/classification", async (req: Request, res: Response) => {
    const code = String(req.params.code);
    if (!/^\d{1,10}$/.test(code)) throw notFound();
    const body = fieldsOf(req, res);
    const year = yearField.safeParse(textOf(body.year));
    delete body.year;
    const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, textOf(v)]));
    if (!year.success) return render(ctx, res, 400, thisYear(), { row: code, values, errors: translateFields(res, { year: "errors.invalid_year" }) });
    const parsed = validate(classificationSchema, body);
    if (!parsed.ok) return render(ctx, res, 400, year.data, { row: code, values, errors: translateFields(res, parsed.fields) });
    try {
      const { level, decision, decidedOn } = parsed.value;
      await classifyCommune(ctx, staffOf(res).actor, { communeCode: code, year: year.data, level, decision, decidedOn });
    } catch (err) {
      if (isFieldError(err)) return render(ctx, res, 400, year.data, { row: code, values, errors: translateFields(res, err.fields) });
      throw err;
    }
    seeOther(res, "/staff/communes", { year: String(year.data), done: "classified" });
  });

  router.post("/staff/communes/import", async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const year = yearOf(body.year);
    const t = translatorOf(res);
    if (res.locals.uploadError) return render(ctx, res, 400, year, { errors: translateFields(res, { file: res.locals.uploadError as string }) });
    const file = (req as Request & { file?: Express.Multer.File }).file;
    if (!file || file.size === 0) return render(ctx, res, 400, year, { errors: translateFields(res, { file: "errors.csv_empty" }) });
    try {
      const r = await importRegisterCsv(ctx, staffOf(res).actor, year, file.buffer.toString("utf8"));
      seeOther(res, "/staff/communes", { year: String(year), done: "imported", imported: String(r.imported), changed: String(r.changed) });
    } catch (err) {
      if (isFieldError(err)) return render(ctx, res, 400, year, { errors: translateFields(res, err.fields), message: t(err.messageKey, err.extra) });
      throw err;
    }
  });

  router.post("/staff/communes/targets", async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const year = yearOf(body.year);
    delete body.year;
    const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, textOf(v)]));
    const parsed = validate(registerTargetsSchema, body);
    if (!parsed.ok) return render(ctx, res, 400, year, { values, errors: translateFields(res, parsed.fields) });
    const v = parsed.value;
    const targets = { baselineYear: v.baselineYear, reductionTarget: v.reductionTarget, drugFreeShare: v.drugFreePercent / 100, drugFreeYear: v.drugFreeYear };
    await setRegisterTargets(ctx, staffOf(res).actor, targets);
    seeOther(res, "/staff/communes", { year: String(year), done: "targets" });
  });

  return router;
}
