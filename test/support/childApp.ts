/**
 * homthu's web process started as a separate Node process (`src/main.ts web`)
 * against the test services — for tests that need a process of their own,
 * such as timing measurements that must not share module state (the dummy
 * password hash, argon2 settings) with the apps other tests start in-process.
 */
import { spawnRole } from "./roleProcess.js";

export interface ChildApp {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

export async function startChildApp(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildApp> {
  const p = await spawnRole("child app", "web", { TRUST_PROXY: "loopback", ...env }, timeoutMs);
  return { url: p.url, output: p.output, stop: async () => void (await p.terminate(30_000)) };
}
