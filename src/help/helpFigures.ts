/**
 * The plan's help-request figures: "80% of people asking for help are
 * referred to counselling or treatment", counted over the requests triaged in
 * the period (a request still waiting for its first decision is not yet a
 * failure to refer), with the referrals by kind of service.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { SERVICE_KINDS } from "./directory.js";

export const REFERRAL_TARGET = 0.8;

export interface HelpFigures {
  /** Help requests received in the period. */
  total: number;
  /** Help requests triaged in the period: the 80% figure's denominator. */
  triaged: number;
  /** Of those, referred (now). */
  referred: number;
  referredShare: number | null;
  target: number;
  /** Referrals of those requests by kind of service; "unspecified" for a treatment referral that named none. */
  byKind: Record<(typeof SERVICE_KINDS)[number] | "unspecified", number>;
}

export async function helpFigures(db: Db, scope: SQL, from: Date, to: Date): Promise<HelpFigures> {
  const f = from.toISOString();
  const t = to.toISOString();
  const r = await db.execute<{ kind: string | null; total: number; triaged: number; referred: number }>(sql`
    SELECT CASE WHEN triaged_at >= ${f} AND triaged_at < ${t} AND referred THEN coalesce(referral_kind, 'unspecified') END AS kind,
           count(*) FILTER (WHERE received_at >= ${f} AND received_at < ${t})::int AS total,
           count(*) FILTER (WHERE triaged_at >= ${f} AND triaged_at < ${t})::int AS triaged,
           count(*) FILTER (WHERE triaged_at >= ${f} AND triaged_at < ${t} AND referred)::int AS referred
      FROM tips
     WHERE ${scope} AND category = 'help_request'
       AND ((received_at >= ${f} AND received_at < ${t}) OR (triaged_at >= ${f} AND triaged_at < ${t}))
     GROUP BY 1`);
  const byKind = Object.fromEntries([...SERVICE_KINDS, "unspecified"].map((k) => [k, 0])) as HelpFigures["byKind"];
  let total = 0;
  let triaged = 0;
  let referred = 0;
  for (const row of r.rows) {
    total += row.total;
    triaged += row.triaged;
    referred += row.referred;
    if (row.kind) byKind[row.kind as keyof typeof byKind] = (byKind[row.kind as keyof typeof byKind] ?? 0) + row.referred;
  }
  return { total, triaged, referred, referredShare: triaged > 0 ? referred / triaged : null, target: REFERRAL_TARGET, byKind };
}
