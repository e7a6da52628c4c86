/**
 * Starting and stopping homthu: the one place that knows the order.
 *
 * Start: crypto → services (embedded ones only when no URL is configured) →
 * database + migrations → units on first start → Redis → queues → first
 * administrator on the embedded default → web and/or workers.
 * Stop (the shutdown coordinator): HTTP stops accepting and finishes in-flight
 * requests → workers finish in-flight jobs → queues → database and Redis →
 * the embedded services we started.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError, type AppConfig } from "../config/index.js";
import { getSetting, putSetting } from "./settings/settings.js";
import { startWorkers, type Workers } from "../workers/index.js";
import { createApp } from "./app.js";
import { bootstrap, FIRST_ADMIN_HINT } from "./commands/bootstrapper.js";
import { hasAdministrator } from "./staff/staffQueries.js";
import { bundledTreeFile } from "./units/bundledTrees.js";
import { importUnitsIfEmpty } from "./commands/unitsImporter.js";
import { serverKeys, type AppContext } from "./context.js";
import * as crypto from "./crypto/index.js";
import { openDatabase, type Database } from "./db/client.js";
import { withReadReplica } from "./db/readReplica.js";
import { runMigrations } from "./db/migrate.js";
import { staffUsers } from "./db/schema.js";
import type { Logger } from "./logging/logger.js";
import { bullPrefix, Queues } from "./queues/producer.js";
import { appRedis, redisTarget, whenConnected, type RedisTarget } from "./redis/connections.js";
import { resolveServices } from "./devServices/index.js";
import { UnitDirectory } from "./units/directory.js";
import { SessionStore, TipsterSessionStore } from "./sessions/sessionStore.js";
import { ReplayStore } from "./redis/replayStore.js";
import { createMailer } from "./mail/mailer.js";
import { createMetrics } from "./metrics/metrics.js";

export type Role = "all" | "web" | "worker";

export const DEFAULT_UNITS_FILE = bundledTreeFile("ben-tre-2019");

export interface Running {
  ctx: AppContext;
  /** The web server's address, when this process serves HTTP. */
  url?: string;
  stop(): Promise<void>;
}

/** Build the shared context: services, database, Redis, queues. Used by start() and the CLI. */
export async function openContext(config: AppConfig, logger: Logger): Promise<{ ctx: AppContext; close(): Promise<void>; redisTarget: RedisTarget }> {
  await crypto.ready(config.argon2);
  const services = await resolveServices(
    { databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, externalRedis: !!config.redisTopology, dataDir: config.dataDir },
    logger,
  );
  // A lost connection is logged once per client (code only); the query that used it fails and is answered 503 or retried.
  const database = withReadReplica(
    openDatabase(services.databaseUrl, config.databasePoolSize, (err) => logger.warn({ code: (err as { code?: string }).code, reason: err.message }, "database connection lost")),
    config.databaseReadUrl,
    config.databasePoolSize,
    (d, m) => logger.warn(d, m),
  );
  const target = redisTarget(config, services.redisUrl);
  const redis = appRedis(target);
  redis.on("error", () => undefined); // reconnects on its own; callers see failed commands
  try {
    if (config.runMigrations) await runMigrations(database);
    if (await importUnitsIfEmpty(database.db, DEFAULT_UNITS_FILE)) logger.info("administrative units imported from the default file");
    await checkArgon2Parameters(database.db, config);
    await whenConnected(redis);
  } catch (err) {
    await Promise.allSettled([database.close(), services.stop()]);
    redis.disconnect();
    throw err;
  }
  const keys = serverKeys(config.secretKey);
  const queues = new Queues(redis, bullPrefix(config.redisPrefix), keys.jobIds, (err) => logger.warn({ err }, "queue connection error"));
  const sessions = new SessionStore(redis, config.redisPrefix, config.sessions);
  const mailer = createMailer(config.mail.smtpUrl, config.mail.from, logger);
  let ctxRef: AppContext | undefined;
  const metrics = createMetrics(() => ctxRef);
  const ctx: AppContext = { config, logger, database, redis, queues, units: new UnitDirectory(database.db), keys, sessions, tipsterSessions: new TipsterSessionStore(redis, config.redisPrefix), replays: new ReplayStore(redis, config.redisPrefix, keys.replay), mailer, metrics };
  ctxRef = ctx;
  const close = async () => {
    mailer.close();
    await queues.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    await database.close().catch(() => undefined);
    await services.stop();
  };
  return { ctx, close, redisTarget: target };
}

