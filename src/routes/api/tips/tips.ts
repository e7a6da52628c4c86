/**
 * POST /api/v1/tips — the JSON API (application/json, or multipart/form-data
 * with photos in the field `photos`). Steps: content type → rate limits →
 * body → validate → create. 201 with the receipt; 400 with field messages.
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import type { AppContext } from "../../../context.js";
import { forbidden, invalidInput, unsupportedMediaType } from "../../../errors.js";
import { jsonBody } from "../../../middlewares/bodies.js";
import { isCrossSite } from "../../../middlewares/formToken.js";
import { tipLimits } from "../../../middlewares/rateLimit.js";
import { noStore } from "../../../middlewares/securityHeaders.js";
import { acceptTip, photoUpload } from "../../../flows/tipIntake.js";

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
      const result = await acceptTip(ctx, body, (req.files as Express.Multer.File[] | undefined) ?? []);
      if (!result.ok) throw invalidInput("invalid_tip", result.fields);
      res.status(201).json({ receipt: result.created.receipt, status: "received" });
    },
  );
  return router;
}
