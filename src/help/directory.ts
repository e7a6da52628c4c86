/**
 * The help services directory read back: counselling and treatment services
 * (tư vấn, điều trị methadone, cai nghiện tự nguyện, cai nghiện cộng đồng)
 * that administrators keep, for the public page, the tipster's follow-up
 * page of a help request, and the staff page.
 */
import { and, asc, eq, isNull, or, type SQL } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { helpServices } from "../db/schema.js";

export const SERVICE_KINDS = ["counselling", "methadone", "voluntary_rehab", "community_rehab"] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];
export type HelpService = typeof helpServices.$inferSelect;

/**
 * Services, active ones only unless `all`; with a district, that district's
 * services and the province-wide ones (district null), the district's first.
 */
export async function listHelpServices(db: Db | Tx, opts: { districtCode?: string; all?: boolean } = {}): Promise<HelpService[]> {
  const where: SQL[] = [];
  if (!opts.all) where.push(eq(helpServices.active, true));
  if (opts.districtCode) where.push(or(eq(helpServices.districtCode, opts.districtCode), isNull(helpServices.districtCode))!);
  const rows = await db.select().from(helpServices).where(where.length ? and(...where) : undefined).orderBy(asc(helpServices.name));
  // The person's own district before the province-wide services; then by kind, then name.
  const rank = (s: HelpService) => (s.districtCode === null ? 1 : 0);
  return rows.sort((a, b) => rank(a) - rank(b) || SERVICE_KINDS.indexOf(a.kind) - SERVICE_KINDS.indexOf(b.kind) || a.name.localeCompare(b.name, "vi"));
}
