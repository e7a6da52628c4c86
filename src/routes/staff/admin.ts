/**
 * The administrators' pages (server-rendered, no JavaScript needed):
 *   GET      /staff/admin/users                  every account, with its state and per-row actions
 *   POST     /staff/admin/users/:id/:action      deactivate | reset | unlock | restore-access | grant-recovery
 *   GET/POST /staff/admin/users/invite           invite a new member (the link is shown when email is off)
 *   GET/POST /staff/admin/police-units           list, create, and who covers which district
 *   POST     /staff/admin/pending-access          re-seal now every tip key newcomers wait for (admin home's button)
 * Each step: session → form body → CSRF (field _csrf) → policy → command → redirect 303
 * (or the form again with its messages). Deactivation and reset ask for a
 * confirmation page first: both take away access to cases.
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import { isLocked } from "../../auth/loginThrottle.js";
import { grantRecoveryKey, restoreAccess } from "../../commands/accessRestorer.js";
import { createInvitation, createPasswordReset } from "../../commands/invitationCreator.js";
import { createPoliceUnit } from "../../commands/policeUnitCreator.js";
import { deactivateStaff } from "../../commands/staffDeactivator.js";
import { grantPendingAccess } from "../../commands/pendingAccessGranter.js";
import type { AppContext } from "../../context.js";
import { activePoliceUnits, listPoliceUnits } from "../../policeUnits/policeUnitQueries.js";
import { activeLiaisons, listStaff, recoveryKeyHolderIds, staffById } from "../../staff/staffQueries.js";
import { formatDateTime } from "../../i18n/format.js";
import { HttpError, notFound } from "../../errors.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { invitationSchema, policeUnitSchema } from "../../validation/staff.js";
import { uuidParam, validate } from "../../validation/parse.js";
import { countOf, districtNames, fieldsOf, formBody, isFieldError, may, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";
import { unlockStaff } from "../../commands/staffUnlocker.js";

const ROLES = ["admin", "liaison", "police", "supervisor"] as const;
const ROW_ACTIONS = ["deactivate", "reset", "unlock", "restore-access", "grant-recovery"] as const;
type RowAction = (typeof ROW_ACTIONS)[number];
/** What a finished row action says on the list (the ?done= values). */
const DONE = ["deactivated", "unlocked", "restored", "granted"] as const;

async function renderUsers(ctx: AppContext, res: Response, status: number, outcome: { done?: string; count?: number; error?: string } = {}): Promise<void> {
  const { actor } = staffOf(res);
  const t = translatorOf(res);
  const [users, units, holds, places] = await Promise.all([listStaff(ctx.database.db), listPoliceUnits(ctx.database.db), recoveryKeyHolderIds(ctx.database.db), districtNames(ctx)]);
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const iHold = holds.has(actor.id);
  const rows = await Promise.all(
    users.map(async (u) => {
      const locked = await isLocked(ctx, u.email);
      return {
        id: u.id,
        email: u.email,
        role: u.role,
        district: places.name(u.districtCode) ?? (u.role === "police" ? "—" : t("staff.common.wholeProvince")),
        policeUnit: u.policeUnitId ? (unitName.get(u.policeUnitId) ?? u.policeUnitId) : "—",
        active: u.active,
        locked,
        totp: u.totpEnabled,
        needsRestore: u.needsRestore,
        holdsRecovery: holds.has(u.id),
        can: {
          deactivate: u.active && u.id !== actor.id,
          reset: u.active,
          unlock: locked,
          restore: u.active && u.needsRestore && iHold,
          grant: u.active && u.role === "admin" && !holds.has(u.id) && iHold,
        },
      };
    }),
  );
  const done = outcome.done && (DONE as readonly string[]).includes(outcome.done) ? t(`staff.users.done.${outcome.done}`, { count: outcome.count ?? 0 }) : null;
  res.status(status).render("staff/admin/users.njk", { rows, done, error: outcome.error ?? null, iHold });
}

async function renderInvite(ctx: AppContext, res: Response, status: number, values: Record<string, unknown> = {}, errors: Record<string, string> = {}): Promise<void> {
  const [places, units] = await Promise.all([districtNames(ctx), activePoliceUnits(ctx.database.db)]);
  const kept = Object.fromEntries(["email", "role", "districtCode", "policeUnitId"].map((k) => [k, textOf(values[k])]));
  res.status(status).render("staff/admin/invite.njk", { values: kept, errors, roles: ROLES, districts: places.districts, units });
}

async function renderUnits(ctx: AppContext, res: Response, status: number, values: Record<string, unknown> = {}, errors: Record<string, string> = {}, created = false): Promise<void> {
  const t = translatorOf(res);
  const [places, units, liaisons] = await Promise.all([districtNames(ctx), listPoliceUnits(ctx.database.db), activeLiaisons(ctx.database.db)]);
  const province = t("staff.common.wholeProvince");
  res.status(status).render("staff/admin/policeUnits.njk", {
    units: units.map((u) => ({ name: u.name, district: places.name(u.districtCode) ?? province, active: u.active, created: formatDateTime(u.createdAt) })),
    // Who covers each district: its active liaisons, and the police units of the district.
    coverage: places.districts.map((d) => ({
      name: d.name,
      liaisons: liaisons.filter((l) => l.districtCode === d.code).map((l) => l.email),
      units: units.filter((u) => u.active && u.districtCode === d.code).map((u) => u.name),
    })),
    provinceUnits: units.filter((u) => u.active && !u.districtCode).map((u) => u.name),
    districts: places.districts,
    values: { name: textOf(values.name), districtCode: textOf(values.districtCode) },
    errors,
    created,
  });
}

