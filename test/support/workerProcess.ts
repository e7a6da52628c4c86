/**
 * homthu's worker role as a separate Node process (`src/main.ts worker`)
 * against the test services — for tests that kill a worker with SIGKILL in the
 * middle of its work, which an in-process worker cannot model.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_SECRET } from "./app.js";
import { services } from "./services.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface WorkerProcess {
  pid: number;
  output: string[];
  /** SIGKILL: no graceful shutdown, in-flight jobs and transactions are cut off. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown. */
  stop(): Promise<void>;
}

/** Start a worker child and resolve once it says it has started (its start-up sweep done). */
export async function startWorkerProcess(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<WorkerProcess> {
  const s = services();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "worker"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      DATABASE_URL: s.databaseUrl,
      REDIS_URL: s.redisUrl,
      REDIS_PREFIX: s.redisPrefix,
      SECRET_KEY: TEST_SECRET,
      ARGON2_MEMORY_KIB: "1024",
      ARGON2_PASSES: "1",
      AUTO_BOOTSTRAP: "false",
      // info, not warn: "homthu started" is how we know the worker is ready.
      LOG_LEVEL: "info",
      ...env,
    },
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start in ${timeoutMs} ms:\n${output.join("")}`)), timeoutMs);
    child.stdout!.on("data", (c: Buffer) => {
      output.push(c.toString("utf8"));
      if (output.join("").includes('"msg":"homthu started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on("data", (c: Buffer) => output.push(c.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code ?? signal}) before starting:\n${output.join("")}`));
    });
  });
  const send = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { pid: child.pid!, output, kill: () => send("SIGKILL"), stop: () => send("SIGTERM") };
}
