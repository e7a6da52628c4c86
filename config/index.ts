/**
 * homthu's configuration: one zod schema, one documented entry per variable,
 * validated once at start-up. Every problem is listed at once and names the
 * variable, so an operator fixes the whole file in one go.
 *
 * Secrets: in development a missing SECRET_KEY is generated once and kept in
 * DATA_DIR/secret-key (mode 600) so that `npm start` works with no setup.
 * With NODE_ENV=production the process refuses to start unless SECRET_KEY is
 * set explicitly to something other than a development value.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";

/** A value that anybody reading this repository knows; never acceptable in production. */
export const DEV_SECRET_KEY = "0".repeat(64);

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The environment variables homthu reads. The `describe` text is the configuration table in the README. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development").describe("Run mode; production enforces real secrets, Secure cookies and HSTS."),
  PORT: int(0, 65535).default(3000).describe("HTTP port of the web process."),
  HOST: z.string().min(1).default("127.0.0.1").describe("Address the web process listens on."),
  PUBLIC_URL: z.url().optional().describe("Public address of the tip line (used in emails and posters)."),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional().describe("PostgreSQL connection URL. Unset: an embedded PostgreSQL is started with data under DATA_DIR/postgres."),
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional()
    .describe("A PostgreSQL read replica for statistics, reports and exports. Unset or unreachable: those queries go to DATABASE_URL."),
  DATABASE_POOL_SIZE: int(1, 200).default(10).describe("PostgreSQL connections per process."),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").optional().describe("Redis connection URL. Unset: `redis-server` from PATH is started with data under DATA_DIR/redis."),
  REDIS_SENTINELS: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, "comma-separated host:port list")
    .optional()
    .describe("Redis Sentinel addresses (host:port, comma-separated). Set: Redis is the primary that these sentinels name (REDIS_SENTINEL_NAME), followed through failovers; REDIS_URL is then not used."),
  REDIS_SENTINEL_NAME: z.string().min(1).default("mymaster").describe("The primary's name in the sentinels' configuration (`sentinel monitor NAME …`)."),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, "comma-separated host:port list")
    .optional()
    .describe("Redis Cluster seed nodes (host:port, comma-separated). Set: homthu talks to the cluster; REDIS_PREFIX must be a {hash tag}; REDIS_URL is then not used."),
  REDIS_PASSWORD: z.string().min(1).optional().describe("Password of the Redis data nodes with REDIS_SENTINELS or REDIS_CLUSTER_NODES (with REDIS_URL, put it in the URL)."),
  REDIS_PREFIX: z.string().regex(/^(\{[a-z0-9_-]+\}|[a-z0-9_-]+)$/i, "letters, digits, _ and -, optionally in {braces} (a Redis Cluster hash tag)").default("homthu").describe("Prefix of every Redis key (queues, rate limits, sessions). Use {homthu} on Redis Cluster so BullMQ's keys share a hash slot."),
  DATA_DIR: z.string().min(1).default("./var").describe("Where embedded services and generated development secrets live."),
  SECRET_KEY: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hexadecimal characters (openssl rand -hex 32)").optional().describe("Master secret (32 bytes, hex). Sub-keys for form tokens, IP hashing and the receipt salt derive from it; changing it invalidates every receipt."),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").describe("pino log level."),
  TRUST_PROXY: z.string().default("false").describe("Express trust proxy setting (e.g. `loopback` behind a local reverse proxy)."),
  ARGON2_MEMORY_KIB: int(1024, 4 * 1024 * 1024).default(19456).describe("argon2id memory per derivation in KiB (OWASP minimum 19456)."),
  ARGON2_PASSES: int(1, 50).default(2).describe("argon2id passes (time cost)."),
  ARGON2_PARALLELISM: int(1, 16).default(1).describe("argon2id lanes per derivation."),
  ARGON2_MAX_CONCURRENT: int(1, 64).default(Math.max(1, os.availableParallelism())).describe("How many argon2 derivations may run at once; bounds memory under load."),
  TIP_RATE_LIMIT_PER_HOUR: int(1, 100000).default(20).describe("Tips accepted per hashed client address per hour."),
  RECEIPT_RATE_LIMIT_PER_HOUR: int(1, 100000).default(30).describe("Receipt sign-ins per hashed client address per hour."),
  TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: int(1, 1000000).default(600).describe("Tips accepted per minute across all clients."),
  FORM_TOKEN_TTL_MINUTES: int(5, 24 * 60).default(120).describe("How long a report form (or a follow-up reply form) stays valid."),
  MAX_PHOTO_MB: int(1, 50).default(10).describe("Largest photo accepted, in MB."),
  MAX_PHOTOS: int(0, 20).default(5).describe("Photos per report."),
  QUICK_EXIT_URL: z.url().default("https://www.google.com/").describe("Neutral site the quick-exit button goes to."),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30).describe("Staff session idle timeout."),
  SESSION_ABSOLUTE_HOURS: int(1, 7 * 24).default(12).describe("Staff session absolute lifetime."),
  TOTP_REQUIRED_ROLES: z.string().regex(/^((admin|liaison|police|supervisor)(,(admin|liaison|police|supervisor))*)?$/, "comma-separated roles").default("admin,police").describe("Roles that must use a TOTP second factor."),
  LOGIN_LOCK_AFTER: int(3, 100).default(10).describe("Failed logins before an account is locked."),
  LOGIN_LOCK_MINUTES: int(1, 24 * 60).default(15).describe("How long a locked account stays locked."),
  LOGIN_RATE_LIMIT_PER_HOUR: int(1, 100000).default(60).describe("Login attempts per hashed client address per hour."),
  INVITATION_HOURS: int(1, 24 * 30).default(72).describe("How long an activation link is valid."),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional().describe("SMTP server for staff emails. Unset: email is off, notifications stay in the app."),
  MAIL_FROM: z.string().default("homthu <no-reply@localhost>").describe("Sender of staff emails."),
  TRIAGE_DEADLINE_HOURS: z.coerce.number().positive().default(24).describe("Time to triage a tip after receipt (hours, decimals allowed)."),
  URGENT_TRIAGE_DEADLINE_HOURS: z.coerce.number().positive().default(4).describe("Time to triage an urgent tip."),
  ACK_DEADLINE_HOURS: z.coerce.number().positive().default(48).describe("Time for the police unit to acknowledge a forwarded case."),
  VERIFY_DEADLINE_DAYS: z.coerce.number().positive().default(20).describe("Time to verify after acknowledgement (Criminal Procedure Code art. 147)."),
  VERIFY_EXTENDED_DAYS: z.coerce.number().positive().default(60).describe("Verification time once extended (with a reason)."),
  VERIFY_REMINDER_DAYS: z.coerce.number().positive().default(7).describe("Reminder interval while a case is being verified."),
  FORWARD_DEADLINE_HOURS: z.coerce.number().positive().default(24).describe("Time to forward an actionable case to the police."),
  URGENT_FORWARD_DEADLINE_HOURS: z.coerce.number().positive().default(4).describe("Time to forward an urgent actionable case."),
  NEEDS_INFO_WAIT_DAYS: z.coerce.number().positive().default(7).describe("How long a case waits for the tipster's answer before it returns to the liaison for a decision."),
  SWEEP_CRON: z.string().regex(/^\S+( \S+){4,5}$/, "must be a cron pattern (5 fields, or 6 with seconds first)").default("* * * * *").describe("When the sweeps run (routing, deadlines, emails); UTC cron, aligned to the clock. Every minute by default."),
  ROUTING_ALERT_AFTER: int(1, 1000).default(3).describe("Failed routing sweeps in a row (per district) before the administrators are alerted."),
  SMALL_NUMBER_THRESHOLD: int(0, 100).default(3).describe("Commune-level counts below this (but above 0) are hidden (\"x\") from supervisors, with the complementary cells that would let them be subtracted back (docs/reports.md); 0 turns it off."),
  RETENTION_DAYS: int(1, 36500).default(365).describe("Content of cases closed longer than this is purged (statistics fields stay)."),
  MODEL_COMMUNE_DEADLINE: z.string().regex(/^\d{2}-\d{2}$/, "must be MM-DD").default("04-26").describe("Yearly deadline for districts to register their model commune."),
  ONION_LOCATION: z.url().optional().describe("The tip line's .onion address; sent as the Onion-Location header so Tor Browser offers it."),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional().describe("Bearer token for GET /metrics."),
  METRICS_ALLOW_LOOPBACK: bool.optional().describe("Let GET /metrics answer loopback connections without the token. Default: on, except in production (Tor and some proxies connect from loopback too)."),
  AUTO_BOOTSTRAP: bool.optional().describe("Create admin@localhost with a printed password on first start. Default: on when DATABASE_URL is unset."),
  RUN_MIGRATIONS: bool.default(true).describe("Apply database migrations at start-up."),
});

