/**
 * `npm run bench`: start homthu's web and worker roles against real
 * PostgreSQL and Redis (found as the tests find them), in a database and
 * Redis prefix of its own; fill it with 100,000 generated cases; load it; and
 * print one markdown table in which every figure stands next to a baseline
 * measured in the same run (also written to bench/results/latest.md).
 * Everything is dropped again at the end, also after an error or Ctrl-C.
 *
 * Some scenarios only: `npm run bench -- routing` (or BENCH_SCENARIOS=routing;
 * any of intake, routing, inbox, stats, comma- or space-separated); the others'
 * rows are left out. Smaller runs while working on the bench: BENCH_CASES,
 * BENCH_LEVEL_SECONDS, BENCH_ROUTING_TIPS; BENCH_CPU_PROF=<folder> writes CPU
 * profiles of both roles. The roles run from the production build, which the
 * bench makes first (`npm run build`); BENCH_FROM=sources runs them through tsx.
 * ARGON2_*, MALLOC_* and UV_THREADPOOL_SIZE, when set, reach the app too (memory experiments).
 * `npm run bench -- national`
 * runs the national-scale scenario alone (bench/scenarios/national.ts,
 * BENCH_NATIONAL_SIZES=100000,1000000 by default) into bench/results/national.md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { loadConfig } from "../config/index.js";
import { bootstrap } from "../src/commands/bootstrapper.js";
import { createStaff } from "../src/commands/staffCreator.js";
import { serverKeys } from "../src/context.js";
import * as crypto from "../src/crypto/index.js";
import { openDatabase, type Database } from "../src/db/client.js";
import { bullPrefix } from "../src/queues/producer.js";
import { parsePeriod } from "../src/stats/periods.js";
import { seedCases } from "../scripts/seed.js";
import { appFrom, buildApp, startRole, waitForOk, workerReady, type Child } from "./children.js";
import { HttpClient, StaffSession } from "./client.js";
import { CpuMeter } from "./cpu.js";
import type { Place } from "./load.js";
import { interrupted, progress, sleep } from "./measure.js";
import { markdown, notes, rows, type BenchFigures } from "./report.js";
import { setUpBenchServices, type BenchServices } from "./services.js";
import { intake } from "./scenarios/intake.js";
import { failedComparison, inbox, statistics } from "./scenarios/queries.js";
import { national } from "./scenarios/national.js";
import { noopRoundTrip, routing } from "./scenarios/routing.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "latest.md");
const NATIONAL_RESULTS = path.join(path.dirname(RESULTS), "national.md");
/** A fixed key: the bench's receipts need not survive it, and production mode refuses only the published development key. */
const BENCH_SECRET = "be5c4a11".repeat(8);
const LIAISON_DISTRICT = "831";
const PASSWORD = "bench-password-7Qx!v2";
const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const CASES = number("BENCH_CASES", 100_000);
const LEVEL_MS = number("BENCH_LEVEL_SECONDS", 8) * 1000;
const ROUTING_TIPS = number("BENCH_ROUTING_TIPS", 2000);
const LEVELS = [1, 4, 16];
const SCENARIOS = ["intake", "routing", "inbox", "stats"] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The scenarios asked for on the command line or in BENCH_SCENARIOS; all of them when none is named. */
export function chosenScenarios(args: string[], env = process.env.BENCH_SCENARIOS): Set<Scenario> {
  const named = [...args, ...(env ?? "").split(/[\s,]+/)].map((a) => a.trim()).filter(Boolean);
  const unknown = named.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown bench scenario ${unknown.join(", ")}: choose among ${SCENARIOS.join(", ")}`);
  return new Set((named.length ? named : SCENARIOS) as Scenario[]);
}

function childEnv(s: BenchServices): Record<string, string> {
  const passThrough = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => (e[0].startsWith("ARGON2_") || e[0].startsWith("MALLOC_") || e[0] === "UV_THREADPOOL_SIZE") && !!e[1]));
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    REDIS_PREFIX: s.redisPrefix,
    SECRET_KEY: BENCH_SECRET,
    LOG_LEVEL: "warn",
    TRUST_PROXY: "loopback",
    AUTO_BOOTSTRAP: "false",
    TIP_RATE_LIMIT_PER_HOUR: "100000",
    TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: "1000000",
    ...passThrough,
  };
}

/** The first error the app logged, in one line (its 500 answers name no cause). */
function appLog(child: Child): string {
  const line = child.output().split("\n").find((l) => l.includes('"level":50'));
  if (!line) return "";
  try {
    const entry = JSON.parse(line) as { err?: { message?: string; stack?: string } };
    const frames = (entry.err?.stack ?? "").split("\n").filter((l) => !l.includes("node_modules"));
    const at = frames.map((l) => /\/((?:src|workers)\/[^\s)]+)/.exec(l)?.[1]).find(Boolean);
    return ` — the ${child.role} process logged: ${(entry.err?.message ?? "").replace(/\s+/g, " ").slice(0, 300)}${at ? ` (at ${at})` : ""}`;
  } catch {
    return "";
  }
}

/** CPU per second that a process group uses while nothing is asked of it (its timers, BullMQ's polling). */
async function idleCpu(meter: CpuMeter, group: "worker" | "web", ms: number): Promise<number> {
  const before = meter.snapshot();
  await sleep(ms);
  const use = CpuMeter.between(before, meter.snapshot());
  return (use.byGroup[group] * 1000) / use.wallMs;
}

async function places(database: Database, district?: string): Promise<Place[]> {
  const r = await database.pool.query<Place>(
    `SELECT d.code AS "districtCode", c.code AS "communeCode" FROM units c JOIN units d ON d.code = c.parent_code AND d.level = 'district'
      WHERE c.level = 'commune' AND ($1::text IS NULL OR d.code = $1::text)`,
    [district ?? null],
  );
  if (r.rows.length === 0) throw new Error(`no communes${district ? ` in district ${district}` : ""} in the units table`);
  return r.rows;
}

async function bench(cleanups: Array<() => Promise<void>>, children: Child[], scenarios: Set<Scenario>): Promise<string> {
  const startedAt = new Date();
  const loadNow = () => os.loadavg().map((l) => l.toFixed(2)).join(" / ");
  const loadAtStart = loadNow();
  if (appFrom() === "dist") {
    progress("building the app (npm run build); BENCH_FROM=sources skips it and runs the sources through tsx");
    await buildApp();
  }
  const s = await setUpBenchServices();
  cleanups.push(s.release);
  progress(`database ${s.databaseName}, Redis prefix ${s.redisPrefix}${s.embedded.length ? ` (embedded: ${s.embedded.join(", ")})` : ""}`);
  const env = childEnv(s);
  const config = loadConfig(env);

  const web = await startRole("web", env, undefined, appFrom());
  cleanups.push(web.stop);
  children.push(web);
  await waitForOk(`${web.url}/readyz`);
  const worker = await startRole("worker", env, undefined, appFrom());
  cleanups.push(worker.stop);
  children.push(worker);
  await workerReady(s.redisUrl, bullPrefix(s.redisPrefix), worker);
  progress(`web (pid ${web.pid}, ${web.url}) and worker (pid ${worker.pid}) are up`);

  await crypto.ready(config.argon2);
  const database = openDatabase(s.databaseUrl, 4);
  cleanups.push(() => database.close());
  await bootstrap(database.db, "admin@bench.invalid", PASSWORD);
  await database.db.transaction((tx) => createStaff(tx, { email: `liaison-${LIAISON_DISTRICT}@bench.invalid`, role: "liaison", districtCode: LIAISON_DISTRICT, password: PASSWORD }));

  const year = new Date(Date.now() + 7 * 3_600_000).getUTCFullYear() - 1;
  const seeded = await seedCases(database, { cases: CASES, year, deadlines: config.deadlines });
  progress(`seeded ${seeded.inserted.toLocaleString("en")} cases for ${year} in ${(seeded.ms / 1000).toFixed(1)} s`);
  // What autovacuum does within minutes of a bulk load (and the national scenario does too): the statistics'
  // index-only reads skip the table only on pages marked all-visible, as they are in a running database.
  // Then a checkpoint, so the seed's dirty pages are not written out during the intake levels that follow.
  await database.pool.query("VACUUM (ANALYZE) tips");
  await database.pool.query("CHECKPOINT");

  const client = new HttpClient(web.url!);
  cleanups.push(async () => client.close());
  const everywhere = await places(database);
  const salt = serverKeys(config.secretKey).receiptSalt;

  const meter = new CpuMeter({ web: web.pid, worker: worker.pid, databaseName: s.databaseName });
  const figures: Partial<BenchFigures> = {};
  if (scenarios.has("intake")) {
    figures.intake = await intake({ client, places: everywhere, webPid: web.pid, levels: LEVELS, durationMs: LEVEL_MS, bound: config.argon2.maxConcurrent, salt, meter });
    web.assertRunning();
  }

  if (scenarios.has("routing")) {
    const prefix = bullPrefix(s.redisPrefix);
    figures.noop = await noopRoundTrip(s.redisUrl, prefix);
    progress(`routing: no-op BullMQ round trip p50 ${figures.noop.p50} ms, p95 ${figures.noop.p95} ms`);
    const district = await places(database, LIAISON_DISTRICT);
    figures.workerIdle = await idleCpu(meter, "worker", 10_000);
    progress(`routing: the idle worker uses ${figures.workerIdle.toFixed(2)} ms CPU per second`);
    figures.routing = await routing({ client, places: district, count: ROUTING_TIPS, concurrency: 8, pool: database.pool, receiptSalt: salt, meter });
    progress(`routing: ${figures.routing.tips} tips, p99 ${figures.routing.latency.p99} ms; quiet run next`);
    figures.routingQuiet = await routing({ client, places: district, count: Math.max(20, Math.round(ROUTING_TIPS / 10)), concurrency: 1, pool: database.pool, receiptSalt: salt, meter });
    worker.assertRunning();
  }

  let appError = "";
  if (scenarios.has("inbox")) {
    const liaison = new StaffSession(client);
    await liaison.signIn(`liaison-${LIAISON_DISTRICT}@bench.invalid`, PASSWORD);
    const inboxResult = await inbox({ session: liaison, pool: database.pool, districtCode: LIAISON_DISTRICT, runs: 200 }).catch((err: unknown) => failedComparison(err, 200));
    progress(`inbox: API p95 ${inboxResult.api.p95.toFixed(1)} ms, SQL p95 ${inboxResult.sql.p95.toFixed(1)} ms`);
    figures.inbox = { ...inboxResult, districtCode: LIAISON_DISTRICT, cases: 0 };
    if (inboxResult.error) appError ||= appLog(web);
  }
  if (scenarios.has("stats")) {
    const admin = new StaffSession(client);
    await admin.signIn("admin@bench.invalid", PASSWORD);
    const period = parsePeriod(String(year))!;
    const statsResult = await statistics({ session: admin, pool: database.pool, year, from: period.from, to: period.to, runs: 20 }).catch((err: unknown) => failedComparison(err, 20));
    progress(`statistics: API p95 ${statsResult.api.p95.toFixed(1)} ms, count(*) p95 ${statsResult.sql.p95.toFixed(1)} ms`);
    figures.stats = { ...statsResult, year };
    if (statsResult.error) appError ||= appLog(web);
  }

  const [totalCases, versions] = await Promise.all([
    database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips"),
    database.pool.query<{ server_version: string }>("SHOW server_version").then((r) => r.rows[0]?.server_version ?? "?"),
  ]);
  const redis = new Redis(s.redisUrl);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "?";
  redis.disconnect();

  const a = config.argon2;
  const minutes = (Date.now() - startedAt.getTime()) / 60_000;
  const header = [
    `Date: ${startedAt.toISOString()} · run time ${minutes.toFixed(1)} min · load average ${loadAtStart} at the start, ${loadNow()} at the end (other processes on this machine skew every figure; see "other processes" below)`,
    `Node ${process.version} · ${os.platform()} ${os.arch()} · ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? "?"}) · ${(os.totalmem() / 2 ** 30).toFixed(0)} GB`,
    `argon2id: ${a.memoryKiB} KiB, ${a.passes} passes, parallelism ${a.parallelism}, at most ${a.maxConcurrent} at once (ARGON2_MAX_CONCURRENT)`,
    `PostgreSQL ${versions} · Redis ${redisVersion} · one web and one worker process (NODE_ENV=production, ${appFrom() === "dist" ? "the production build in dist/" : "the sources through tsx"}), load generator in the bench process, all on this machine`,
    `Data: ${seeded.inserted.toLocaleString("en")} generated cases for ${year} (scripts/seed.ts) + the bench's own tips = ${totalCases.rows[0]!.n.toLocaleString("en")} cases`,
  ];
  if (figures.inbox) figures.inbox.cases = totalCases.rows[0]!.n;
  const all: BenchFigures = { ...figures, from: appFrom(), cores: os.availableParallelism(), levelSeconds: LEVEL_MS / 1000, argon2: a };
  return markdown(header, rows(all), notes(all, appError));
}

