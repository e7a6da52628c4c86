/**
 * Notifications: a row per person in the same transaction as the change that
 * causes it (in-app list), then a `notify` job per row after commit (email).
 * A notification names a case id and a reason code — never content.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { notifications, staffUsers } from "../db/schema.js";
import { coarse, type Granularity } from "../time/coarse.js";

export type NotificationKind = "case_assigned" | "case_unassigned_district" | "deadline_reminder" | "deadline_escalation" | "needs_info_expired" | "routing_failing" | "case_forwarded" | "tipster_message" | "case_reopened";

export interface NewNotification {
  userId: string;
  tipId: string | null;
  kind: NotificationKind;
  urgent?: boolean;
  /** Keep the time only to this granularity (notifications a tipster caused). */
  coarseTime?: Granularity;
  /** Same key twice = one notification (retried jobs). */
  dedupeKey?: string;
}

/** Insert; returns the ids of the rows actually created (duplicates skipped). */
export async function addNotifications(tx: Tx, rows: NewNotification[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(notifications)
    .values(rows.map((r) => ({ userId: r.userId, tipId: r.tipId, kind: r.kind, urgent: r.urgent ?? false, dedupeKey: r.dedupeKey ?? null, ...(r.coarseTime ? { createdAt: coarse(r.coarseTime) } : {}) })))
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .returning({ id: notifications.id });
  return inserted.map((r) => r.id);
}

/** Active administrators' ids (escalations, cases with no liaison). */
export async function adminIds(tx: Tx): Promise<string[]> {
  const rows = await tx.select({ id: staffUsers.id }).from(staffUsers).where(and(eq(staffUsers.role, "admin"), eq(staffUsers.active, true)));
  return rows.map((r) => r.id);
}

/** Active members of a police unit. */
export async function unitMemberIds(tx: Tx, unitId: string): Promise<string[]> {
  const rows = await tx.select({ id: staffUsers.id }).from(staffUsers).where(and(eq(staffUsers.policeUnitId, unitId), eq(staffUsers.active, true), inArray(staffUsers.role, ["police"])));
  return rows.map((r) => r.id);
}
