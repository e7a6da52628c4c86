/**
 * The plan's help-request figures: "80% of people asking for help are
 * referred to counselling or treatment", counted over the requests triaged in
 * the period (a request still waiting for its first decision is not yet a
 * failure to refer), with the referrals by kind of service.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { helpTriageRows, type CountScope } from "../stats/monthCounts.js";
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

/** The referral side of the figures: help requests triaged in the period, referred, and by kind of service. */
export type HelpReferrals = Pick<HelpFigures, "triaged" | "referred" | "byKind">;

/** The referrals of [from, to) within a scope (none under a category filter other than help requests). */
export async function helpReferrals(db: Db, from: Date, to: Date, scope: CountScope): Promise<HelpReferrals> {
  const kinds = [...SERVICE_KINDS, "unspecified"] as const;
  const none = scope.category !== undefined && scope.category !== "help_request";
  const r = none
    ? null
    : await db.execute<Record<"triaged" | "referred" | (typeof kinds)[number], number>>(sql`
        SELECT coalesce(sum(triaged), 0)::int AS triaged, coalesce(sum(referred), 0)::int AS referred,
               ${sql.raw(kinds.map((k) => `coalesce(sum(referred_${k}), 0)::int AS ${k}`).join(", "))}
          FROM (${helpTriageRows(from, to, scope)}) h`);
  const row = r?.rows[0];
  return {
    triaged: row?.triaged ?? 0,
    referred: row?.referred ?? 0,
    byKind: Object.fromEntries(kinds.map((k) => [k, row?.[k] ?? 0])) as HelpFigures["byKind"],
  };
}

/** The figures, from the help requests received in the period (counted with the other counts) and the referrals. */
export function helpFigures(received: number, r: HelpReferrals): HelpFigures {
  return { total: received, ...r, referredShare: r.triaged > 0 ? r.referred / r.triaged : null, target: REFERRAL_TARGET };
}
