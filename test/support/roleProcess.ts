/**
 * One homthu role (`node --import tsx src/main.ts web|worker`) as a real child
 * process against the test services, for the scale-out test: several of them
 * run at once, each is stopped with SIGTERM, and the test checks how it ended
 * (exit code, signal, how long the graceful shutdown took). Everything a
 * child prints is kept for the failure report and handed to the run-wide log
 * list, so the final leak check searches the children's logs too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_SECRET, TEST_SWEEP_CRON } from "./app.js";
import { allLogs } from "./canaries.js";
import { services } from "./services.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RoleProcess {
  name: string;
  role: "web" | "worker";
  pid: number;
  /** The web process's address (from its "listening on" line); "" for a worker. */
  url: string;
  /** stdout and stderr, interleaved as received. */
  output: string[];
  exited: Promise<Ending>;
  /** SIGTERM, then wait at most `ms` for the exit; resolves with how it ended (or null on timeout) and how long it took. */
  terminate(ms: number): Promise<{ ending: Ending | null; ms: number }>;
  /** SIGKILL if still running (clean-up after a failed test). */
  kill(): Promise<void>;
}

/** The environment every scale-out child gets; `env` overrides or adds. */
export function roleEnv(env: Record<string, string> = {}): Record<string, string> {
  const s = services();
  return {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "test",
    PORT: "0", // the kernel picks a free port; the child prints it
    HOST: "127.0.0.1",
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    REDIS_PREFIX: s.redisPrefix,
    SECRET_KEY: TEST_SECRET,
    ARGON2_MEMORY_KIB: "1024",
    ARGON2_PASSES: "1",
    AUTO_BOOTSTRAP: "false",
    LOG_LEVEL: "warn",
    SWEEP_CRON: TEST_SWEEP_CRON,
    ...env,
  };
}

/**
 * Spawn a role. A web process resolves once it prints its address; a worker
 * resolves when its output matches `ready` (e.g. /"msg":"homthu started"/ at
 * LOG_LEVEL=info), or at once without it (at LOG_LEVEL=warn it prints nothing
 * when ready: wait for it through BullMQ's worker list instead). Rejects if the
 * child exits first.
 */
export async function spawnRole(
  name: string,
  role: "web" | "worker",
  env: Record<string, string>,
  timeoutMs = 60_000,
  ready?: RegExp,
  /** How to run main: the sources through tsx, or a compiled main.js (the build test). */
  entry: string[] = ["--import", "tsx", "src/main.ts"],
): Promise<RoleProcess> {
  const child: ChildProcess = spawn(process.execPath, [...entry, role], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: roleEnv(env) });
  const output: string[] = [];
  const keep = (c: Buffer) => {
    const text = c.toString("utf8");
    output.push(text);
    allLogs.push(...text.split("\n").filter(Boolean));
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<Ending>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const pattern = role === "web" ? /homthu is listening on (http:\/\/\S+)/ : ready;
  let url = "";
  if (pattern) {
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      // A child that is still starting when we give up is killed first: left alone it would go on to start and
      // act on the test database (e.g. record its own argon2 parameters) after the test has cleaned up.
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }, timeoutMs);
      const look = () => {
        const m = pattern.exec(output.join(""));
        if (m) {
          clearTimeout(timer);
          child.stdout!.off("data", look);
          resolve(m);
        }
      };
      child.stdout!.on("data", look);
      void exited.then((e) => {
        clearTimeout(timer);
        const why = gaveUp ? `did not start in ${timeoutMs} ms (killed)` : `exited (${e.code ?? e.signal}) before it was ready`;
        reject(new Error(`${name} ${why}:\n${output.join("")}`));
      });
    });
    if (role === "web") url = match[1]!;
  }
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    role,
    pid: child.pid!,
    url,
    output,
    exited,
    async terminate(ms) {
      const t0 = Date.now();
      if (running()) child.kill("SIGTERM");
      const ending = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), ms).unref())]);
      return { ending, ms: Date.now() - t0 };
    },
    async kill() {
      if (running()) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Every child's output under its name, for a failure message. */
export function report(children: RoleProcess[]): string {
  return children.map((c) => `--- ${c.name} (${c.role}, pid ${c.pid}) ---\n${c.output.join("") || "(no output)"}`).join("\n");
}
