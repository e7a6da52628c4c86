/**
 * DATABASE_READ_URL: a PostgreSQL streaming replica for the heavy read-only
 * queries (statistics, reports, exports, public figures), so they stay off
 * the primary that intake and the workflow write to.
 *
 * Unset: `reportingDb` is the primary's handle. Set but unreachable (refused,
 * timed out, shutting down, in recovery without hot_standby): the query is
 * answered by the primary instead, and the replica is left alone for
 * RETRY_MS before it is tried again, so an outage costs one slow query per
 * period, not one per request. Everything that writes keeps using
 * `database.db`; a replica may lag the primary by a moment, which reports
 * (counts over days and months) can bear.
 */
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import * as schema from "./schema.js";
import { listenForErrors, type Database, type Db } from "./client.js";

const RETRY_MS = 30_000;
const CONNECT_TIMEOUT_MS = 2_000;

/** Errors that say "this server cannot answer now", as opposed to a bad query. */
export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && (/^(08|57P0)/.test(e.code) || ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"].includes(e.code))) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|the database system is (starting up|shutting down|in recovery)/i.test(e.message ?? "");
}

type Warn = (details: Record<string, unknown>, message: string) => void;

/**
 * A pg.Pool look-alike for drizzle: queries go to the replica while it
 * answers, to the primary otherwise. (Its name contains "Pool" on purpose:
 * drizzle then treats it as a pool for transactions, which reads never open.)
 */
export class ReplicaFallbackPool {
  private downUntil = 0;
  /** Which server answered the last query, for tests and logs. */
  lastServedBy: "replica" | "primary" = "replica";

  constructor(
    readonly replica: pg.Pool,
    private readonly primary: pg.Pool,
    private readonly warn: Warn,
  ) {}

  private replicaUp(): boolean {
    return Date.now() >= this.downUntil;
  }

  async query(...args: unknown[]): Promise<unknown> {
    const call = (pool: pg.Pool) => (pool.query as (...a: unknown[]) => Promise<unknown>).apply(pool, args);
    if (this.replicaUp()) {
      try {
        const result = await call(this.replica);
        this.lastServedBy = "replica";
        return result;
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        this.downUntil = Date.now() + RETRY_MS;
        this.warn({ err, retryInSeconds: RETRY_MS / 1000 }, "read replica unreachable; reports are read from the primary");
      }
    }
    const result = await call(this.primary);
    this.lastServedBy = "primary";
    return result;
  }

  connect(): Promise<pg.PoolClient> {
    return (this.replicaUp() ? this.replica : this.primary).connect();
  }
}

/** The database with `reportingDb` on the replica at `readUrl` (when given). */
export function withReadReplica(database: Database, readUrl: string | undefined, max: number, warn: Warn): Database {
  if (!readUrl) return database;
  const replica = new pg.Pool({ connectionString: readUrl, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: "homthu-reports" });
  listenForErrors(replica);
  const pool = new ReplicaFallbackPool(replica, database.pool, warn);
  const readDb = drizzle(pool as unknown as pg.Pool, { schema });
  return {
    ...database,
    readDb,
    replica: pool,
    close: async () => {
      await replica.end().catch(() => undefined);
      await database.close();
    },
  };
}

/** The handle for statistics, reports and exports: the replica's when configured, else the primary's. */
export function reportingDb(database: Database): Db {
  return database.readDb ?? database.db;
}
