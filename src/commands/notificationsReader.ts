/**
 * notificationsReader: mark every unread notification of the signed-in staff
 * member as read (the API and the notifications page), or those about one
 * case when that person opens it (the case page). Only one's own: the
 * user id comes from the session, never from the request. No audit row: a
 * read mark is personal interface state, not a change to a case or an account.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { notifications } from "../db/schema.js";
import type { Actor } from "../policies/index.js";

export async function markNotificationsRead(ctx: AppContext, actor: Actor): Promise<void> {
  await ctx.database.db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.userId, actor.id), isNull(notifications.readAt)));
}

/** Opening a case reads one's own notifications about it. */
export async function markCaseNotificationsRead(ctx: AppContext, actor: Actor, caseId: string): Promise<void> {
  await ctx.database.db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.userId, actor.id), eq(notifications.tipId, caseId), isNull(notifications.readAt)));
}
