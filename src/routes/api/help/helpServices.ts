/**
 * The help services directory (administrators change it; every staff member may read it):
 *   GET  /api/v1/help-services[?district=831]   active services (administrators: ?all=true for hidden ones too)
 *   POST /api/v1/help-services                  { name, districtCode?, address, phone, hours?, kind, active }
 *   PUT  /api/v1/help-services/:id              the same fields
 * The public reads the list at /help-services (no JavaScript).
 */
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { createHelpService, updateHelpService } from "../../../commands/helpServiceEditor.js";
import type { AppContext } from "../../../context.js";
import { listHelpServices } from "../../../help/directory.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { can } from "../../../policies/index.js";
import { formBoolean } from "../../../validation/fields.js";
import { helpServiceSchema } from "../../../validation/help.js";
import { parseOrThrow, uuidParam } from "../../../validation/parse.js";

const listQuery = z.strictObject({ district: z.string().regex(/^\d{1,10}$/, "errors.invalid_district").optional(), all: formBoolean().optional(), lang: z.string().optional() });

export function helpServicesApi(ctx: AppContext): Router {
  const router = Router();
  router.use("/api/v1/help-services", noStore, requireStaff, requireCsrf);

  router.get("/api/v1/help-services", async (req: Request, res: Response) => {
    const q = parseOrThrow(listQuery, req.query, "invalid_query");
    const all = !!q.all && can(staffOf(res).actor, "help.manage");
    res.json({ services: await listHelpServices(ctx.database.db, { districtCode: q.district, all }) });
  });

  router.post("/api/v1/help-services", async (req: Request, res: Response) => {
    const { _csrf, lang, ...input } = parseOrThrow(helpServiceSchema, req.body ?? {}, "invalid_help_service");
    res.status(201).json(await createHelpService(ctx, staffOf(res).actor, input));
  });

  router.put("/api/v1/help-services/:id", async (req: Request, res: Response) => {
    const { id } = parseOrThrow(z.object({ id: uuidParam }), req.params, "not_found");
    const { _csrf, lang, ...input } = parseOrThrow(helpServiceSchema, req.body ?? {}, "invalid_help_service");
    await updateHelpService(ctx, staffOf(res).actor, id, input);
    res.status(204).end();
  });

  return router;
}
