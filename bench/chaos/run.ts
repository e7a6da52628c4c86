/**
 * `npm run chaos`: homthu's web and worker processes against a PostgreSQL and
 * a Redis of the run's own (embedded, free ports, temporary folder), a bounded
 * load of tips from distinct client addresses, and one fault at a time:
 * worker SIGKILL, web SIGKILL, Redis SIGKILL (AOF), PostgreSQL stopped
 * (immediate) for 15 s and for 3 minutes, Redis out of memory, and SIGTERM of
 * the web under keep-alive load. After each, once the app has recovered and
 * the sweeps have routed what was stored, it reads back every tip (decrypted
 * as the administrator) and prints one row: tips sent, 201s, stored, 201s
 * assigned exactly once, lost, duplicates, 5xx (of which 500), crashes, the
 * SIGTERM exit code and the time to recover. Written to bench/results/chaos.md.
 *
 *   npm run chaos                 the full run (about 7 minutes)
 *   npm run chaos -- --quick      shorter outages (the 3-minute one lasts 30 s)
 *   npm run chaos -- --only web-kill,redis-oom
 *
 * CHAOS_LANES (default 4) tipsters send one tip after another, CHAOS_RATE (default
 * 5) tips a second at most between them: well under the tip line's global limit
 * (600 a minute), so no answer is a 429. ARGON2_* variables reach the app.
 * CHAOS_DEBUG=1 prints both roles' last output after each fault, and every
 * double tap whose two answers were not both 201.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../config/index.js";
import { bootstrap } from "../../src/commands/bootstrapper.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import * as crypto from "../../src/crypto/index.js";
import { openDatabase, type Database } from "../../src/db/client.js";
import { unlockStaffKey } from "../../src/tips/tipReader.js";
import { HttpClient, StaffSession } from "../client.js";
import type { Place } from "../load.js";
import { interrupted, progress, sleep } from "../measure.js";
import { faults, type Fault } from "./faults.js";
import { Ledger, type Verdict } from "./ledger.js";
import { Load } from "./load.js";
import { Probe } from "./probe.js";
import { startStack, type Stack } from "./stack.js";
import { goalMet, markdown, type Row } from "./report.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "results", "chaos.md");
const PASSWORD = "chaos-password-4Rt!q8";
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const ONLY = (() => {
  const i = args.indexOf("--only");
  return i >= 0 ? new Set((args[i + 1] ?? "").split(",").filter(Boolean)) : null;
})();
const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const LANES = number("CHAOS_LANES", 4);
const RATE = number("CHAOS_RATE", 5);
/** Tips flow this long before each fault, and this long after it has recovered. */
const WARM_MS = 5_000;
const TAIL_MS = 3_000;
/** Give up waiting for a recovery (or for the sweeps to route everything) after this long. */
const RECOVERY_LIMIT_MS = 180_000;
/** The sweep every second, so that routing after a recovery is measured in seconds, not minutes. */
const SWEEP_CRON = "* * * * * *";
const OUTAGES = QUICK
  ? { longOutageMs: 30_000, shortOutageMs: 15_000, oomMs: 10_000, redisDownMs: 2_000 }
  : { longOutageMs: 180_000, shortOutageMs: 15_000, oomMs: 20_000, redisDownMs: 3_000 };

async function districtsWithLiaisons(database: Database, n: number): Promise<Place[]> {
  const districts = await database.pool.query<{ code: string }>(`SELECT code FROM units WHERE level = 'district' ORDER BY code LIMIT $1`, [n]);
  for (const { code } of districts.rows) {
    await database.db.transaction((tx) => createStaff(tx, { email: `liaison-${code}@chaos.invalid`, role: "liaison", districtCode: code, password: PASSWORD }));
  }
  const r = await database.pool.query<Place>(
    `SELECT d.code AS "districtCode", c.code AS "communeCode" FROM units c JOIN units d ON d.code = c.parent_code AND d.level = 'district'
      WHERE c.level = 'commune' AND d.code = ANY($1::text[])`,
    [districts.rows.map((d) => d.code)],
  );
  return r.rows;
}

/** Poll until `done()` or the limit; the time it became true, or undefined. */
async function until(done: () => Promise<boolean>, limitMs = RECOVERY_LIMIT_MS, everyMs = 250): Promise<number | undefined> {
  for (const end = Date.now() + limitMs; Date.now() < end && !interrupted.signal.aborted; await sleep(everyMs)) {
    if (await done().catch(() => false)) return Date.now();
  }
  return undefined;
}

interface Observers {
  database: Database;
  ledger: Ledger;
  client: HttpClient;
  liaison: StaffSession;
}