export type Env = z.infer<typeof envSchema>;

/** Configuration as the rest of the code sees it. */
export interface AppConfig {
  env: Env["NODE_ENV"];
  isProduction: boolean;
  port: number;
  host: string;
  publicUrl?: string;
  databaseUrl?: string;
  databasePoolSize: number;
  redisUrl?: string;
  /** Redis Sentinel or Cluster instead of one server at redisUrl. */
  redisTopology?: RedisTopology;
  redisPrefix: string;
  /** Replica for read-only reporting queries (statistics, reports, exports). */
  databaseReadUrl?: string;
  dataDir: string;
  secretKey: Buffer;
  logLevel: Env["LOG_LEVEL"];
  trustProxy: string | boolean | number;
  argon2: { memoryKiB: number; passes: number; parallelism: number; maxConcurrent: number };
  limits: { receiptsPerHour: number; tipsPerHour: number; tipsGlobalPerMinute: number; formTokenTtlMs: number; maxPhotoBytes: number; maxPhotos: number };
  quickExitUrl: string;
  sessions: { idleMs: number; absoluteMs: number };
  auth: { totpRequiredRoles: string[]; lockAfter: number; lockMs: number; loginsPerHour: number; invitationMs: number };
  mail: { smtpUrl?: string; from: string };
  /** Deadlines in milliseconds. */
  deadlines: {
    triage: number;
    urgentTriage: number;
    acknowledge: number;
    verify: number;
    verifyExtended: number;
    verifyReminder: number;
    forward: number;
    urgentForward: number;
    needsInfo: number;
  };
  /** The sweeps' schedule (cron, UTC) and how many failed routing sweeps raise an alert. */
  sweeps: { cron: string; routingAlertAfter: number };
  reports: { smallNumberThreshold: number; retentionDays: number; modelCommuneDeadline: string };
  metricsToken?: string;
  metricsAllowLoopback: boolean;
  onionLocation?: string;
  autoBootstrap: boolean;
  runMigrations: boolean;
}

