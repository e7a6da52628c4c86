/**
 * The logger (pino, JSON lines). It must never carry anything that could
 * identify a tipster: no IP address, user agent, request body, receipt or tip
 * content. We never pass those to it, and as a second wall the paths below are
 * censored wherever they appear, and errors are reduced to type/code/message/stack
 * (driver errors carry a `detail` that can hold row values).
 *
 * Every line's time is its minute, not its millisecond: a request line for
 * POST /report next to the tip's own minute would otherwise date a submission
 * to the millisecond (docs/security.md: time is metadata). Lines keep their
 * order in the stream; the request line's `ms` is a duration, not a time.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

const REDACT = [
  "ip", "ips", "remoteAddress", "headers", "body", "receipt", "description", "location",
  "password", "token", "req.headers", "req.body", "req.ip", "*.ip", "*.body", "*.receipt", "*.password",
];

function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; cause?: unknown };
  // Drizzle's "Failed query" message lists the query's parameters, which can be tip data: keep its first line and the driver's reason only.
  const message = e.message.startsWith("Failed query") ? `Failed query (${e.cause instanceof Error ? e.cause.message : "database error"})` : e.message;
  const stack = e.stack?.replace(e.message, message);
  return { type: e.name, code: typeof e.code === "string" ? e.code : undefined, message, stack };
}

/** A pino logger with homthu's redaction; `destination` lets tests capture every line. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: () => `,"time":${Math.floor(Date.now() / 60_000) * 60_000}`,
      redact: { paths: REDACT, censor: "[redacted]" },
      serializers: { err: safeError, error: safeError },
    },
    destination,
  );
}
