/**
 * Error factories with an HTTP status and a stable code. Everything a user can
 * type ends as one of these (4xx); anything else is a programmer error and
 * becomes a plain 500 without details (see middlewares/errorHandler.ts).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** Locale key of the message shown to the user. */
    readonly messageKey: string,
    /** Field name → locale key, for validation errors. */
    readonly fields?: Record<string, string>,
    /** Extra JSON properties of the error (e.g. currentStatus), also usable as {placeholders} in the message. */
    readonly extra?: Record<string, string>,
  ) {
    super(code);
  }
}

export const invalidInput = (code: string, fields: Record<string, string>) => new HttpError(400, code, "errors.invalid_input", fields);
export const notFound = () => new HttpError(404, "not_found", "errors.not_found");
export const notReady = () => new HttpError(503, "not_ready", "errors.not_ready");
export const rateLimited = () => new HttpError(429, "rate_limited", "errors.rate_limited");
export const payloadTooLarge = () => new HttpError(413, "payload_too_large", "errors.body_too_large");
export const unsupportedMediaType = () => new HttpError(415, "unsupported_media_type", "errors.unsupported_media_type");
export const forbidden = () => new HttpError(403, "forbidden", "errors.forbidden");

/** 409 for a change that lost a race: someone else changed the case first. */
export const conflict = () => new HttpError(409, "conflict", "errors.conflict");
