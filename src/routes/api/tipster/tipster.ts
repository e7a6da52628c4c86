/**
 * The tipster's follow-up API (no account: the receipt is the only key):
 *   POST /api/v1/tipster/session   { receipt }      → 200 and a 20-minute session cookie; 401 for a wrong receipt
 *   GET  /api/v1/tipster/tip                         → status in plain words and the conversation
 *   POST /api/v1/tipster/messages  JSON { text } or multipart (text, photos)
 *   POST /api/v1/tipster/logout
 * A wrong receipt gets the same body and, within milliseconds, the same time.
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import type { AppContext } from "../../../context.js";
import { HttpError, invalidInput, unsupportedMediaType } from "../../../errors.js";
import { jsonBody } from "../../../middlewares/bodies.js";
import { messageLimits, receiptLimits } from "../../../middlewares/rateLimit.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { readCookie } from "../../../middlewares/staffSession.js";
import { requireTipster, tipsterCookieOptions, tipsterOf } from "../../../middlewares/tipsterSession.js";
import { TIPSTER_COOKIE } from "../../../sessions/sessionStore.js";
import { tipsterView } from "../../../tipster/tipsterView.js";
import type { Locale } from "../../../i18n/index.js";
import { parseOrThrow } from "../../../validation/parse.js";
import { receiptSchema } from "../../../validation/cases.js";
import { photoUpload } from "../../../flows/tipIntake.js";
import { postTipsterMessage, receiptSignIn } from "../../../flows/tipsterFlow.js";

export const wrongReceipt = () => new HttpError(401, "invalid_receipt", "errors.invalid_receipt");

export function tipsterApi(ctx: AppContext): Router {
  const router = Router();
  router.use("/api/v1/tipster", noStore);

  router.post("/api/v1/tipster/session", ...receiptLimits(ctx), jsonBody("4kb", "invalid_receipt"), async (req: Request, res: Response) => {
    const { receipt } = parseOrThrow(receiptSchema, req.body, "invalid_receipt");
    if (!(await receiptSignIn(ctx, req, res, receipt))) throw wrongReceipt();
    res.json({ status: "signed_in" });
  });

  router.get("/api/v1/tipster/tip", requireTipster, async (_req: Request, res: Response) => {
    const s = tipsterOf(res);
    res.json(await tipsterView(ctx, s.tipId, s.privateKey, res.locals.lang as Locale));
  });

  router.post(
    "/api/v1/tipster/messages",
    requireTipster,
    ...messageLimits(ctx),
    (req: Request, _res: Response, next: NextFunction) => next(req.is(["application/json", "multipart/form-data"]) ? undefined : unsupportedMediaType()),
    jsonBody("64kb", "invalid_message"),
    (req: Request, res: Response, next: NextFunction) => (req.is("multipart/form-data") ? photoUpload(ctx)(req, res, next) : next()),
    async (req: Request, res: Response) => {
      const fields = await postTipsterMessage(ctx, res, req.body, (req.files as Express.Multer.File[] | undefined) ?? []);
      if (fields) throw invalidInput("invalid_message", fields);
      res.status(201).json({ status: "sent" });
    },
  );

  router.post("/api/v1/tipster/logout", async (req: Request, res: Response) => {
    await ctx.tipsterSessions.destroy(readCookie(req, TIPSTER_COOKIE));
    res.clearCookie(TIPSTER_COOKIE, tipsterCookieOptions(ctx));
    res.status(204).end();
  });

  return router;
}
