/**
 * homthu's worker role as a separate Node process (`src/main.ts worker`)
 * against the test services — for tests that kill a worker with SIGKILL in the
 * middle of its work, which an in-process worker cannot model.
 */
import { spawnRole } from "./roleProcess.js";

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
  // info, not warn: "homthu started" is how we know the worker is ready.
  const p = await spawnRole("worker", "worker", { LOG_LEVEL: "info", ...env }, timeoutMs, /"msg":"homthu started"/);
  return { pid: p.pid, output: p.output, kill: p.kill, stop: async () => void (await p.terminate(30_000)) };
}
