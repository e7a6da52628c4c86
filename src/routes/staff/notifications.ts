/**
 * One's own notifications (server-rendered, no JavaScript needed):
 *   GET  /staff/notifications          the newest 100, unread ones marked
 *   GET  /staff/notifications/:id      the link an e-mail carries: opens the case it names
 *   POST /staff/notifications/read     mark all read
 */
import { Router, type Request, type Response } from "express";
import { markNotificationsRead } from "../../commands/notificationsReader.js";
import type { AppContext } from "../../context.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { notificationCaseId, recentNotifications } from "../../notifications/notificationQueries.js";
import { caseRef, when } from "../../presenters/casePagePresenter.js";
import { uuidParam } from "../../validation/parse.js";
import { formBody, pageLocals, seeOther } from "./forms.js";

export function staffNotificationPages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/notifications", noStore, requireStaff, formBody, requireCsrf, pageLocals);

  router.get("/staff/notifications", async (_req: Request, res: Response) => {
    const { user } = staffOf(res);
    const rows = await recentNotifications(ctx.database.db, user.id);
    res.render("staff/cases/notifications.njk", {
      items: rows.map((n) => ({ caseId: n.tipId, ref: n.tipId && caseRef(n.tipId), kind: n.kind, urgent: n.urgent, at: when(n.createdAt), unread: !n.readAt })),
      anyUnread: rows.some((n) => !n.readAt),
      csrf: staffOf(res).session.record.csrf,
    });
  });

  // An email's link names the notification, never the case (a mailbox must not hold a tip id): it opens the case here.
  router.get("/staff/notifications/:id", async (req: Request, res: Response) => {
    const { user } = staffOf(res);
    const id = uuidParam.safeParse(req.params.id);
    const caseId = id.success ? await notificationCaseId(ctx.database.db, user.id, id.data) : null;
    res.redirect(303, caseId ? `/staff/cases/${caseId}` : "/staff/notifications");
  });

  router.post("/staff/notifications/read", async (_req: Request, res: Response) => {
    await markNotificationsRead(ctx, staffOf(res).actor);
    seeOther(res, "/staff/notifications");
  });

  return router;
}
