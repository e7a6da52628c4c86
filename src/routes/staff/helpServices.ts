/**
 * The help services directory for administrators (no JavaScript):
 *   GET  /staff/admin/help-services          every service, an add form and an edit form per service
 *   POST /staff/admin/help-services          add one
 *   POST /staff/admin/help-services/:id      change one (untick "active" to hide it)
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import { createHelpService, updateHelpService } from "../../commands/helpServiceEditor.js";
import type { AppContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { listHelpServices, SERVICE_KINDS } from "../../help/directory.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize } from "../../policies/index.js";
import { helpServiceSchema } from "../../validation/help.js";
import { uuidParam, validate } from "../../validation/parse.js";
import { fieldsOf, formBody, isFieldError, pageLocals, seeOther, textOf, translateFields } from "./forms.js";

const FIELDS = ["name", "districtCode", "address", "phone", "hours", "kind", "active"] as const;

interface View {
  form?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  saved?: boolean;
}

async function render(ctx: AppContext, res: Response, status: number, view: View = {}) {
  const tree = await ctx.units.tree();
  const names = new Map(tree.districts.map((d) => [d.code, d.name]));
  const services = (await listHelpServices(ctx.database.db, { all: true })).map((s) => {
    const mine = view.form === s.id;
    const values = mine && view.values ? view.values : Object.fromEntries(FIELDS.map((f) => [f, f === "active" ? (s.active ? "true" : "") : String(s[f] ?? "")]));
    return { ...s, districtName: s.districtCode ? names.get(s.districtCode) : null, values, errors: mine ? (view.errors ?? {}) : {} };
  });
  res.status(status).render("staff/admin/helpServices.njk", {
    services,
    districts: tree.districts,
    kinds: SERVICE_KINDS,
    add: { values: view.form === "new" && view.values ? view.values : { active: "true" }, errors: view.form === "new" ? (view.errors ?? {}) : {} },
    saved: !!view.saved,
  });
}

async function save(ctx: AppContext, req: Request, res: Response, id: string | null) {
  const body = fieldsOf(req, res);
  const values = Object.fromEntries(FIELDS.map((f) => [f, textOf(body[f])]));
  const form = id ?? "new";
  const parsed = validate(helpServiceSchema, body);
  if (!parsed.ok) return render(ctx, res, 400, { form, values, errors: translateFields(res, parsed.fields) });
  const { _csrf, lang, ...input } = parsed.value;
  try {
    if (id) await updateHelpService(ctx, staffOf(res).actor, id, input);
    else await createHelpService(ctx, staffOf(res).actor, input);
  } catch (err) {
    if (isFieldError(err)) return render(ctx, res, 400, { form, values, errors: translateFields(res, err.fields) });
    throw err;
  }
  seeOther(res, "/staff/admin/help-services", { saved: "1" });
}

const admins = (_req: Request, res: Response, next: NextFunction) => (authorize(staffOf(res).actor, "help.manage"), next());

export function staffHelpServicePages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/admin/help-services", noStore, formBody, requireStaff, requireCsrf, pageLocals, admins);
  router.get("/staff/admin/help-services", (req: Request, res: Response) => render(ctx, res, 200, { saved: req.query.saved === "1" }));
  router.post("/staff/admin/help-services", (req: Request, res: Response) => save(ctx, req, res, null));
  router.post("/staff/admin/help-services/:id", (req: Request, res: Response) => {
    const id = uuidParam.safeParse(req.params.id);
    if (!id.success) throw notFound();
    return save(ctx, req, res, id.data);
  });
  return router;
}