/** `npm run bench -- national`: 100,000 then 1,000,000 cases over 34 provinces' units (bench/scenarios/national.ts). */
async function nationalBench(cleanups: Array<() => Promise<void>>, children: Child[]): Promise<string> {
  if (appFrom() === "dist") {
    progress("building the app (npm run build); BENCH_FROM=sources skips it and runs the sources through tsx");
    await buildApp();
  }
  const services = await setUpBenchServices();
  cleanups.push(services.release);
  progress(`database ${services.databaseName}, Redis prefix ${services.redisPrefix}`);
  const sizes = (process.env.BENCH_NATIONAL_SIZES ?? "100000,1000000").split(",").map(Number);
  return national({ services, env: childEnv(services), cleanups, children, sizes, password: PASSWORD });
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  let cleaning: Promise<void> | undefined;
  // Last in, first out: HTTP client and pool, then worker, web, then database and Redis keys.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => process.stderr.write(`bench: clean-up step failed: ${String(err)}\n`));
    })());
  process.once("SIGINT", () => {
    progress("interrupted; cleaning up");
    interrupted.abort();
    void cleanUp().then(() => process.exit(130));
  });
  const children: Child[] = [];
  try {
    const args = process.argv.slice(2);
    const isNational = args.includes("national");
    const scenarios = isNational ? new Set<Scenario>() : chosenScenarios(args);
    progress(`scenarios: ${isNational ? "national" : [...scenarios].join(", ")}`);
    const report = await (isNational ? nationalBench(cleanups, children) : bench(cleanups, children, scenarios)).catch((err: unknown) => {
      // What the app logged is usually the explanation (a 500 names no cause in its answer).
      for (const c of children) if (c.output().trim()) process.stderr.write(`--- ${c.role} process output (last lines) ---\n${c.output().split("\n").slice(-30).join("\n")}\n`);
      throw err;
    });
    const results = isNational ? NATIONAL_RESULTS : RESULTS;
    fs.mkdirSync(path.dirname(results), { recursive: true });
    fs.writeFileSync(results, report);
    process.stdout.write(`\n${report}`);
    progress(`written to ${path.relative(process.cwd(), results)}`);
  } finally {
    progress("stopping the app, dropping the bench database and Redis keys");
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
