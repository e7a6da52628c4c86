/**
 * The plan's help-request figures: "80% of people asking for help are
 * referred to counselling or treatment", counted over the requests triaged in
 * the period (a request still waiting for its first decision is not yet a
 * failure to refer), with the referrals by kind of service.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { helpTriageRows, monthRows, type CountScope } from "../stats/monthCounts.js";
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

export async function helpFigures(db: Db, from: Date, to: Date, scope: CountScope): Promise<HelpFigures> {
  const kinds = [...SERVICE_KINDS, "unspecified"] as const;
  const help = { ...scope, category: "help_request" };
  // A category filter other than help requests counts none.
  const none = scope.category !== undefined && scope.category !== "help_request";
  const r = await db.execute<Record<"total" | "triaged" | "referred" | (typeof kinds)[number], number>>(sql`
    SELECT (SELECT coalesce(sum(received), 0)::int FROM (${monthRows(from, to, help)}) r) AS total,
           coalesce(sum(triaged), 0)::int AS triaged, coalesce(sum(referred), 0)::int AS referred,
           ${sql.raw(kinds.map((k) => `coalesce(sum(referred_${k}), 0)::int AS ${k}`).join(", "))}
      FROM (${helpTriageRows(from, to, help)}) h
     WHERE ${none ? sql`false` : sql`true`}`);
  const row = r.rows[0]!;
  const byKind = Object.fromEntries(kinds.map((k) => [k, none ? 0 : row[k]])) as HelpFigures["byKind"];
  const [total, triaged, referred] = none ? [0, 0, 0] : [row.total, row.triaged, row.referred];
  return { total, triaged, referred, referredShare: triaged > 0 ? referred / triaged : null, target: REFERRAL_TARGET, byKind };
}
