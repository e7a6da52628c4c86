/**
 * The one error handler. Errors a user can cause become their 4xx with a
 * stable code and a translated message (JSON under /api, a page elsewhere);
 * anything else is logged (type and stack only) and answered with a bare 500.
 */
import type { NextFunction, Request, Response } from "express";
import { MulterError } from "multer";
import { HttpError, invalidInput, isStoreUnavailable, notFound, payloadTooLarge, storeUnavailable, RETRY_AFTER_SECONDS } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { translator, pickLocale } from "../i18n/index.js";

/** Map errors thrown by body parsers and multer to ours. */
export function toHttpError(err: unknown, maxPhotoMb: number, maxPhotos: number): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof MulterError) {
    if (err.code === "LIMIT_FILE_SIZE") return new HttpError(400, "invalid_tip", "errors.invalid_input", { photos: `errors.photo_too_large|${maxPhotoMb}` });
    if (err.code === "LIMIT_FILE_COUNT") return new HttpError(400, "invalid_tip", "errors.invalid_input", { photos: `errors.too_many_photos|${maxPhotos}` });
    if (err.code === "LIMIT_UNEXPECTED_FILE") return invalidInput("invalid_tip", { [err.field ?? "photos"]: "errors.unknown_field" });
    return payloadTooLarge();
  }
  const e = err as { type?: string; status?: number };
  if (e?.type === "entity.too.large") return payloadTooLarge();
  if (e?.type === "entity.parse.failed") return new HttpError(400, "invalid_json", "errors.invalid_json");
  if (e?.status === 404) return notFound();
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new HttpError(e.status, "bad_request", "errors.bad_request");
  // busboy/multer stream errors (truncated multipart, malformed boundary)
  if (err instanceof Error && /Unexpected end of form|Malformed part header|Multipart: Boundary not found|Unexpected end of multipart/i.test(err.message))
    return new HttpError(400, "malformed_multipart", "errors.bad_request");
  return null;
}

/** Translate a field message key, which may carry one parameter after "|". */
export function translateField(t: (k: string, p?: Record<string, string | number>) => string, value: string): string {
  const [key, param] = value.split("|") as [string, string | undefined];
  return t(key, param === undefined ? undefined : { max: param, maxMb: param });
}

export function errorHandler(logger: Logger, maxPhotoMb: number, maxPhotos: number) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let http = toHttpError(err, maxPhotoMb, maxPhotos);
    // PostgreSQL or Redis unreachable: not the user's fault and not a bug; the client may retry.
    if (!http && isStoreUnavailable(err)) {
      logger.warn({ code: (err as { code?: string }).code, requestId: res.locals.requestId }, "store unavailable");
      http = storeUnavailable();
    }
    if (!http) {
      logger.error({ err, requestId: res.locals.requestId }, "unhandled error");
      http = new HttpError(500, "server_error", "errors.server_error");
    }
    if (res.headersSent) return void res.end();
    // A staff page whose session expired: back to the sign-in page rather than an error.
    if (http.code === "not_authenticated" && req.originalUrl.startsWith("/staff")) return void res.redirect(303, `/staff/login${req.query?.lang === "en" ? "?lang=en" : ""}`);
    const t = (res.locals.t as ReturnType<typeof translator> | undefined) ?? translator(pickLocale(req.query?.lang));
    res.status(http.status);
    if (http.status === 503) res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    if (req.path.startsWith("/api/")) {
      const fields = http.fields && Object.fromEntries(Object.entries(http.fields).map(([k, v]) => [k, translateField(t, v)]));
      return void res.json({ error: { code: http.code, message: t(http.messageKey, http.extra), ...(fields ? { fields } : {}), ...http.extra } });
    }
    res.render(http.messageKey === "errors.not_ready" ? "notReady.njk" : "error.njk", { status: http.status, message: t(http.messageKey, http.extra) });
  };
}
