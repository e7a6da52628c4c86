/**
 * Which tips a staff member may see — the SQL twin of the policy's
 * jurisdiction rules. Used for the inbox (listing) and when keys are
 * (re-)sealed (restoring access after a reset, granting access to a new
 * unit member). The policy is still checked per case when one is opened.
 */
import { and, eq, inArray, isNull, ne, sql, type SQL } from "drizzle-orm";
import { tips } from "../db/schema.js";
import type { Actor } from "../policies/index.js";

/** Statuses in which a case is with the police (and so on a police unit's list). */
export const POLICE_VISIBLE_STATUSES = ["forwarded", "acknowledged", "verifying", "resolved", "closed"];

/**
 * @param opts.listing true for the inbox: a police unit lists a case only while it is with the police;
 *   for keys (false) it is entitled to every case ever forwarded to it.
 */
export function visibleTipsWhere(actor: Actor, opts: { listing?: boolean } = {}): SQL {
  const live = isNull(tips.purgedAt);
  switch (actor.role) {
    case "admin":
      return live;
    case "liaison":
      return actor.districtCode ? and(live, eq(tips.districtCode, actor.districtCode))! : live;
    case "police": {
      if (!actor.policeUnitId) return sql`false`;
      const forwarded = and(live, eq(tips.forwardedUnitId, actor.policeUnitId), ne(tips.category, "help_request"))!;
      return opts.listing ? and(forwarded, inArray(tips.status, POLICE_VISIBLE_STATUSES))! : forwarded;
    }
    default:
      return sql`false`;
  }
}

/**
 * The same jurisdiction rules for every staff row at once: true when the staff
 * member `u` (an alias of staff_users) is entitled to the key of tip `t` (an
 * alias of tips). Used to find who still waits for a tip's key.
 */
export function entitledToKeySql(u: string, t: string): SQL {
  const U = sql.raw(u);
  const T = sql.raw(t);
  return sql`(${T}.purged_at IS NULL AND ${U}.active AND (
    ${U}.role = 'admin'
    OR (${U}.role = 'liaison' AND (${U}.district_code IS NULL OR ${U}.district_code = ${T}.district_code))
    OR (${U}.role = 'police' AND ${U}.police_unit_id IS NOT NULL AND ${T}.forwarded_unit_id = ${U}.police_unit_id AND ${T}.category <> 'help_request')))`;
}
