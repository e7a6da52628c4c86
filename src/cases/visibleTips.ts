/**
 * Which tips a staff member is entitled to hold a key for — the SQL twin of
 * the policy's jurisdiction rules, used when keys are (re-)sealed: restoring
 * access after a reset, granting access to a new unit member.
 */
import { and, eq, isNull, ne, sql, type SQL } from "drizzle-orm";
import { tips } from "../db/schema.js";
import type { Actor } from "../policies/index.js";

export function visibleTipsWhere(actor: Actor): SQL {
  const live = isNull(tips.purgedAt);
  switch (actor.role) {
    case "admin":
      return live;
    case "liaison":
      return actor.districtCode ? and(live, eq(tips.districtCode, actor.districtCode))! : live;
    case "police":
      return actor.policeUnitId ? and(live, eq(tips.forwardedUnitId, actor.policeUnitId), ne(tips.category, "help_request"))! : sql`false`;
    default:
      return sql`false`;
  }
}
