/**
 * The administrators' settings page:
 *   GET/POST /staff/admin/settings   public figures on/off, the tipster's outcome wording
 * Saving is the command settingsUpdater (policy "settings.manage", audited).
 */
import { Router, type Request, type Response } from "express";
import { updateSettings } from "../../commands/settingsUpdater.js";
import type { AppContext } from "../../context.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { getSetting, type OutcomeWordings } from "../../settings/settings.js";
import { validate } from "../../validation/parse.js";
import { settingsSchema, WORDED_OUTCOMES } from "../../validation/settings.js";
import { fieldsOf, formBody, may, pageLocals, seeOther, textOf, translateFields } from "./forms.js";

/** What the page shows again after a post: the typed values and field messages, or that it was saved. */
type SettingsView = { values?: Record<string, unknown>; errors?: Record<string, string>; saved?: boolean };

async function renderSettings(ctx: AppContext, res: Response, status: number, view: SettingsView = {}) {
  const [publicFigures, wordings] = await Promise.all([getSetting(ctx.database.db, "publicFigures"), getSetting(ctx.database.db, "outcomeWordings")]);
  const field = (o: string, l: "vi" | "en") => (view.values ? textOf(view.values[`wording.${o}.${l}`]) : (wordings[o]?.[l] ?? ""));
  res.status(status).render("staff/reports/settings.njk", {
    publicFigures: view.values ? !!view.values.publicFigures : publicFigures,
    outcomes: WORDED_OUTCOMES.map((o) => ({ key: o, vi: field(o, "vi"), en: field(o, "en") })),
    errors: view.errors ?? {},
    saved: !!view.saved,
  });
}

export function staffSettingsPages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/admin/settings", noStore, formBody, requireStaff, requireCsrf, pageLocals);

  router.get("/staff/admin/settings", may("settings.manage"), (req: Request, res: Response) => renderSettings(ctx, res, 200, { saved: req.query.saved === "1" }));

  router.post("/staff/admin/settings", may("settings.manage"), async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const parsed = validate(settingsSchema, body);
    if (!parsed.ok) return renderSettings(ctx, res, 400, { values: body, errors: translateFields(res, parsed.fields) });
    const v = parsed.value as Record<string, string | undefined>;
    // Only wordings someone wrote are stored; an outcome without one keeps the general default.
    const wordings: OutcomeWordings = {};
    for (const o of WORDED_OUTCOMES) {
      const vi = v[`wording.${o}.vi`] ?? "";
      const en = v[`wording.${o}.en`] ?? "";
      if (vi || en) wordings[o] = { vi, en };
    }
    await updateSettings(ctx, staffOf(res).actor, !!v.publicFigures, wordings);
    seeOther(res, "/staff/admin/settings", { saved: "1" });
  });

  return router;
}
