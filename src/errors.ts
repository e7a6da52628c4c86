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
/** PostgreSQL or Redis is unreachable for a moment: same code as notReady (the client retries), its own message. */
export const storeUnavailable = () => new HttpError(503, "not_ready", "errors.store_unavailable");
export const rateLimited = () => new HttpError(429, "rate_limited", "errors.rate_limited");
export const payloadTooLarge = () => new HttpError(413, "payload_too_large", "errors.body_too_large");
export const unsupportedMediaType = () => new HttpError(415, "unsupported_media_type", "errors.unsupported_media_type");
export const forbidden = () => new HttpError(403, "forbidden", "errors.forbidden");

/** 409 for a change that lost a race: someone else changed the case first. */
export const conflict = () => new HttpError(409, "conflict", "errors.conflict");

/**
 * Seconds a client is told to wait (Retry-After) while PostgreSQL or Redis is
 * unreachable: long enough for a restart, short enough for a tipster to retry.
 */
export const RETRY_AFTER_SECONDS = 10;

/** Socket errors and PostgreSQL/Redis answers that mean "the store is not there right now", not "this request is wrong". */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN",
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, connection exceptions
  "57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006", "08P01",
  // PostgreSQL ended this transaction so that another could go on (deadlock_detected; serialization_failure,
  // which a replica also raises when replay cancels a report's query): nothing was written, the same request
  // can simply be sent again, so the answer is "try again", never a 500.
  "40P01", "40001",
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|terminating connection|timeout exceeded when trying to connect|Connection is closed|enableOfflineQueue|max retries per request|^(OOM|READONLY|LOADING|MISCONF|MASTERDOWN|NOREPLICAS)\b|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end/;

/**
 * True when `err` (or what it wraps: Drizzle wraps pg errors in `cause`) says
 * PostgreSQL or Redis is unavailable. Such a request gets 503 not_ready with
 * Retry-After, so a phone can tell "try again" from "refused".
 */
export function isStoreUnavailable(err: unknown): boolean {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    if (typeof e.code === "string" && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    if (Array.isArray(e.errors) && e.errors.some((x) => isStoreUnavailable(x))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** 400 for a refused CSV file: its line in the message, the reason on the `file` field. */
export const csvRefused = (line: number, key: string) => new HttpError(400, "invalid_csv", "errors.csv_line", { file: key }, { line: String(line) });
