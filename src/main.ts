/**
 * Entry point: `tsx src/main.ts [all|web|worker]` (npm start / web / worker).
 * Exits 1 with one readable message when configuration or a service is
 * missing; on SIGTERM/SIGINT shuts down in order and exits 0.
 */
import { ConfigError, loadConfig } from "../config/index.js";
import { createLogger } from "./logging/logger.js";
import { start, type Role } from "./runtime.js";
import { MissingRedisError } from "./devServices/embeddedRedis.js";

const FORCE_QUIT_MS = 20_000;

async function main(): Promise<void> {
  const role = (process.argv[2] ?? "all") as Role;
  if (!["all", "web", "worker"].includes(role)) throw new ConfigError(`Unknown role "${role}": use all, web or worker.`);
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const running = await start(role, config, logger);
  if (running.url) process.stdout.write(`homthu is listening on ${running.url}\n`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long; forcing exit");
      process.exit(1);
    }, FORCE_QUIT_MS).unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => (logger.error({ err }, "error during shutdown"), process.exit(1)),
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MissingRedisError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`homthu could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
