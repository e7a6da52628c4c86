/**
 * The tipster's follow-up API (no account: the receipt is the only key):
 *   POST /api/v1/tipster/session   { receipt }      → 200 and a 20-minute session cookie; 401 for a wrong receipt
 *   GET  /api/v1/tipster/tip                         → status in plain words and the conversation
 *   POST /api/v1/tipster/messages  JSON { text } or multipart (text, photos); an optional Idempotency-Key
 *                                  makes a repeat answer 201 again without storing the message twice
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
import { idempotencyKeyOf, parseOrThrow } from "../../../validation/parse.js";
import { bucketEnd } from "../../../time/coarse.js";
import { receiptSchema } from "../../../validation/cases.js";
import { photoUpload } from "../../../flows/tipIntake.js";
import { postTipsterMessage, postTipsterMessageOnce, receiptSignIn } from "../../../flows/tipsterFlow.js";

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
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      const key = idempotencyKeyOf(req.get("idempotency-key"));
      if (key === undefined) {
        const fields = await postTipsterMessage(ctx, res, req.body, files);
        if (fields) throw invalidInput("invalid_message", fields);
        return void res.status(201).json({ status: "sent" });
      }
      // A repeat of the key within its hour, from this tip's session, gets the same 201 and stores nothing.
      const result = await postTipsterMessageOnce(ctx, res, { via: "api", token: key, claimUntil: bucketEnd("hour").getTime() }, req.body, files);
      if (result.kind === "invalid") throw invalidInput("invalid_message", result.fields);
      if (result.kind === "pending") throw new HttpError(409, "request_in_progress", "errors.message_still_sending");
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
