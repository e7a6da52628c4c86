/**
 * homthu's web process started as a separate Node process (`src/main.ts web`)
 * against the test services — for tests that need a process of their own,
 * such as timing measurements that must not share module state (the dummy
 * password hash, argon2 settings) with the apps other tests start in-process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_SECRET } from "./app.js";
import { services } from "./services.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ChildApp {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

export async function startChildApp(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildApp> {
  const s = services();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "web"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: s.databaseUrl,
      REDIS_URL: s.redisUrl,
      REDIS_PREFIX: s.redisPrefix,
      SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: "warn",
      TRUST_PROXY: "loopback",
      AUTO_BOOTSTRAP: "false",
      ...env,
    },
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child app did not start in ${timeoutMs} ms:\n${output.join("")}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString("utf8"));
      const m = /homthu is listening on (http:\/\/\S+)/.exec(output.join(""));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => output.push(c.toString("utf8")));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the child app exited with ${code}:\n${output.join("")}`));
    });
  });
  return {
    url,
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