/** The link page after an invitation or a reset: the one-time link itself only when it was not emailed. */
function renderLink(res: Response, kind: "invite" | "reset", email: string, link: { emailed: boolean; url: string }): void {
  res.status(201).render("staff/admin/link.njk", { kind, email, emailed: link.emailed, url: link.emailed ? null : link.url });
}

export function staffAdminPages(ctx: AppContext): Router {
  const router = Router();
  router.use(["/staff/admin/users", "/staff/admin/police-units", "/staff/admin/pending-access"], formBody, requireStaff, requireCsrf, pageLocals);
  const users = may("users.manage");
  const units = may("units.manage");

  router.get("/staff/admin/users", users, async (req: Request, res: Response) => {
    await renderUsers(ctx, res, 200, { done: textOf(req.query.done), count: countOf(req.query.count) });
  });

  router.get("/staff/admin/users/invite", users, (_req: Request, res: Response) => renderInvite(ctx, res, 200));

  router.post("/staff/admin/users/invite", users, async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const parsed = validate(invitationSchema, body);
    if (!parsed.ok) return renderInvite(ctx, res, 400, body, translateFields(res, parsed.fields));
    try {
      const link = await createInvitation(ctx, staffOf(res).actor, parsed.value);
      renderLink(res, "invite", parsed.value.email.trim().toLowerCase(), link);
    } catch (err) {
      if (isFieldError(err)) return renderInvite(ctx, res, 400, body, translateFields(res, err.fields));
      throw err;
    }
  });

  router.post("/staff/admin/users/:id/:action", users, async (req: Request, res: Response, next: NextFunction) => {
    const action = req.params.action as RowAction;
    if (!ROW_ACTIONS.includes(action)) return next();
    const id = uuidParam.safeParse(req.params.id);
    if (!id.success) throw notFound();
    const target = await staffById(ctx.database.db, id.data);
    if (!target) throw notFound();
    const body = fieldsOf(req, res);
    // Both take access away: a page without JavaScript asks once more before doing it.
    if ((action === "deactivate" || action === "reset") && body.confirm !== "yes") return res.render("staff/admin/confirm.njk", { action, user: { id: target.id, email: target.email } });
    const staff = staffOf(res);
    try {
      switch (action) {
        case "deactivate":
          await deactivateStaff(ctx, staff.actor, target.id);
          return seeOther(res, "/staff/admin/users", { done: "deactivated" });
        case "reset":
          return renderLink(res, "reset", target.email, await createPasswordReset(ctx, staff.actor, target.id));
        case "unlock":
          await unlockStaff(ctx, staffOf(res).actor, target.id);
          return seeOther(res, "/staff/admin/users", { done: "unlocked" });
        case "restore-access": {
          const { restored } = await restoreAccess(ctx, staff.actor, staff.session.privateKey, target.id);
          return seeOther(res, "/staff/admin/users", { done: "restored", count: String(restored) });
        }
        case "grant-recovery":
          await grantRecoveryKey(ctx, staff.actor, staff.session.privateKey, target.id);
          return seeOther(res, "/staff/admin/users", { done: "granted" });
      }
    } catch (err) {
      // A refusal the administrator can understand (self-deactivation, not a holder…) is shown above the list.
      if (err instanceof HttpError && err.status < 500) return renderUsers(ctx, res, err.status, { error: translatorOf(res)(err.messageKey, err.extra) });
      throw err;
    }
  });

  router.post("/staff/admin/pending-access", users, async (_req: Request, res: Response) => {
    const staff = staffOf(res);
    const granted = await grantPendingAccess(ctx, staff.actor, staff.session.privateKey, "admin");
    seeOther(res, "/staff", { done: "pendingGranted", users: String(granted.users), count: String(granted.tips) });
  });

  router.get("/staff/admin/police-units", units, (req: Request, res: Response) => renderUnits(ctx, res, 200, {}, {}, req.query.created === "1"));

  router.post("/staff/admin/police-units", units, async (req: Request, res: Response) => {
    const body = fieldsOf(req, res);
    const parsed = validate(policeUnitSchema, body);
    if (!parsed.ok) return renderUnits(ctx, res, 400, body, translateFields(res, parsed.fields));
    try {
      await createPoliceUnit(ctx, staffOf(res).actor, parsed.value);
    } catch (err) {
      if (isFieldError(err)) return renderUnits(ctx, res, 400, body, translateFields(res, err.fields));
      throw err;
    }
    seeOther(res, "/staff/admin/police-units", { created: "1" });
  });

  return router;
}
