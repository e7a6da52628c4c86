/**
 * Real `redis-server` processes for the scale-out tests, each on a free port
 * of 127.0.0.1 with its files in a temporary folder: a 3-node Redis Cluster,
 * and a primary with a replica watched by three sentinels. Everything started
 * here is stopped by `stop()` (SIGKILL after a grace period) and its folder
 * removed; nothing touches the shared Redis.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./ports.js";

export interface RedisProcess {
  port: number;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForPing(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on("error", () => undefined); // not listening yet: connect() rejects, which is all this needs
    try {
      await r.connect();
      if ((await r.ping()) === "PONG") return;
    } catch {
      // not yet
    } finally {
      r.disconnect();
    }
    if (Date.now() > until) throw new Error(`redis on ${port} did not start`);
    await sleep(100);
  }
}

export class RedisFleet {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-redis-"));
  private readonly processes: RedisProcess[] = [];

  /** Start one redis-server (or sentinel, with `sentinel: true`) with these config lines. */
  async start(lines: string[], opts: { sentinel?: boolean } = {}): Promise<RedisProcess> {
    const port = await freePort();
    const home = path.join(this.dir, String(port));
    fs.mkdirSync(home);
    const conf = path.join(home, "redis.conf");
    fs.writeFileSync(conf, [`port ${port}`, "bind 127.0.0.1", `dir ${home}`, "save \"\"", "appendonly no", "protected-mode no", ...lines].join("\n") + "\n");
    const child = spawn("redis-server", opts.sentinel ? [conf, "--sentinel"] : [conf], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.resume();
    const proc: RedisProcess = {
      port,
      child,
      kill: async (signal = "SIGTERM") => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      },
    };
    this.processes.push(proc);
    await waitForPing(port);
    return proc;
  }

  /** Three masters with all 16384 slots between them (no replicas). */
  async cluster(n = 3): Promise<RedisProcess[]> {
    const nodes = await Promise.all(
      Array.from({ length: n }, () => this.start(["cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"])),
    );
    const created = spawnSync("redis-cli", ["--cluster", "create", ...nodes.map((p) => `127.0.0.1:${p.port}`), "--cluster-replicas", "0", "--cluster-yes"], { encoding: "utf8", timeout: 30_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const until = Date.now() + 20_000;
    for (const node of nodes) {
      for (;;) {
        const r = new Redis({ host: "127.0.0.1", port: node.port });
        const info = await r.cluster("INFO").finally(() => r.disconnect());
        if (String(info).includes("cluster_state:ok")) break;
        if (Date.now() > until) throw new Error("cluster did not become ok");
        await sleep(200);
      }
    }
    return nodes;
  }

  /** A primary, one replica and three sentinels monitoring them as `name` (quorum 2, 1 s down-after). */
  async sentinelGroup(name = "mymaster"): Promise<{ primary: RedisProcess; replica: RedisProcess; sentinels: RedisProcess[] }> {
    const primary = await this.start([]);
    const replica = await this.start([`replicaof 127.0.0.1 ${primary.port}`]);
    const sentinels = await Promise.all(
      [0, 1, 2].map(() =>
        this.start(
          [`sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`, `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 5000`, `sentinel parallel-syncs ${name} 1`],
          { sentinel: true },
        ),
      ),
    );
    // Wait until the replica is in sync and every sentinel knows both the replica and the other sentinels.
    const until = Date.now() + 30_000;
    for (;;) {
      const r = new Redis({ host: "127.0.0.1", port: replica.port });
      const info = await r.info("replication").finally(() => r.disconnect());
      const synced = info.includes("master_link_status:up");
      let known = true;
      for (const s of sentinels) {
        const c = new Redis({ host: "127.0.0.1", port: s.port });
        const [master] = (await c.call("SENTINEL", "MASTERS").finally(() => c.disconnect())) as string[][];
        const fields = Object.fromEntries((master ?? []).reduce<[string, string][]>((acc, v, i, a) => (i % 2 === 0 ? [...acc, [v, a[i + 1]!]] : acc), []));
        if (Number(fields["num-slaves"] ?? 0) < 1 || Number(fields["num-other-sentinels"] ?? 0) < 2) known = false;
      }
      if (synced && known) break;
      if (Date.now() > until) throw new Error("sentinel group did not settle");
      await sleep(250);
    }
    return { primary, replica, sentinels };
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill("SIGKILL")));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
