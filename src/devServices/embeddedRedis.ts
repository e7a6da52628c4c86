/**
 * An embedded Redis for development and small installations: used when
 * REDIS_URL is unset. `redis-server` from PATH is started as a child process
 * with its data (append-only file) in `dataDir` (DATA_DIR/redis), listening on
 * 127.0.0.1 only and protected by a generated password kept in
 * `<dataDir>.password` (mode 600). The password is passed on standard input,
 * never on the command line where `ps` would show it.
 */
import { spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { assertPortFree, ensurePasswordFile, reapOrphanedServer, type EmbeddedService, type ServiceLogger } from "./serviceProcesses.js";

export const DEFAULT_EMBEDDED_REDIS_PORT = 63790;
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 15_000;

/** Raised when REDIS_URL is unset and there is no `redis-server` to start. */
export class MissingRedisError extends Error {
  override name = "MissingRedisError";
  constructor() {
    super(
      "homthu needs Redis. Either set REDIS_URL=redis://host:port to use an existing Redis, or install redis-server " +
        "(Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) so that homthu can start its own " +
        "with data under ./var/redis.",
    );
  }
}

/** Absolute path of an executable found on PATH, or null. */
export function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
}

/** One attempt: AUTH then PING over a raw socket. Resolves true on +PONG. */
function ping(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write(encodeCommand(["AUTH", password]) + encodeCommand(["PING"])));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      const lines = reply.split("\r\n");
      if (lines.length < 3) return; // both replies not in yet
      done(lines[0] === "+OK" && lines[1] === "+PONG"); // -LOADING while the AOF is replayed: try again
    });
  });
}

/**
 * Start `redis-server` with persistence (AOF, fsync every second, no RDB
 * snapshots) and no eviction, as BullMQ requires. Resolves once it answers PING.
 * @throws MissingRedisError when `redis-server` is not on PATH.
 */
export async function startEmbeddedRedis(opts: { dataDir: string; port?: number; logger: ServiceLogger }): Promise<EmbeddedService> {
  const { logger } = opts;
  const binary = findOnPath("redis-server");
  if (!binary) throw new MissingRedisError();
  const dataDir = path.resolve(opts.dataDir || "./var/redis");
  const port = opts.port ?? DEFAULT_EMBEDDED_REDIS_PORT;
  const pidFile = path.join(dataDir, "redis-server.pid");
  const ownerFile = `${dataDir}.owner`;

  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  await fs.chmod(dataDir, 0o700);
  await reapOrphanedServer({ name: "the embedded Redis", pidFile, ownerFile, cmdlineIncludes: "redis-server", signal: "SIGTERM", logger });
  await assertPortFree(port, "the embedded Redis");
  const password = await ensurePasswordFile(`${dataDir}.password`, null);

  // "-" makes redis-server read a configuration file from stdin (the password); flags follow.
  const args = [
    "-",
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--protected-mode", "yes",
    "--dir", dataDir,
    "--pidfile", pidFile,
    "--appendonly", "yes",
    "--appendfsync", "everysec",
    "--save", "",
    "--maxmemory-policy", "noeviction",
    "--daemonize", "no",
  ];
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
  const recentLog: string[] = [];
  const onOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString("utf8").split("\n")) {
      const text = line.trim();
      if (!text) continue;
      recentLog.push(text);
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ redis: text }, "redis");
    }
  };
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  child.stdin.on("error", () => undefined); // reported through the exit below
  child.stdin.end(`requirepass ${password}\n`);

  // Never leave redis-server behind when our process exits (the event is synchronous: signal only).
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.on("exit", killOnExit);

  let started = false;
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      process.removeListener("exit", killOnExit);
      if (started && !stopping) logger.error({ code, signal, recent: recentLog.slice(-5) }, "the embedded Redis exited unexpectedly");
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM"); // redis fsyncs the AOF and exits
        const forced = setTimeout(() => {
          logger.warn({ serverPid: child.pid }, "the embedded Redis is slow to stop; killing it");
          child.kill("SIGKILL");
        }, STOP_TIMEOUT_MS);
        await exited.finally(() => clearTimeout(forced));
      }
      await fs.rm(ownerFile, { force: true });
      logger.info({ dataDir }, "embedded Redis stopped");
    })());

  const failure = (what: string): Error =>
    new Error(`The embedded Redis (${binary}, data in ${dataDir}, port ${port}) ${what}. Last output:\n${recentLog.join("\n") || "(none)"}`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (!ready) {
    const outcome = await Promise.race([
      ping(port, password).then((ok) => (ok ? "ready" : "retry")),
      exited.then(() => "exited" as const),
      spawnError,
    ]);
    if (outcome instanceof Error) {
      process.removeListener("exit", killOnExit);
      throw failure(`could not be started (${outcome.message})`);
    }
    if (outcome === "exited") {
      throw failure(`exited during start-up (code ${child.exitCode ?? "none"}, signal ${child.signalCode ?? "none"})`);
    }
    ready = outcome === "ready";
    if (!ready) {
      if (Date.now() > deadline) {
        await stop();
        throw failure(`did not answer PING within ${READY_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  started = true;
  await fs.writeFile(ownerFile, `${process.pid}\n`);
  logger.info({ dataDir, port, serverPid: child.pid }, "embedded Redis ready");
  return { url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`, stop };
}