export interface HostPort {
  host: string;
  port: number;
}

export type RedisTopology = { kind: "sentinel"; sentinels: HostPort[]; name: string; password?: string } | { kind: "cluster"; nodes: HostPort[]; password?: string };

const hostPorts = (list: string): HostPort[] =>
  list.split(",").map((hp) => {
    const i = hp.lastIndexOf(":");
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });

function redisTopology(e: Env): RedisTopology | undefined {
  if (e.REDIS_SENTINELS && e.REDIS_CLUSTER_NODES) throw new ConfigError("Invalid configuration:\n  REDIS_SENTINELS, REDIS_CLUSTER_NODES: set one or the other, not both.");
  if (e.REDIS_CLUSTER_NODES && !/^\{.+\}$/.test(e.REDIS_PREFIX))
    throw new ConfigError("Invalid configuration:\n  REDIS_PREFIX: must be a hash tag in braces, e.g. {homthu}, with REDIS_CLUSTER_NODES (BullMQ's keys of a queue must share a hash slot).");
  if (e.REDIS_SENTINELS) return { kind: "sentinel", sentinels: hostPorts(e.REDIS_SENTINELS), name: e.REDIS_SENTINEL_NAME, password: e.REDIS_PASSWORD };
  if (e.REDIS_CLUSTER_NODES) return { kind: "cluster", nodes: hostPorts(e.REDIS_CLUSTER_NODES), password: e.REDIS_PASSWORD };
  return undefined;
}

/** Raised when configuration is invalid; main() prints it as one readable block and exits 1. */
export class ConfigError extends Error {}

