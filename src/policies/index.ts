/**
 * The authorization policy: who may do what to which case, in one table.
 * Deny by default — an action not granted below is refused. Commands call
 * authorize() themselves, so a state change is guarded whichever route
 * reaches it; the crypto layer is the second wall (no key wrap, no content).
 *
 *   role        jurisdiction                 may
 *   admin       the whole province           everything but police work (acknowledge/verify/resolve)
 *   liaison     own district                 list, read, triage, forward, message the tipster, record tips
 *   police      cases forwarded to own unit  list, read, acknowledge, verify, resolve
 *   supervisor  own district or province     statistics, audit log; never tip content
 *
 * The places register (places.view, places.manage): police and liaisons of the
 * place's district (a province-wide police member: every district), and
 * administrators everywhere. Supervisors see places only as suppressed figures.
 */
import { forbidden } from "../errors.js";

export type Role = "admin" | "liaison" | "police" | "supervisor";

export interface Actor {
  id: string;
  role: Role;
  /** District of a liaison or a district supervisor; null = whole province. */
  districtCode: string | null;
  policeUnitId: string | null;
}

/** The actor a staff row acts as. */
export const actorOf = (u: Actor): Actor => ({ id: u.id, role: u.role, districtCode: u.districtCode, policeUnitId: u.policeUnitId });

/** The plaintext routing fields a decision needs. */
export interface CaseSubject {
  districtCode: string;
  category: string;
  status: string;
  forwardedUnitId?: string | null;
}

export type CaseAction =
  | "case.view" | "case.viewContent" | "case.downloadPhoto" | "case.assign" | "case.triage" | "case.forward"
  | "case.acknowledge" | "case.verify" | "case.resolve" | "case.close" | "case.reopen" | "case.messageTipster"
  | "case.revealContact" | "case.grantAccess";

export type GeneralAction =
  | "case.list" | "case.record" | "users.manage" | "units.manage" | "audit.view" | "stats.view" | "stats.export"
  | "queues.manage" | "settings.manage" | "recovery.use" | "model.manage" | "report.file"
  | "communes.view" | "communes.classify" | "help.manage" | "places.view" | "places.manage";

/** Statuses in which a case is with the police. */
const POLICE_STATUSES = new Set(["forwarded", "acknowledged", "verifying", "resolved", "closed"]);
const YOUTH_UNION_WORK: CaseAction[] = ["case.view", "case.viewContent", "case.downloadPhoto", "case.assign", "case.triage", "case.forward", "case.close", "case.messageTipster", "case.revealContact", "case.grantAccess"];
const POLICE_WORK: CaseAction[] = ["case.view", "case.viewContent", "case.downloadPhoto", "case.acknowledge", "case.verify", "case.resolve", "case.grantAccess"];

const inDistrict = (actor: Actor, districtCode: string | null | undefined) => actor.districtCode === null || actor.districtCode === districtCode;

/** May `actor` do `action` on this case? */
export function canOnCase(actor: Actor, action: CaseAction, c: CaseSubject): boolean {
  switch (actor.role) {
    case "admin":
      return action === "case.reopen" || YOUTH_UNION_WORK.includes(action);
    case "liaison":
      return inDistrict(actor, c.districtCode) && YOUTH_UNION_WORK.includes(action);
    case "police":
      // A help request is never a police matter, whatever its state.
      return c.category !== "help_request" && !!actor.policeUnitId && c.forwardedUnitId === actor.policeUnitId && POLICE_STATUSES.has(c.status) && POLICE_WORK.includes(action);
    default:
      return false;
  }
}

/** May `actor` do `action`, optionally within a district? */
export function can(actor: Actor, action: GeneralAction, scope?: { districtCode?: string | null }): boolean {
  const district = scope?.districtCode;
  switch (action) {
    case "case.list":
      // Named roles only (deny by default): a supervisor, or a role this table does not know, lists nothing.
      return actor.role === "admin" || actor.role === "liaison" || actor.role === "police";
    case "model.manage":
    case "report.file":
    case "case.record":
      return actor.role === "admin" || (actor.role === "liaison" && (district === undefined || inDistrict(actor, district)));
    // The commune register: the official classification, decided by the authorities on the police's proposal.
    case "communes.classify":
      return actor.role === "admin" || (actor.role === "police" && (district === undefined || inDistrict(actor, district)));
    case "communes.view":
      return actor.role === "admin" || actor.role === "police" || ((actor.role === "supervisor" || actor.role === "liaison") && (district === undefined || inDistrict(actor, district)));
    // The places register: the people who act on the places of a district.
    case "places.view":
    case "places.manage":
      return actor.role === "admin" || ((actor.role === "police" || actor.role === "liaison") && (district === undefined || inDistrict(actor, district)));
    case "help.manage":
    case "users.manage":
    case "units.manage":
    case "queues.manage":
    case "settings.manage":
    case "recovery.use":
      return actor.role === "admin";
    case "audit.view":
    case "stats.view":
    case "stats.export":
      if (actor.role === "admin") return true;
      if (actor.role === "supervisor" || (actor.role === "liaison" && action !== "audit.view")) return district === undefined ? true : inDistrict(actor, district);
      return false;
    default:
      return false;
  }
}

/** @throws HttpError 403 unless canOnCase. */
export function authorizeCase(actor: Actor, action: CaseAction, c: CaseSubject): void {
  if (!canOnCase(actor, action, c)) throw forbidden();
}

/** @throws HttpError 403 unless can. */
export function authorize(actor: Actor, action: GeneralAction, scope?: { districtCode?: string | null }): void {
  if (!can(actor, action, scope)) throw forbidden();
}
