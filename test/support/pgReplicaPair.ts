/**
 * A PostgreSQL primary and a streaming replica of it, started for one test
 * with the server binaries installed on the machine (Debian's
 * /usr/lib/postgresql/N/bin, or PG_BIN), on free ports of 127.0.0.1, in a
 * temporary folder: initdb, then pg_basebackup -R for the replica. As root
 * both run as the `postgres` system user. Never the shared 5432.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { postgresSystemUser } from "../../src/devServices/postgresFiles.js";
import { freePort } from "./ports.js";

export function postgresBinDir(): string | null {
  if (process.env.PG_BIN && fs.existsSync(path.join(process.env.PG_BIN, "pg_basebackup"))) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_basebackup"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : null;
}

export interface PgServer {
  port: number;
  url(db?: string): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export class PgReplicaPair {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-pgpair-"));
  private readonly children: ChildProcess[] = [];
  private readonly user = process.getuid?.() === 0 ? postgresSystemUser() : null;
  primary!: PgServer;
  replica!: PgServer;

  constructor(private readonly bin: string) {
    if (this.user) {
      fs.chmodSync(this.dir, 0o755);
      fs.chownSync(this.dir, this.user.uid, this.user.gid);
    }
  }

  private run(cmd: string, args: string[]): void {
    const opts: SpawnSyncOptions = { encoding: "utf8", timeout: 120_000, ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}) };
    const r = spawnSync(path.join(this.bin, cmd), args, opts);
    if (r.status !== 0) throw new Error(`${cmd} failed: ${String(r.stdout)}${String(r.stderr)}`);
  }

  private async serve(dataDir: string): Promise<PgServer> {
    const port = await freePort();
    const child = spawn(
      path.join(this.bin, "postgres"),
      ["-D", dataDir, "-p", String(port), "-k", this.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=32MB", "-c", "max_connections=40", "-c", "wal_level=replica", "-c", "max_wal_senders=4", "-c", "hot_standby=on"],
      { stdio: ["ignore", "ignore", "pipe"], ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}) },
    );
    child.stderr?.resume();
    this.children.push(child);
    const server: PgServer = {
      port,
      url: (db = "postgres") => `postgres://postgres@127.0.0.1:${port}/${db}`,
      kill: async (signal = "SIGINT") => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
    const until = Date.now() + 30_000;
    for (;;) {
      const c = new pg.Client({ connectionString: server.url() });
      try {
        await c.connect();
        await c.query("SELECT 1");
        await c.end();
        return server;
      } catch {
        await c.end().catch(() => undefined);
        if (child.exitCode !== null) throw new Error(`postgres on ${port} exited with ${child.exitCode}`);
        if (Date.now() > until) throw new Error(`postgres on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** initdb + start the primary, create `database` on it, then pg_basebackup -R and start the replica. */
  async start(database: string): Promise<void> {
    const primaryDir = path.join(this.dir, "primary");
    this.run("initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
    this.primary = await this.serve(primaryDir);
    const c = new pg.Client({ connectionString: this.primary.url() });
    await c.connect();
    await c.query(`CREATE DATABASE "${database}"`);
    await c.end();
    const replicaDir = path.join(this.dir, "replica");
    this.run("pg_basebackup", ["-h", "127.0.0.1", "-p", String(this.primary.port), "-U", "postgres", "-D", replicaDir, "-R", "-X", "stream", "--no-sync"]);
    this.replica = await this.serve(replicaDir);
  }

  /** Wait until the replica has replayed everything the primary has written so far. */
  async caughtUp(ms = 20_000): Promise<void> {
    const p = new pg.Client({ connectionString: this.primary.url() });
    const r = new pg.Client({ connectionString: this.replica.url() });
    await Promise.all([p.connect(), r.connect()]);
    try {
      const { rows } = await p.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
      const until = Date.now() + ms;
      for (;;) {
        const { rows: done } = await r.query<{ ok: boolean }>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", [rows[0]!.lsn]);
        if (done[0]?.ok) return;
        if (Date.now() > until) throw new Error("replica did not catch up");
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      await Promise.all([p.end(), r.end()]);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise<void>((r) => (c.once("exit", () => r()), c.kill("SIGKILL"))) : undefined)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
