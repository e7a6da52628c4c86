/**
 * Reading one's own notifications (the list page, the API, the home page's
 * count, the link an e-mail carries). Always by the signed-in person's id,
 * never one taken from the request alone. Marking them read is a command
 * (commands/notificationsReader.ts).
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { notifications } from "../db/schema.js";

/** The newest notifications of a person, newest first. */
export const recentNotifications = (db: Db, userId: string, limit = 100) =>
  db.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt)).limit(limit);

/** How many of a person's notifications are unread. */
export async function unreadNotificationCount(db: Db, userId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return row?.n ?? 0;
}

/** The case a notification of this person names (null: not theirs, not found, or about no case). */
export async function notificationCaseId(db: Db, userId: string, notificationId: string): Promise<string | null> {
  const mine = and(eq(notifications.id, notificationId), eq(notifications.userId, userId));
  const [n] = await db.select({ tipId: notifications.tipId }).from(notifications).where(mine);
  return n?.tipId ?? null;
}
