/**
 * Where the CPU went during a measurement (Linux /proc): time used by the
 * web and worker processes, this bench process, the PostgreSQL backends of
 * the bench database, the rest of PostgreSQL, Redis, and everything else on
 * the machine. On two shared cores this tells a slow figure caused by the app
 * from one caused by a neighbour.
 */
import fs from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

export type Group = "web" | "worker" | "bench" | "postgres (bench db)" | "postgres (rest)" | "redis";

interface Snapshot {
  at: number;
  machineBusyMs: number;
  /** CPU time per process id, and the group it belongs to. */
  processes: Map<number, { group: Group; ms: number }>;
  /** CPU time of the web process's main thread (its JavaScript), the rest being argon2's pool threads and V8's helpers. */
  webMainMs: number;
}

export interface CpuUse {
  wallMs: number;
  /** Busy time of all cores together. */
  machineBusyMs: number;
  byGroup: Record<Group | "other processes", number>;
  /** Of byGroup.web, what its main thread used: the per-tip work besides the derivation, which runs on the pool. */
  webMainMs: number;
}

/** CPU time of a process (all its threads), or of one thread with `/proc/<pid>/task/<tid>`. */
function processCpuMs(pid: number, path = `/proc/${pid}`): number {
  const stat = fs.readFileSync(`${path}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function machineBusyMs(): number {
  const [, ...ticks] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks as number[];
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * TICK_MS;
}

export class CpuMeter {
  constructor(private readonly known: { web: number; worker: number; databaseName: string }) {}

  private groupOf(pid: number): Group | undefined {
    if (pid === this.known.web) return "web";
    if (pid === this.known.worker) return "worker";
    if (pid === process.pid) return "bench";
    const comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    if (comm === "redis-server") return "redis";
    if (comm === "postgres") return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(this.known.databaseName) ? "postgres (bench db)" : "postgres (rest)";
    return undefined;
  }

  snapshot(): Snapshot {
    const processes = new Map<number, { group: Group; ms: number }>();
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      try {
        const group = this.groupOf(pid);
        if (group) processes.set(pid, { group, ms: processCpuMs(pid) });
      } catch {
        // the process ended while we looked
      }
    }
    // Node's main thread has the process's id as its thread id (NaN once the process is gone: the figure says n/a).
    let webMainMs = Number.NaN;
    try {
      webMainMs = processCpuMs(this.known.web, `/proc/${this.known.web}/task/${this.known.web}`);
    } catch {
      // the web process ended; the bench reports that on its own
    }
    return { at: performance.now(), machineBusyMs: machineBusyMs(), processes, webMainMs };
  }

  /** CPU used between two snapshots; a process that ended in between is not counted (it lands in "other"). */
  static between(a: Snapshot, b: Snapshot): CpuUse {
    const byGroup: CpuUse["byGroup"] = { web: 0, worker: 0, bench: 0, "postgres (bench db)": 0, "postgres (rest)": 0, redis: 0, "other processes": 0 };
    for (const [pid, after] of b.processes) byGroup[after.group] += after.ms - (a.processes.get(pid)?.ms ?? 0);
    const busy = b.machineBusyMs - a.machineBusyMs;
    const ours = Object.values(byGroup).reduce((x, y) => x + y, 0);
    byGroup["other processes"] = Math.max(0, busy - ours);
    return { wallMs: b.at - a.at, machineBusyMs: busy, byGroup, webMainMs: b.webMainMs - a.webMainMs };
  }
}

/** The CPU of consecutive measurements as one. */
export function sumCpu(parts: CpuUse[]): CpuUse {
  const total: CpuUse = { wallMs: 0, machineBusyMs: 0, byGroup: { ...parts[0]!.byGroup }, webMainMs: 0 };
  for (const key of Object.keys(total.byGroup) as (keyof CpuUse["byGroup"])[]) total.byGroup[key] = parts.reduce((a, p) => a + p.byGroup[key], 0);
  for (const p of parts) {
    total.wallMs += p.wallMs;
    total.machineBusyMs += p.machineBusyMs;
    total.webMainMs += p.webMainMs;
  }
  return total;
}

/** "web 31 · worker 12 · … ms per tip (machine 95% busy)". */
export function perItem(use: CpuUse, items: number, cores: number): string {
  const parts = Object.entries(use.byGroup)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${(v / Math.max(1, items)).toFixed(1)}`);
  return `${parts.join(" · ")} ms CPU per tip (machine ${((100 * use.machineBusyMs) / (use.wallMs * cores)).toFixed(0)}% busy)`;
}
