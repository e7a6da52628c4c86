/**
 * POST /api/v1/tips — the JSON API (application/json, or multipart/form-data
 * with photos in the field `photos`). Steps: content type → rate limits →
 * body → validate → create. 201 with the receipt; 400 with field messages.
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import type { AppContext } from "../../../context.js";
import { forbidden, HttpError, invalidInput, unsupportedMediaType } from "../../../errors.js";
import { bucketEnd } from "../../../time/coarse.js";
import { jsonBody } from "../../../middlewares/bodies.js";
import { isCrossSite } from "../../../middlewares/formToken.js";
import { tipLimits } from "../../../middlewares/rateLimit.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { acceptTip, acceptTipOnce, photoUpload } from "../../../flows/tipIntake.js";
import { idempotencyKeyOf } from "../../../validation/parse.js";

/** A browser posting from another site (a page that makes its visitors submit tips) is refused; API clients send no such header. */
function refuseCrossSite(req: Request, _res: Response, next: NextFunction) {
  next(isCrossSite(req) ? forbidden() : undefined);
}

function requireTipContentType(req: Request, _res: Response, next: NextFunction) {
  next(req.is(["application/json", "multipart/form-data"]) ? undefined : unsupportedMediaType());
}

export function tipsApi(ctx: AppContext): Router {
  const router = Router();
  router.post(
    "/api/v1/tips",
    noStore,
    refuseCrossSite,
    requireTipContentType,
    ...tipLimits(ctx),
    jsonBody("64kb", "invalid_tip"),
    (req: Request, res: Response, next: NextFunction) => (req.is("multipart/form-data") ? photoUpload(ctx)(req, res, next) : next()),
    async (req: Request, res: Response) => {
      const body: unknown = req.body;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidInput("invalid_tip", { _: "errors.not_an_object" });
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      const key = idempotencyKeyOf(req.get("idempotency-key"));
      if (key === undefined) {
        const result = await acceptTip(ctx, body, files);
        if (!result.ok) throw invalidInput("invalid_tip", result.fields);
        return void res.status(201).json({ receipt: result.created.receipt, status: "received" });
      }
      // A repeat of the key within its hour gets the same 201 body, not a second tip.
      const result = await acceptTipOnce(ctx, { ns: "api", token: key, claimUntil: bucketEnd("hour").getTime() }, body, files);
      if (result.kind === "invalid") throw invalidInput("invalid_tip", result.fields);
      if (result.kind === "pending") throw new HttpError(409, "request_in_progress", "errors.still_sending");
      if (result.kind === "used") throw new HttpError(422, "idempotency_key_used", "errors.idempotency_key_used");
      res.status(201).json({ receipt: result.receipt, status: "received" });
    },
  );
  return router;
}
