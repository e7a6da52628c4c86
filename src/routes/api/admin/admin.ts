/**
 * Administration API (administrators; the audit log also for supervisors):
 *   GET  /api/v1/admin/users                      POST /api/v1/admin/invitations
 *   POST /api/v1/admin/users/:id/{deactivate,reset,unlock,restore-access,grant-recovery}
 *   GET  /api/v1/admin/police-units               POST /api/v1/admin/police-units
 *   GET  /api/v1/admin/audit?action=&actorId=&from=&to=&page=
 */
import { Router, type Request } from "express";
import { z } from "zod";
import { auditPage } from "../../../audit/auditQuery.js";
import { isLocked } from "../../../auth/loginThrottle.js";
import { grantRecoveryKey, restoreAccess } from "../../../commands/accessRestorer.js";
import { createInvitation, createPasswordReset } from "../../../commands/invitationCreator.js";
import { createPoliceUnit } from "../../../commands/policeUnitCreator.js";
import { deactivateStaff } from "../../../commands/staffDeactivator.js";
import type { AppContext } from "../../../context.js";
import { setCoverage } from "../../../commands/coverageSetter.js";
import { listCoverage } from "../../../cases/coverageRules.js";
import { listPoliceUnits } from "../../../policeUnits/policeUnitQueries.js";
import { listStaff } from "../../../staff/staffQueries.js";
import { unlockStaff } from "../../../commands/staffUnlocker.js";
import { queueHealth, retryFailed } from "../../../queues/health.js";
import { requireCsrf, requireStaff, staffOf } from "../../../middlewares/staffSession.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { authorize } from "../../../policies/index.js";
import { presentStaff } from "../../../presenters/staffPresenter.js";
import { coverageSchema, invitationSchema, policeUnitSchema } from "../../../validation/staff.js";
import { parseOrThrow, uuidParam } from "../../../validation/parse.js";

export function adminApi(ctx: AppContext): Router {
  const router = Router();
  router.use("/api/v1/admin", noStore, requireStaff, requireCsrf);
  const userId = (req: Request) => parseOrThrow(z.object({ id: uuidParam }), req.params, "not_found").id;

  router.get("/api/v1/admin/users", async (_req, res) => {
    authorize(staffOf(res).actor, "users.manage");
    const users = await listStaff(ctx.database.db);
    res.json({ users: await Promise.all(users.map(async (u) => ({ ...presentStaff(u), locked: await isLocked(ctx, u.email) }))) });
  });

  router.post("/api/v1/admin/invitations", async (req, res) => {
    const input = parseOrThrow(invitationSchema, req.body, "invalid_invitation");
    const link = await createInvitation(ctx, staffOf(res).actor, input);
    res.status(201).json({ invitationId: link.invitationId, emailed: link.emailed, ...(link.emailed ? {} : { activationUrl: link.url }) });
  });

  router.post("/api/v1/admin/users/:id/deactivate", async (req, res) => {
    await deactivateStaff(ctx, staffOf(res).actor, userId(req));
    res.status(204).end();
  });

  router.post("/api/v1/admin/users/:id/reset", async (req, res) => {
    const link = await createPasswordReset(ctx, staffOf(res).actor, userId(req));
    res.status(201).json({ emailed: link.emailed, ...(link.emailed ? {} : { activationUrl: link.url }) });
  });

  router.post("/api/v1/admin/users/:id/unlock", async (req, res) => {
    await unlockStaff(ctx, staffOf(res).actor, userId(req));
    res.status(204).end();
  });

  router.post("/api/v1/admin/users/:id/restore-access", async (req, res) => {
    const staff = staffOf(res);
    res.json(await restoreAccess(ctx, staff.actor, staff.session.privateKey, userId(req)));
  });

  router.post("/api/v1/admin/users/:id/grant-recovery", async (req, res) => {
    const staff = staffOf(res);
    await grantRecoveryKey(ctx, staff.actor, staff.session.privateKey, userId(req));
    res.status(204).end();
  });

  router.get("/api/v1/admin/police-units", async (_req, res) => {
    authorize(staffOf(res).actor, "units.manage");
    res.json({ policeUnits: await listPoliceUnits(ctx.database.db) });
  });

  router.post("/api/v1/admin/police-units", async (req, res) => {
    const input = parseOrThrow(policeUnitSchema, req.body, "invalid_unit");
    res.status(201).json(await createPoliceUnit(ctx, staffOf(res).actor, input));
  });

  router.get("/api/v1/admin/coverage", async (_req, res) => {
    authorize(staffOf(res).actor, "units.manage");
    res.json({ coverage: await listCoverage(ctx.database.db) });
  });

  router.post("/api/v1/admin/coverage", async (req, res) => {
    const input = parseOrThrow(coverageSchema, req.body, "invalid_coverage");
    await setCoverage(ctx, staffOf(res).actor, input.unitCode, input.policeUnitId);
    res.status(204).end();
  });

  router.get("/api/v1/admin/queues", async (_req, res) => {
    authorize(staffOf(res).actor, "queues.manage");
    res.json({ queues: await queueHealth(ctx) });
  });

  router.post("/api/v1/admin/queues/:name/retry", async (req, res) => {
    authorize(staffOf(res).actor, "queues.manage");
    res.json({ retried: await retryFailed(ctx, String(req.params.name)) });
  });

  router.get("/api/v1/admin/audit", async (req, res) => {
    const { rows } = await auditPage(ctx, staffOf(res).actor, req.query);
    res.json({ entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })) });
  });

  return router;
}