function parseTrustProxy(v: string): string | boolean | number {
  if (v === "true") return true;
  if (v === "false") return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

function developmentSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, "secret-key");
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, "utf8").trim(), "hex");
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600 });
  return key;
}

/**
 * Validate `source` (process.env by default) and build the configuration.
 * @throws ConfigError listing every invalid variable by name.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(environment)"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  if (isProduction && e.SMTP_URL && !e.PUBLIC_URL) {
    throw new ConfigError("Invalid configuration:\n  PUBLIC_URL: must be set in production when SMTP_URL is (emails carry links to it).");
  }
  if (isProduction && (!e.SECRET_KEY || e.SECRET_KEY.toLowerCase() === DEV_SECRET_KEY)) {
    throw new ConfigError("Invalid configuration:\n  SECRET_KEY: must be set to a secret of your own in production (openssl rand -hex 32); development secrets are refused.");
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const secretKey = e.SECRET_KEY ? Buffer.from(e.SECRET_KEY, "hex") : developmentSecret(dataDir);
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    redisTopology: redisTopology(e),
    redisPrefix: e.REDIS_PREFIX,
    databaseReadUrl: e.DATABASE_READ_URL,
    dataDir,
    secretKey,
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    argon2: { memoryKiB: e.ARGON2_MEMORY_KIB, passes: e.ARGON2_PASSES, parallelism: e.ARGON2_PARALLELISM, maxConcurrent: e.ARGON2_MAX_CONCURRENT },
    limits: {
      tipsPerHour: e.TIP_RATE_LIMIT_PER_HOUR,
      receiptsPerHour: e.RECEIPT_RATE_LIMIT_PER_HOUR,
      tipsGlobalPerMinute: e.TIP_RATE_LIMIT_GLOBAL_PER_MINUTE,
      formTokenTtlMs: e.FORM_TOKEN_TTL_MINUTES * 60_000,
      maxPhotoBytes: e.MAX_PHOTO_MB * 1024 * 1024,
      maxPhotos: e.MAX_PHOTOS,
    },
    quickExitUrl: e.QUICK_EXIT_URL,
    sessions: { idleMs: e.SESSION_IDLE_MINUTES * 60_000, absoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000 },
    auth: {
      totpRequiredRoles: e.TOTP_REQUIRED_ROLES.split(",").filter(Boolean),
      lockAfter: e.LOGIN_LOCK_AFTER,
      lockMs: e.LOGIN_LOCK_MINUTES * 60_000,
      loginsPerHour: e.LOGIN_RATE_LIMIT_PER_HOUR,
      invitationMs: e.INVITATION_HOURS * 3_600_000,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    deadlines: {
      triage: e.TRIAGE_DEADLINE_HOURS * 3_600_000,
      urgentTriage: e.URGENT_TRIAGE_DEADLINE_HOURS * 3_600_000,
      acknowledge: e.ACK_DEADLINE_HOURS * 3_600_000,
      verify: e.VERIFY_DEADLINE_DAYS * 86_400_000,
      verifyExtended: e.VERIFY_EXTENDED_DAYS * 86_400_000,
      verifyReminder: e.VERIFY_REMINDER_DAYS * 86_400_000,
      forward: e.FORWARD_DEADLINE_HOURS * 3_600_000,
      urgentForward: e.URGENT_FORWARD_DEADLINE_HOURS * 3_600_000,
      needsInfo: e.NEEDS_INFO_WAIT_DAYS * 86_400_000,
    },
    sweeps: { cron: e.SWEEP_CRON, routingAlertAfter: e.ROUTING_ALERT_AFTER },
    reports: { smallNumberThreshold: e.SMALL_NUMBER_THRESHOLD, retentionDays: e.RETENTION_DAYS, modelCommuneDeadline: e.MODEL_COMMUNE_DEADLINE },
    metricsToken: e.METRICS_TOKEN,
    metricsAllowLoopback: e.METRICS_ALLOW_LOOPBACK ?? !isProduction,
    onionLocation: e.ONION_LOCATION,
    autoBootstrap: e.AUTO_BOOTSTRAP ?? !e.DATABASE_URL,
    runMigrations: e.RUN_MIGRATIONS,
    ...overrides,
  };
}
