/**
 * Everything a request handler, command or processor needs, built once per
 * process by main.ts (or by the tests) and passed down explicitly.
 */
import type { Redis } from "ioredis";
import type { AppConfig } from "../config/index.js";
import type { Database } from "./db/client.js";
import type { Logger } from "./logging/logger.js";
import type { Queues } from "./queues/producer.js";
import type { UnitDirectory } from "./units/directory.js";
import type { SessionStore, TipsterSessionStore } from "./sessions/sessionStore.js";
import type { ReplayStore } from "./redis/replayStore.js";
import type { Mailer } from "./mail/mailer.js";
import type { Metrics } from "./metrics/metrics.js";
import { deriveSubkey, type Bytes } from "./crypto/index.js";

export interface AppContext {
  config: AppConfig;
  logger: Logger;
  database: Database;
  redis: Redis;
  queues: Queues;
  units: UnitDirectory;
  keys: ServerKeys;
  sessions: SessionStore;
  tipsterSessions: TipsterSessionStore;
  /** Answers kept for a submission sent twice (form token, Idempotency-Key). */
  replays: ReplayStore;
  mailer: Mailer;
  metrics: Metrics;
}

/** Sub-keys of SECRET_KEY, one per purpose (crypto_kdf contexts). */
export interface ServerKeys {
  formToken: Bytes;
  /** Encrypts staff TOTP secrets at rest. */
  totp: Bytes;
  /** MACs email addresses for login throttling (the same for known and unknown addresses). */
  loginThrottle: Bytes;
  /** Names routing jobs, so that BullMQ's event stream (job id + millisecond time) cannot be matched with a tip. */
  jobIds: Bytes;
  receiptSalt: Bytes;
  /** Orders the candidate cells of secondary suppression, so nobody can tell which hidden cell was the small one. */
  suppression: Bytes;
  /** Mixed into the keys of a replayed answer (form token, Idempotency-Key): see crypto.deriveReplayKeys. */
  replay: Bytes;
  /** The key that hashes client addresses for rate limiting; it changes every UTC day. */
  clientAddress(day?: number): Bytes;
}

export function serverKeys(secretKey: Bytes): ServerKeys {
  return {
    formToken: deriveSubkey(secretKey, "formtokn"),
    totp: deriveSubkey(secretKey, "totpsecr"),
    loginThrottle: deriveSubkey(secretKey, "loginthr"),
    jobIds: deriveSubkey(secretKey, "jobidmac"),
    receiptSalt: deriveSubkey(secretKey, "rcptsalt"),
    suppression: deriveSubkey(secretKey, "suppress"),
    replay: deriveSubkey(secretKey, "replayrt"),
    clientAddress: (day = Math.floor(Date.now() / 86_400_000)) => deriveSubkey(secretKey, "clientip", day),
  };
}
