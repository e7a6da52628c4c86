/**
 * What the embedded PostgreSQL and Redis have in common: the service handle,
 * refusing a busy port with a clear message, recognising and stopping a server
 * that a crashed homthu left running on the same data, and the generated
 * password kept next to the data directory.
 */
import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
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

/** How long a server left behind by a crashed homthu (or ours, at stop) may take to exit. */
export const STOP_TIMEOUT_MS = 30_000;

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

export function isAlive(pid: number): boolean {
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

export function readPid(file: string): number | null {
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
