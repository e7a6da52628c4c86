/**
 * The PostgreSQL pool and the Drizzle handle over it. One pool per process.
 */
import pg from "pg";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import * as schema from "./schema.js";

export type Db = NodePgDatabase<typeof schema>;
/** A transaction handle; commands accept it so that callers can compose them in one transaction. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface Database {
  pool: pg.Pool;
  db: Db;
  /** Statistics, reports and exports read here when DATABASE_READ_URL is set (src/db/readReplica.ts); use reportingDb(). */
  readDb?: Db;
  /** The replica's pool with its fallback to `pool`, when DATABASE_READ_URL is set. */
  replica?: import("./readReplica.js").ReplicaFallbackPool;
  close(): Promise<void>;
}

/** Open a pool on `url`. Connections are made lazily. */
export function openDatabase(url: string, max = 10, onError?: (err: Error) => void): Database {
  // connectionTimeoutMillis: while PostgreSQL is unreachable a request waits at most this long for a connection, then gets 503.
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, application_name: "homthu" });
  listenForErrors(pool, onError);
  return { pool, db: drizzle(pool, { schema }), close: () => pool.end() };
}

/**
 * A lost connection (PostgreSQL restarted, `Connection terminated
 * unexpectedly`, `read ECONNRESET`) is emitted as an 'error' event: on the
 * pool for an idle client, on the client itself while it is checked out.
 * Node kills the process on an 'error' event without a listener, so every
 * client gets one the moment it connects. The query that was running fails
 * (its request answers 503, its job is retried); pg drops the broken client
 * on release and the next checkout connects afresh.
 */
export function listenForErrors(pool: pg.Pool, onError: (err: Error) => void = () => undefined): void {
  pool.on("error", onError);
  pool.on("connect", (client) => void client.on("error", onError));
}
