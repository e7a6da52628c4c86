/**
 * The case API for staff:
 *   GET  /api/v1/cases                    the inbox (filters, pagination; no content)
 *   POST /api/v1/cases                    record a tip received on paper or by phone
 *   GET  /api/v1/cases/:id                one case: fields, decrypted content, history, allowed actions, duplicates
 *   GET  /api/v1/cases/:id/photos/:photoId
 *   POST /api/v1/cases/:id/{assign,triage,forward,acknowledge,verify,resolve,close,reopen}
 *   POST /api/v1/cases/:id/grant-access
 *   GET  /api/v1/notifications            POST /api/v1/notifications/read
 * Each step: session → CSRF → validation → command (which checks the policy).
 */
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { caseHistory, loadCase, allowedTransitions } from "../../../cases/caseView.js";
import { openCaseContent } from "../../../commands/caseContentOpener.js";
import { duplicateSuggestions, listCases } from "../../../cases/caseQueries.js";
import { markNotificationsRead } from "../../../commands/notificationsReader.js";
import { grantCaseAccess } from "../../../commands/accessGranter.js";
import { createTip } from "../../../commands/tipCreator.js";
import type { AppContext } from "../../../context.js";
import { recentNotifications } from "../../../notifications/notificationQueries.js";
import { invalidInput } from "../../../errors.js";
import { runTransition } from "../../../flows/caseTransitions.js";
import { sendCasePhoto } from "../../../flows/photoDownload.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { authorize } from "../../../policies/index.js";
import { presentCase, presentListItem } from "../../../presenters/casePresenter.js";
import { caseListSchema, grantAccessSchema, recordedSourceSchema, revealContactSchema, staffMessageSchema, transitionSchemas, type TransitionName } from "../../../validation/cases.js";
import { sendStaffMessage } from "../../../commands/staffMessageCreator.js";
import { revealContact } from "../../../commands/contactRevealer.js";
import { parseOrThrow, uuidParam } from "../../../validation/parse.js";
import { validateTip } from "../../../validation/tip.js";

const idParams = z.object({ id: uuidParam, photoId: uuidParam.optional() });

export function casesApi(ctx: AppContext): Router {
  const router = Router();
  router.use(["/api/v1/cases", "/api/v1/notifications"], noStore, requireStaff, requireCsrf);

  router.get("/api/v1/cases", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    authorize(actor, "case.list");
    const f = parseOrThrow(caseListSchema, req.query, "invalid_query");
    const { rows, total } = await listCases(ctx.database.db, actor, f);
    res.json({ cases: rows.map(presentListItem), page: f.page, pageSize: f.pageSize, total });
  });

  router.post("/api/v1/cases", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    const { source, ...fields } = (req.body ?? {}) as Record<string, unknown>;
    const parsedSource = recordedSourceSchema.safeParse(source);
    const checked = validateTip(fields, await ctx.units.tree());
    if (!checked.ok || !parsedSource.success) throw invalidInput("invalid_tip", { ...(checked.ok ? {} : checked.fields), ...(parsedSource.success ? {} : { source: "errors.invalid_source" }) });
    authorize(actor, "case.record", { districtCode: checked.value.districtCode });
    const created = await createTip(ctx, checked.value, [], parsedSource.data);
    res.status(201).json({ id: created.tipId });
  });

  router.get("/api/v1/cases/:id", async (req: Request, res: Response) => {
    const staff = staffOf(res);
    const { id } = parseOrThrow(idParams, req.params, "not_found");
    const tip = await loadCase(ctx, id);
    const content = await openCaseContent(ctx, staff.actor, staff.session.privateKey, tip);
    const [history, duplicates] = await Promise.all([caseHistory(ctx, id), duplicateSuggestions(ctx.database.db, staff.actor, tip)]);
    res.json({ case: presentCase(tip), content, history, allowedActions: allowedTransitions(staff.actor, tip), duplicates: duplicates.map(presentListItem) });
  });

  router.get("/api/v1/cases/:id/photos/:photoId", async (req: Request, res: Response) => {
    const { id, photoId } = parseOrThrow(idParams, req.params, "not_found");
    await sendCasePhoto(ctx, res, id, photoId!);
  });

  router.post("/api/v1/cases/:id/messages", async (req: Request, res: Response) => {
    const { id } = parseOrThrow(idParams, req.params, "not_found");
    const b = parseOrThrow(staffMessageSchema, req.body, "invalid_message");
    const result = await sendStaffMessage(ctx, staffOf(res).actor, id, b.text, b.purpose, b.version);
    res.status(201).json({ result });
  });

  router.post("/api/v1/cases/:id/contact", async (req: Request, res: Response) => {
    const { id } = parseOrThrow(idParams, req.params, "not_found");
    const b = parseOrThrow(revealContactSchema, req.body, "invalid_reveal");
    const staff = staffOf(res);
    res.json({ contact: await revealContact(ctx, staff.actor, staff.session.privateKey, id, b.reason) });
  });

  router.post("/api/v1/cases/:id/:transition", async (req: Request, res: Response, next) => {
    const name = req.params.transition as string;
    if (name === "grant-access") {
      const { id } = parseOrThrow(idParams, req.params, "not_found");
      const b = parseOrThrow(grantAccessSchema, req.body, "invalid_grant");
      const staff = staffOf(res);
      await grantCaseAccess(ctx, staff.actor, staff.session.privateKey, id, b.userId);
      return void res.status(204).end();
    }
    if (!Object.hasOwn(transitionSchemas, name)) return next();
    const { id } = parseOrThrow(idParams, req.params, "not_found");
    const tip = await runTransition(ctx, res, id, name as TransitionName, req.body);
    res.json({ case: presentCase(tip!) });
  });

  router.get("/api/v1/notifications", async (_req: Request, res: Response) => {
    const { user } = staffOf(res);
    const rows = await recentNotifications(ctx.database.db, user.id);
    res.json({ notifications: rows.map((n) => ({ id: n.id, caseId: n.tipId, kind: n.kind, urgent: n.urgent, createdAt: n.createdAt.toISOString(), read: !!n.readAt })) });
  });

  router.post("/api/v1/notifications/read", async (_req: Request, res: Response) => {
    await markNotificationsRead(ctx, staffOf(res).actor);
    res.status(204).end();
  });

  return router;
}

