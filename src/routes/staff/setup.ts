/**
 * The administrator's setup checklist (server-rendered, no JavaScript needed):
 *   GET  /staff/setup                   what is missing before launch, each with the page that fixes it
 *   POST /staff/setup/recovery-test     open the recovery key once on purpose (audited)
 *   POST /staff/setup/units             choose the shipped administrative tree, before the first tip
 * The same checklist, shorter, is on the admin home (pages.ts).
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import { testRecoveryKey } from "../../commands/recoveryTester.js";
import { switchUnitsTree } from "../../commands/unitsSwitcher.js";
import type { AppContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize } from "../../policies/index.js";
import { setupChecklist } from "../../setup/checklist.js";
import { formatDateTime } from "../../i18n/format.js";
import { BUNDLED_TREES, type BundledTree } from "../../units/bundledTrees.js";
import { fieldsOf, formBody, pageLocals, seeOther, textOf, translatorOf } from "./forms.js";

const DONE = ["recoveryTested", "unitsSwitched"] as const;

/** The checklist as the templates read it (also used by the admin home). */
export async function checklistView(ctx: AppContext, adminId: string) {
  const c = await setupChecklist(ctx, adminId);
  return { ...c, recoveryTestedAt: c.recoveryTestedAt ? formatDateTime(c.recoveryTestedAt) : null, publicUrlValue: ctx.config.publicUrl ?? null };
}

async function renderSetup(ctx: AppContext, res: Response, status: number, view: { done?: string; error?: string } = {}) {
  const t = translatorOf(res);
  res.status(status).render("staff/setup.njk", {
    checklist: await checklistView(ctx, staffOf(res).actor.id),
    trees: BUNDLED_TREES,
    flash: view.done && (DONE as readonly string[]).includes(view.done) ? t(`setup.done.${view.done}`) : null,
    error: view.error ?? null,
  });
}

export function staffSetupPages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/setup", noStore, formBody, requireStaff, requireCsrf, pageLocals, (_req: Request, res: Response, next: NextFunction) => {
    authorize(staffOf(res).actor, "settings.manage");
    next();
  });

  router.get("/staff/setup", (req: Request, res: Response) => renderSetup(ctx, res, 200, { done: textOf(req.query.done) }));

  router.post("/staff/setup/recovery-test", async (_req: Request, res: Response) => {
    const staff = staffOf(res);
    try {
      await testRecoveryKey(ctx, staff.actor, staff.session.privateKey);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return renderSetup(ctx, res, err.status, { error: translatorOf(res)(err.messageKey) });
      throw err;
    }
    seeOther(res, "/staff/setup", { done: "recoveryTested" });
  });

  router.post("/staff/setup/units", async (req: Request, res: Response) => {
    const tree = textOf(fieldsOf(req, res).tree);
    if (!(BUNDLED_TREES as readonly string[]).includes(tree)) return renderSetup(ctx, res, 400, { error: translatorOf(res)("setup.tree.choose") });
    try {
      await switchUnitsTree(ctx, staffOf(res).actor, tree as BundledTree);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return renderSetup(ctx, res, err.status, { error: translatorOf(res)(err.messageKey) });
      throw err;
    }
    seeOther(res, "/staff/setup", { done: "unitsSwitched" });
  });

  return router;
}