/** On the embedded default, the first start creates admin@localhost and prints its password once. */
async function autoBootstrap(ctx: AppContext): Promise<void> {
  if (await hasAdministrator(ctx.database.db)) return;
  const password = Buffer.from(crypto.randomBytes(18)).toString("base64url");
  await bootstrap(ctx.database.db, "admin@localhost", password);
  process.stdout.write(
    `\n  homthu: first start — administrator created\n    email:    admin@localhost\n    password: ${password}\n  This password is shown once. Write it down; it also unlocks the recovery key.\n\n`,
  );
}

/**
 * Against an external database nobody is created automatically: with no
 * administrator yet, say in one line how to create the first one (the
 * sign-in page says it too).
 */
async function hintFirstAdministrator(ctx: AppContext): Promise<void> {
  if (await hasAdministrator(ctx.database.db)) return;
  ctx.logger.warn(FIRST_ADMIN_HINT);
}

/**
 * Every staff key and every receipt was derived with the argon2 parameters in
 * force when it was made, and they are not stored per item: changing them on
 * a live install would lock everyone out. The first start records them; a
 * later start with different ones refuses, naming the variables.
 */
async function checkArgon2Parameters(db: Database["db"], config: AppConfig): Promise<void> {
  const current = { memoryKiB: config.argon2.memoryKiB, passes: config.argon2.passes, parallelism: config.argon2.parallelism };
  const recorded = await getSetting(db, "argon2Parameters");
  const [used] = await db.select({ id: staffUsers.id }).from(staffUsers).limit(1);
  // Nothing derived yet (a new or emptied database): the current parameters become the recorded ones.
  if (!recorded || !used) {
    await db.transaction((tx) => putSetting(tx, "argon2Parameters", current));
    return;
  }
  if (recorded.memoryKiB !== current.memoryKiB || recorded.passes !== current.passes || recorded.parallelism !== current.parallelism)
    throw new ConfigError(
      `Invalid configuration:\n  ARGON2_MEMORY_KIB/ARGON2_PASSES/ARGON2_PARALLELISM: this database was set up with ${recorded.memoryKiB} KiB, ${recorded.passes} passes, parallelism ${recorded.parallelism}; staff keys and receipts depend on them, so they cannot change on an existing installation.`,
    );
}

export async function start(role: Role, config: AppConfig, logger: Logger): Promise<Running> {
  const { ctx, close, redisTarget } = await openContext(config, logger);
  let server: http.Server | undefined;
  let draining = false;
  let workers: Workers | undefined;
  try {
    if (config.autoBootstrap) await autoBootstrap(ctx);
    else if (role !== "worker") await hintFirstAdministrator(ctx);
    if (role !== "web") workers = await startWorkers(ctx, redisTarget);
    if (role !== "worker") {
      server = http.createServer(createApp(ctx));
      setServerTimeouts(server);
      server.prependListener("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
        // Draining: every answer sent from now on (in-flight ones too) tells keep-alive clients to reconnect,
        // to another process, and Node closes the socket after it.
        const writeHead = res.writeHead;
        res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
          if (draining && !this.headersSent) this.setHeader("Connection", "close");
          return writeHead.apply(this, args);
        } as typeof writeHead;
      });
      await new Promise<void>((resolve, reject) => server!.once("error", reject).listen(config.port, config.host, resolve));
    }
  } catch (err) {
    await workers?.close();
    await close();
    throw err;
  }
  const addr = server?.address() as AddressInfo | undefined;
  const url = addr ? `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}` : undefined;
  logger.info({ role, url }, "homthu started");

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (server) await drain(server, () => (draining = true));
      await workers?.close();
      await close();
      logger.info("homthu stopped");
    })());
  return { ctx, url, stop };
}

/**
 * Timeouts that cut slow or idle clients (docs/deployment.md, "HTTP timeouts"):
 * the headers within 15 s (slow-header attacks), the whole request within
 * 180 s (a 10 MB photo at ~60 KB/s; the report page's script shrinks photos
 * well below that), an idle keep-alive socket after 5 s, any socket silent
 * for 60 s.
 */
export const SERVER_TIMEOUTS = { headersTimeout: 15_000, requestTimeout: 180_000, keepAliveTimeout: 5_000, socketTimeout: 60_000 };
/** How long in-flight requests get to finish on SIGTERM before their sockets are closed. */
export const DRAIN_MS = 12_000;

function setServerTimeouts(server: http.Server): void {
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  server.setTimeout(SERVER_TIMEOUTS.socketTimeout);
}

/**
 * Stop taking connections and let in-flight requests finish: answers carry
 * `Connection: close` from now on, idle keep-alive sockets are closed at once
 * and again as each finishes its request (a keep-alive client would otherwise
 * keep sending on its open socket and the server would never close), and
 * whatever is still open after DRAIN_MS is cut.
 */
async function drain(server: http.Server, startDraining: () => void): Promise<void> {
  startDraining();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
