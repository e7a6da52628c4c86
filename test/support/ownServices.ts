/**
 * A PostgreSQL or Redis of the test's own, on a free port in a temporary
 * folder, for tests that stop, restart or fill a store: the shared servers
 * (5432, 6379) are never touched.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { startEmbeddedPostgres, startEmbeddedRedis, type EmbeddedService } from "../../src/devServices/index.js";
import { freePort } from "./ports.js";

const silent = pino({ level: "silent" });

export interface OwnService {
  url: string;
  port: number;
  dir: string;
  /** Stop the server (fast shutdown: open connections are terminated). */
  stop(): Promise<void>;
  /** Start it again on the same data and port. */
  start(): Promise<void>;
  /** Stop for good and remove its folder. */
  dispose(): Promise<void>;
}

async function own(kind: "postgres" | "redis"): Promise<OwnService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `homthu-own-${kind}-`));
  fs.chmodSync(dir, 0o755); // the postgres system user (when run as root) must reach the data folder
  const port = await freePort();
  const launch = () =>
    kind === "postgres"
      ? startEmbeddedPostgres({ dataDir: path.join(dir, "postgres"), port, logger: silent })
      : startEmbeddedRedis({ dataDir: path.join(dir, "redis"), port, logger: silent });
  let current: EmbeddedService | undefined = await launch();
  const url = current.url;
  return {
    url,
    port,
    dir,
    stop: async () => {
      await current?.stop();
      current = undefined;
    },
    start: async () => {
      current ??= await launch();
    },
    dispose: async () => {
      await current?.stop();
      current = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const ownPostgres = () => own("postgres");
export const ownRedis = () => own("redis");
