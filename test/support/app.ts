/**
 * Start a real homthu (web + workers) against the test services, with argon2
 * turned down so tests run fast, and every log line captured for inspection.
 */
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { loadConfig, type AppConfig } from "../../config/index.js";
import { createLogger } from "../../src/logging/logger.js";
import { start, type Role, type Running } from "../../src/runtime.js";
import { services } from "./services.js";
import { allLogs } from "./canaries.js";

export const TEST_SECRET = "ab".repeat(32);

/** The tests' sweep schedule: every second. */
export const TEST_SWEEP_CRON = "* * * * * *";

export interface TestApp extends Running {
  url: string;
  logs: string[];
}

export function testConfig(overrides: Record<string, string> = {}, extra: Partial<AppConfig> = {}): AppConfig {
  const s = services();
  return loadConfig(
    {
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: s.databaseUrl,
      REDIS_URL: s.redisUrl,
      REDIS_PREFIX: s.redisPrefix,
      SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: "info",
      ARGON2_MEMORY_KIB: "1024",
      ARGON2_PASSES: "1",
      ARGON2_MAX_CONCURRENT: "2",
      TRUST_PROXY: "loopback",
      TIP_RATE_LIMIT_PER_HOUR: "1000",
      // One key prefix serves the whole run, so the per-client login and receipt counters add up over every file in the
      // same clock hour: tests that test the limit set their own.
      LOGIN_RATE_LIMIT_PER_HOUR: "100000",
      RECEIPT_RATE_LIMIT_PER_HOUR: "100000",
      AUTO_BOOTSTRAP: "false",
      // Sweeps every second (6-field cron), so that routing and deadlines follow within a second, not a minute.
      SWEEP_CRON: TEST_SWEEP_CRON,
      ...overrides,
    },
    extra,
  );
}

export async function startTestApp(opts: { role?: Role; env?: Record<string, string> } = {}): Promise<TestApp> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = chunk.toString("utf8").split("\n").filter(Boolean);
      logs.push(...lines);
      allLogs.push(...lines);
      done();
    },
  });
  const config = testConfig(opts.env);
  const running = await start(opts.role ?? "all", config, createLogger(config.logLevel, sink));
  return { ...running, url: running.url ?? "", logs };
}

/** Empty every table but the units, so a test starts from a known state. */
export async function resetData(app: Running): Promise<void> {
  // The app's own minute sweep (every second in tests) may hold some of these tables when TRUNCATE
  // takes them all; PostgreSQL then ends one side with "deadlock detected" (40P01). Try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await app.ctx.database.db.execute(
        sql`TRUNCATE tips, tip_items, tip_key_wraps, recovery_key_holders, recovery_key, staff_users, police_units, coverage, invitations, notifications, audit_log, settings, model_communes, commune_classifications, help_services, saved_reports, places CASCADE`,
      );
      return;
    } catch (err) {
      const code = (err as { cause?: { code?: string }; code?: string }).cause?.code ?? (err as { code?: string }).code;
      if (code !== "40P01" || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/**
 * One app for the enclosing describe block (usually the whole file): started in a `before` hook and
 * stopped in an `after` hook, so a file pays for one start. The value returned stands for the app
 * once started (it forwards to it); `reset: "each"` empties the data before every test, `"once"`
 * before the first.
 */
export function useTestApp(opts: { role?: Role; env?: Record<string, string>; reset?: "once" | "each" } = {}): TestApp {
  let current: TestApp | undefined;
  before(async function () {
    this.timeout(120_000);
    current = await startTestApp(opts);
    if (opts.reset === "once") await resetData(current);
  });
  if (opts.reset === "each") beforeEach(async () => resetData(app));
  after(async () => {
    await current?.stop();
    current = undefined;
  });
  const app = new Proxy({} as TestApp, {
    get(_target, prop) {
      if (!current) throw new Error(`useTestApp: the app is not running (read of ${String(prop)} outside the describe's tests and hooks)`);
      const v = Reflect.get(current, prop) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(current) : v;
    },
  });
  return app;
}
