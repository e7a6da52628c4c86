/**
 * The app under test: its web and worker roles as two Node processes, as they
 * run in production — the production build, started with package.json's
 * `web` and `worker` commands (`node <options> dist/src/launch.cjs
 * web|worker`, built by buildApp() first; the bench's default, BENCH_FROM=sources
 * for the other way) or the sources through tsx (`node --import tsx
 * src/main.ts`, no build, more memory) — plus reading a process's memory from /proc.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUES } from "../src/queues/names.js";
import { sleep } from "./measure.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STOP_TIMEOUT_MS = 30_000;

/**
 * How production starts a role, from package.json (`npm run web`, `npm run worker`): the node options and the
 * entry file, e.g. ["--max-semi-space-size=8", "dist/src/launch.cjs"], so the bench runs the build exactly so.
 */
export function productionCommand(role: "web" | "worker"): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const words = pkg.scripts[role]!.trim().split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== role) throw new Error(`package.json's "${role}" script is not "node … ${role}": ${pkg.scripts[role]}`);
  return words.slice(1, -1);
}

/** What the roles run: "dist" (the production build, the default) or "sources" (tsx). */
export const appFrom = (): "dist" | "sources" => (process.env.BENCH_FROM === "sources" ? "sources" : "dist");

/** `npm run build` (tsc and the assets into dist/), unless the roles run from the sources. */
export async function buildApp(): Promise<void> {
  if (appFrom() === "dist") await promisify(execFile)("npm", ["run", "build"], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 });
}

export interface Child {
  role: "web" | "worker";
  pid: number;
  /** The web role's address. */
  url?: string;
  /** Everything it printed, for error messages. */
  output(): string;
  /** Throws when the process has exited (a crash mid-bench). */
  assertRunning(): void;
  /** SIGTERM, then wait for the exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** How it ended, once it has (the chaos run tells a crash from its own kill). */
  ended: Promise<Ending>;
  /** Send a signal (SIGKILL, SIGTERM) without waiting. */
  signal(name: NodeJS.Signals): void;
}

export interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Start one role; resolves when the web role prints its address, or as soon as the worker runs.
 * `from`: the production build in dist/ (build it first: buildApp) or the sources through tsx.
 */
export async function startRole(role: "web" | "worker", env: Record<string, string>, timeoutMs = 60_000, from: "dist" | "sources" = "sources"): Promise<Child> {
  // BENCH_CPU_PROF=<folder>: each role writes V8 CPU profiles to <folder>/<role> when it exits (open them in Chrome DevTools).
  // One folder per role: from the sources, the tsx loader thread writes a profile of its own next to the main thread's.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(process.env.BENCH_CPU_PROF, role)] : [];
  // BENCH_PERF=1: V8 writes /tmp/perf-<pid>.map, so that Linux `perf record -t <pid>` names the JavaScript it samples
  // (perf counts CPU time, where --cpu-prof samples wall time: a thread waiting for a core shows up there as busy).
  // V8 then also keeps an event log; it goes to the temporary folder rather than an isolate-*.log in the repository.
  if (process.env.BENCH_PERF) profile.push("--perf-basic-prof", `--logfile=${path.join(os.tmpdir(), `homthu-bench-${role}-v8.log`)}`, "--no-logfile-per-isolate");
  const entry = from === "dist" ? productionCommand(role) : ["--import", "tsx", "src/main.ts"];
  const child: ChildProcess = spawn(process.execPath, [...profile, ...entry, role], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env });
  const chunks: string[] = [];
  const output = () => chunks.join("").slice(-8000);
  const ended = new Promise<Ending>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const exited = ended.then(() => undefined);
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${role} process did not start in ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    child.stdout!.on("data", (c: Buffer) => {
      chunks.push(c.toString("utf8"));
      const m = /homthu is listening on (http:\/\/\S+)/.exec(chunks.join(""));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr!.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ${role} process exited (${code ?? signal}) while starting:\n${output()}`));
    });
    // The worker prints nothing at LOG_LEVEL=warn; the caller waits for its BullMQ workers to register.
    if (role === "worker") child.once("spawn", () => (clearTimeout(timer), resolve(undefined)));
  });
  return {
    role,
    pid: child.pid!,
    url,
    output,
    assertRunning: () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the ${role} process exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(killer);
    },
    ended,
    signal: (name) => void child.kill(name),
  };
}

export interface Memory {
  /** Resident set size now. */
  rssKiB: number;
  /** Peak resident set size since the process started (VmHWM). */
  peakKiB: number;
}

/** VmRSS and VmHWM of a process (Linux /proc). */
export function memoryOf(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field("VmRSS"), peakKiB: field("VmHWM") };
}

/** Sample a process's RSS every `everyMs` until stopped; gives the largest sample. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let max = memoryOf(pid).rssKiB;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, memoryOf(pid).rssKiB);
    } catch {
      // the process is gone; the caller finds out on its own
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, memoryOf(pid).rssKiB);
    },
  };
}

/** Poll `url` until it answers 200 (the web role's /readyz). */
export async function waitForOk(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > until) throw new Error(`${url} did not answer 200 in ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Resolve once the worker role's BullMQ workers are registered in Redis. */
export async function workerReady(redisUrl: string, prefix: string, worker: Child): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.routeTip, { connection, prefix });
  try {
    for (let until = Date.now() + 60_000; (await queue.getWorkersCount()) === 0; await sleep(200)) {
      worker.assertRunning();
      if (Date.now() > until) throw new Error(`the worker did not register in 60 s:\n${worker.output()}`);
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
