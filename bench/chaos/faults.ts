/**
 * The faults `npm run chaos` injects, one at a time, while tips keep coming.
 * A kill is followed at once by a restart, as a supervisor (systemd, Docker's
 * restart policy) would do: its time to recover counts from the kill. An
 * outage of a set length (PostgreSQL stopped, Redis out of memory) counts
 * from the moment the service is back.
 */
import type { Ending } from "../children.js";
import { sleep } from "../measure.js";
import type { Stack } from "./stack.js";

export interface Injected {
  /** Where the time to recover counts from (Date.now()); the fault is over when inject() resolves. */
  from: number;
  /** How the web process ended on SIGTERM. */
  sigterm?: Ending;
  /** How long the web process took to exit after SIGTERM. */
  exitedAfterMs?: number;
}

export interface Fault {
  label: string;
  name: string;
  /** What the user of the table should know about how it was done. */
  how: string;
  inject(stack: Stack): Promise<Injected>;
}

export function faults(o: { longOutageMs: number; shortOutageMs: number; oomMs: number; redisDownMs: number }): Fault[] {
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  const minutesOrSeconds = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(ms % 60_000 ? 1 : 0)} min` : seconds(ms));
  return [
    {
      label: "worker-kill",
      name: "worker SIGKILL",
      how: "SIGKILL to the worker process, started again at once",
      inject: async (s) => {
        const from = Date.now();
        await s.worker.signal("SIGKILL");
        await s.worker.start();
        return { from };
      },
    },
    {
      label: "web-kill",
      name: "web SIGKILL",
      how: "SIGKILL to the web process under load, started again at once on the same port",
      inject: async (s) => {
        const from = Date.now();
        await s.web.signal("SIGKILL");
        await s.web.start();
        return { from };
      },
    },
    {
      label: "redis-kill",
      name: "Redis SIGKILL (AOF)",
      how: `SIGKILL to redis-server (append-only file, fsync every second), started again after ${seconds(o.redisDownMs)} on the same data`,
      inject: async (s) => {
        const from = Date.now();
        await s.killRedis();
        await sleep(o.redisDownMs);
        await s.startRedis();
        return { from };
      },
    },
    {
      label: "pg-stop-short",
      name: `PostgreSQL stopped ${minutesOrSeconds(o.shortOutageMs)}`,
      how: `pg_ctl stop -m immediate on the data folder, started again after ${minutesOrSeconds(o.shortOutageMs)} (crash recovery)`,
      inject: async (s) => {
        await s.stopPostgresImmediately();
        await sleep(o.shortOutageMs);
        await s.startPostgres();
        return { from: Date.now() };
      },
    },
    {
      label: "pg-stop-long",
      name: `PostgreSQL stopped ${minutesOrSeconds(o.longOutageMs)}`,
      how: `pg_ctl stop -m immediate on the data folder, started again after ${minutesOrSeconds(o.longOutageMs)} (crash recovery)`,
      inject: async (s) => {
        await s.stopPostgresImmediately();
        await sleep(o.longOutageMs);
        await s.startPostgres();
        return { from: Date.now() };
      },
    },
    {
      label: "redis-oom",
      name: "Redis out of memory",
      how: `CONFIG SET maxmemory 1 (maxmemory-policy noeviction): every write refused for ${seconds(o.oomMs)}, then maxmemory 0 again`,
      inject: async (s) => {
        await s.configRedis("maxmemory-policy", "noeviction");
        await s.configRedis("maxmemory", "1");
        await sleep(o.oomMs);
        await s.configRedis("maxmemory", "0");
        return { from: Date.now() };
      },
    },
    {
      label: "web-sigterm",
      name: "web SIGTERM (deploy)",
      how: "SIGTERM to the web process while every lane keeps its keep-alive connection busy; started again once it has exited",
      inject: async (s) => {
        const from = Date.now();
        const sigterm = await s.web.signal("SIGTERM");
        const exitedAfterMs = Date.now() - from;
        await s.web.start();
        return { from, sigterm, exitedAfterMs };
      },
    },
  ];
}
