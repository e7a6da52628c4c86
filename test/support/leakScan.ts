/**
 * Everything stored anywhere, as text to search for canaries: a pg_dump of the
 * test database (or, where no compatible pg_dump exists, every row of every
 * table), every Redis key and value under the test prefix, and the captured
 * logs. bytea columns are decoded too, so a marker stored raw in a binary
 * column is found as well as one stored as text.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { Redis } from "ioredis";

const run = promisify(execFile);

async function sqlDump(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ t: string }>(`SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle') AND table_type = 'BASE TABLE'`);
    const parts: string[] = [];
    for (const { t } of tables.rows) {
      const rows = await client.query(`SELECT * FROM ${t}`);
      for (const r of rows.rows) parts.push(JSON.stringify(r, (_k, v: unknown) => (v && typeof v === "object" && (v as { type?: string }).type === "Buffer" ? Buffer.from((v as { data: number[] }).data).toString("hex") : v)));
    }
    return parts.join("\n");
  } finally {
    await client.end();
  }
}

/** The database as pg_dump writes it (plain SQL), or the all-rows fallback. */
export async function dumpDatabase(url: string): Promise<{ text: string; tool: string }> {
  try {
    const { stdout } = await run("pg_dump", ["--no-owner", "--data-only", url], { maxBuffer: 512 * 1024 * 1024 });
    return { text: stdout, tool: "pg_dump" };
  } catch {
    return { text: await sqlDump(url), tool: "sql" };
  }
}

/** bytea values appear as \x… hex in a dump: decode each run so binary markers are visible. */
export function decodeHexRuns(text: string): Buffer {
  const chunks = [...text.matchAll(/\\\\?x([0-9a-f]{16,})|\b([0-9a-f]{64,})\b/g)].map((m) => Buffer.from(m[1] ?? m[2] ?? "", "hex"));
  return Buffer.concat(chunks);
}

/** Every key and value under `prefix`, whatever the Redis type. */
export async function dumpRedis(url: string, prefix: string): Promise<string> {
  const redis = new Redis(url);
  const out: string[] = [];
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        out.push(key);
        const type = await redis.type(key);
        if (type === "string") out.push((await redis.getBuffer(key))?.toString("latin1") ?? "");
        else if (type === "hash") out.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === "list") out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === "set") out.push(JSON.stringify(await redis.smembers(key)));
        else if (type === "zset") out.push(JSON.stringify(await redis.call("ZRANGE", key, "0", "-1", "WITHSCORES")));
        else if (type === "stream") out.push(JSON.stringify(await redis.xrange(key, "-", "+")));
      }
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return out.join("\n");
}

/** Where `needle` was found, if anywhere: a list of place names (empty = nowhere). */
export function findEverywhere(needle: string | Buffer, places: Record<string, string | Buffer>): string[] {
  const n = typeof needle === "string" ? Buffer.from(needle, "utf8") : needle;
  return Object.entries(places)
    .filter(([, haystack]) => (typeof haystack === "string" ? Buffer.from(haystack, "utf8") : haystack).includes(n))
    .map(([name]) => name);
}