async function runFault(stack: Stack, { database, ledger, client, liaison }: Observers, places: Place[], fault: Fault): Promise<Row> {
  const crashesBefore = stack.web.crashes.length + stack.worker.crashes.length;
  progress(`${fault.name}: load on (${LANES} lanes)`);
  const load = new Load(stack.url, places, fault.label, LANES, (LANES * 1000) / RATE);
  const probe = new Probe(client, liaison);
  await sleep(WARM_MS);
  progress(`${fault.name}: ${fault.how}`);
  const injected = await fault.inject(stack);
  const back = Date.now();
  progress(`${fault.name}: injected; waiting for the recovery`);
  // The backlog: every tip stored before the fault ended must be routed.
  let backlog: string[] | undefined;
  await until(async () => {
    backlog = (await database.pool.query<{ id: string }>("SELECT id FROM tips WHERE status = 'received'")).rows.map((r) => r.id);
    return true;
  });
  const routedAt = await until(async () => {
    const r = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips WHERE id = ANY($1::uuid[]) AND status = 'received'", [backlog ?? []]);
    return r.rows[0]!.n === 0;
  });
  // A 201 from the restarted process or the returned store (one still drained from the old process does not count).
  const acceptedAt = await until(async () => load.firstAcceptedAfter(back) !== undefined).then(() => load.firstAcceptedAfter(back));
  await sleep(TAIL_MS);
  const [tally, probed] = await Promise.all([load.stop(), probe.stop()]);
  progress(`${fault.name}: load off; waiting for the sweeps to route the rest`);
  await until(async () => (await ledger.waiting()) === 0);
  const verdict = await ledger.verdict(fault.label, tally.tips);
  if (process.env.CHAOS_DEBUG) for (const role of [stack.web, stack.worker]) process.stderr.write(`--- ${role.role} output ---\n${role.child?.output() ?? ""}\n`);
  const crashes = [...stack.web.crashes, ...stack.worker.crashes].slice(crashesBefore);
  const recovered = routedAt !== undefined && acceptedAt !== undefined ? Math.max(routedAt, acceptedAt) - injected.from : undefined;
  const gap = (t?: number) => (t === undefined ? "—" : `${((t - injected.from) / 1000).toFixed(1)} s`);
  const count = (pred: (status: number) => boolean) => Object.entries(tally.statuses).reduce((n, [s, c]) => n + (pred(Number(s)) ? c : 0), 0);
  const row: Row = {
    fault,
    verdict,
    fiveXX: count((s) => s >= 500),
    five00: count((s) => s === 500) + (probed.staff["500"] ?? 0) + (probed.readyz["500"] ?? 0),
    probed,
    statuses: tally.statuses,
    networkErrors: tally.networkErrors,
    doubleTaps: { sent: tally.doubleTaps, twoReceipts: tally.doubleTapsWithTwoReceipts },
    crashes,
    sigterm: injected.sigterm,
    recoveredMs: recovered,
    acceptedAfterMs: acceptedAt === undefined ? undefined : acceptedAt - injected.from,
    routedAfterMs: routedAt === undefined ? undefined : routedAt - injected.from,
    exitedAfterMs: injected.exitedAfterMs,
  };
  progress(`${fault.name}: ${summary(verdict)}; statuses ${JSON.stringify(tally.statuses)}; no answer ${JSON.stringify(tally.networkErrors)}; recovered in ${recovered === undefined ? "—" : `${(recovered / 1000).toFixed(1)} s`} (201 again after ${gap(acceptedAt)}, backlog routed after ${gap(routedAt)})`);
  return row;
}

const summary = (v: Verdict) => `${v.sent} sent, ${v.accepted} × 201, ${v.stored} stored, ${v.assignedOnce} assigned once, ${v.lost} lost, ${v.duplicates} duplicates, ${v.unanswered} stored without a 201`;

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(" / ");
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => process.stderr.write(`chaos: clean-up step failed: ${String(err)}\n`));
  };
  process.once("SIGINT", () => {
    progress("interrupted; cleaning up");
    interrupted.abort();
    void cleanUp().then(() => process.exit(130));
  });
  try {
    progress("starting PostgreSQL, Redis, the web and the worker");
    const stack = await startStack({ sweepCron: SWEEP_CRON });
    cleanups.push(stack.release);
    const config = loadConfig(stack.env);
    await crypto.ready(config.argon2);
    const database = openDatabase(stack.pg.url, 4);
    database.pool.on("error", () => undefined); // PostgreSQL goes away on purpose
    cleanups.push(() => database.close());
    const { adminId } = await bootstrap(database.db, "admin@chaos.invalid", PASSWORD);
    const places = await districtsWithLiaisons(database, 3);
    const ledger = new Ledger(database, adminId, await unlockStaffKey(database.db, adminId, PASSWORD));
    const client = new HttpClient(stack.url, 4);
    cleanups.push(async () => client.close());
    const liaison = new StaffSession(client);
    await liaison.signIn(`liaison-${places[0]!.districtCode}@chaos.invalid`, PASSWORD);
    progress(`web ${stack.url}, worker, PostgreSQL and Redis up; ${places.length} communes in 3 districts with a liaison each`);

    const chosen = faults(OUTAGES).filter((f) => !ONLY || ONLY.has(f.label));
    const rows: Row[] = [];
    for (const fault of chosen) {
      if (interrupted.signal.aborted) break;
      rows.push(await runFault(stack, { database, ledger, client, liaison }, places, fault));
    }
    const minutes = (Date.now() - startedAt.getTime()) / 60_000;
    const a = config.argon2;
    const header = [
      `Date: ${startedAt.toISOString()} · run time ${minutes.toFixed(1)} min${QUICK ? " · **--quick** (shorter outages)" : ""} · load average ${loadAtStart} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")} at the end`,
      `Node ${process.version} · ${os.platform()} ${os.arch()} · ${os.availableParallelism()} cores · argon2id ${a.memoryKiB} KiB, ${a.passes} passes, at most ${a.maxConcurrent} at once`,
      `One web and one worker process (NODE_ENV=production, from the sources through tsx), embedded PostgreSQL and redis-server (AOF) of the run's own; sweep every second (SWEEP_CRON="${SWEEP_CRON}")`,
      `Load: ${LANES} lanes, each sending one tip after another on a keep-alive connection, ${RATE} tips a second at most in all, each tip from its own X-Forwarded-For address and with its own Idempotency-Key; a 503, a 409 "still sending" or a dropped connection is retried with the same key for up to 20 s; one tip in ten is first sent twice at once (a double tap)`,
    ];
    const report = markdown(header, rows);
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, report);
    process.stdout.write(`\n${report}`);
    progress(`written to ${path.relative(process.cwd(), RESULTS)}`);
    if (!rows.every(goalMet)) process.exitCode = 1;
  } finally {
    progress("stopping the app, PostgreSQL and Redis");
    await cleanUp();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
