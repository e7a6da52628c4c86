/**
 * Scale-out: two web processes and two worker processes — real child
 * processes (`node --import tsx src/main.ts web|worker`) — against one
 * PostgreSQL and one Redis. Tips sent alternately to both web processes are
 * each routed exactly once, each deadline alert is sent once, a session opened
 * on one web process is valid (and revoked) on the other, the rate limit is
 * one counter across both, and every process stops gracefully on SIGTERM.
 *
 * The test process only prepares data (its own database connection, no HTTP
 * server, no workers) and reads the outcome from PostgreSQL and Redis.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { createLogger } from "../../src/logging/logger.js";
import { openContext, type Running } from "../../src/runtime.js";
import type { AppContext } from "../../src/context.js";
import { resetData, testConfig } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip, PASSWORD } from "../support/factories.js";
import { routingRowsPerCase, within } from "../support/caseDesk.js";
import { deleteRedisPrefix, services } from "../support/services.js";
import { report, spawnRole, type RoleProcess } from "../support/roleProcess.js";

const TIPS = 60;
/** The per-client tip limit both web processes run with: low, so that the shared counter can be seen refusing. */
const PER_CLIENT_LIMIT = 3;
/** 0.001 h = 3.6 s: the reminder fires 3.6 s after receipt (received_at is kept to the minute, so often at once), the escalation 3.6 s later. */
const TRIAGE_HOURS = "0.001";
/** Below main.ts's 20 s forced exit: a process that needs the force-quit fails this bound. */
const SHUTDOWN_BOUND_MS = 15_000;

const METRICS_TOKEN = "scale-out-metrics-token-0123456789";
const WEB_ENV = {
  TRUST_PROXY: "loopback", // the test plays the reverse proxy: each tipster's address comes in X-Forwarded-For
  TIP_RATE_LIMIT_PER_HOUR: String(PER_CLIENT_LIMIT),
  TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: "100000",
  LOGIN_RATE_LIMIT_PER_HOUR: "100000",
  TRIAGE_DEADLINE_HOURS: TRIAGE_HOURS,
  METRICS_TOKEN: METRICS_TOKEN,
};
// Workers log at info: "homthu started" says the start-up sweep is done, and "job done" lines show that both workers took jobs.
const WORKER_ENV = { TRIAGE_DEADLINE_HOURS: TRIAGE_HOURS, LOG_LEVEL: "info" };

/** Distinct tipster addresses for the bulk tips (private range: never the leak-checked documentation ranges, never another test's 10.0–15.x). */
const bulkAddress = (i: number) => `10.231.${i >> 8}.${i & 255}`;
/** The rate-limited tipster: a documentation address, so the run's final leak check also proves no process stored or logged it. */
const LIMITED_ADDRESS = "203.0.113.77";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sendTip(url: string, address: string, n: number) {
  return request(url)
    .post("/api/v1/tips")
    .set("X-Forwarded-For", address)
    .send(aTip({ description: `Tin số ${n}: có người bán ma túy ở quán nước gần bến phà, thường vào buổi tối.` }));
}

/** `remaining` from the draft-7 RateLimit header ("limit=3, remaining=2, reset=3600"). */
function remaining(res: request.Response): number | undefined {
  const m = /remaining=(\d+)/.exec(String(res.headers["ratelimit"] ?? ""));
  return m ? Number(m[1]) : undefined;
}

async function rows<T extends object>(ctx: AppContext, text: string, params: unknown[] = []): Promise<T[]> {
  return (await ctx.database.pool.query<T>(text, params)).rows;
}

describe("scale-out: two web and two worker processes against one PostgreSQL and one Redis", function () {
  this.timeout(120_000);
  let ctx: AppContext;
  let closeCtx: (() => Promise<void>) | undefined;
  const children: RoleProcess[] = [];
  let webA: RoleProcess;
  let webB: RoleProcess;
  let workerA: RoleProcess;
  let workerB: RoleProcess;
  let adminId: string;
  let liaisons: { id: string; email: string }[];
  let accepted = 0;
  let started = 0;

  before(async function () {
    this.timeout(90_000);
    started = Date.now();
    const opened = await openContext(testConfig(), createLogger("silent"));
    ctx = opened.ctx;
    closeCtx = opened.close;
    await resetData({ ctx, stop: opened.close } satisfies Running);
    // Counters other tests left under the run's prefix (logins from 127.0.0.1, the global tip count) must not decide this test.
    await deleteRedisPrefix(services().redisUrl, `${services().redisPrefix}:rl:`);
    adminId = (await anAdministrator(ctx)).id;
    liaisons = await Promise.all([1, 2, 3].map((i) => aStaffMember(ctx, "liaison", "831", `liaison${i}-831@example.org`)));

    const spawned = await Promise.allSettled([
      spawnRole("web A", "web", WEB_ENV),
      spawnRole("web B", "web", WEB_ENV),
      spawnRole("worker A", "worker", WORKER_ENV),
      spawnRole("worker B", "worker", WORKER_ENV),
    ]);
    for (const s of spawned) if (s.status === "fulfilled") children.push(s.value);
    const failed = spawned.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    [webA, webB, workerA, workerB] = children as [RoleProcess, RoleProcess, RoleProcess, RoleProcess];
    await untilReady().catch((err: Error) => {
      throw new Error(`${err.message}\n${report(children)}`);
    });
  });

  async function untilReady() {
    for (const web of [webA, webB])
      await within(30_000, `${web.name} ready (/readyz)`, async () => {
        const r = await fetch(`${web.url}/readyz`).catch(() => undefined);
        return r?.status === 200 && ((await r.json()) as { database: string; redis: string }).redis === "ok";
      }, 100);
    for (const worker of [workerA, workerB]) await within(30_000, `${worker.name} started`, async () => worker.output.join("").includes('"msg":"homthu started"'), 100);
    // Both worker processes hold a blocking connection on every queue.
    for (const q of ctx.queues.all()) {
      let n = 0;
      await within(10_000, `two workers on ${q.name}`, async () => (n = await q.getWorkersCount()) === 2, 100).catch((err: Error) => {
        throw new Error(`${err.message}: ${n} seen (more would be a worker another test left running)`);
      });
    }
  }

  afterEach(function () {
    if (this.currentTest?.state === "failed") process.stderr.write(`\nchildren's output:\n${report(children)}\n`);
  });

  after(async () => {
    for (const c of children) await c.kill(); // only those still running (a failed test)
    await closeCtx?.();
    process.stderr.write(`      (scale-out test: ${((Date.now() - started) / 1000).toFixed(1)} s in all)\n`);
  });

  it("when a liaison signs in on web A, then the same cookie is valid on web B, and signing out on B ends it on A too", async () => {
    const login = await request(webA.url).post("/api/v1/auth/login").send({ email: liaisons[0]!.email, password: PASSWORD });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const cookie = (login.headers["set-cookie"] as unknown as string[]).map((c) => c.split(";")[0]).join("; ");
    const onB = await request(webB.url).get("/api/v1/me").set("Cookie", cookie);
    assert.equal(onB.status, 200, JSON.stringify(onB.body));
    assert.equal(onB.body.user.id, liaisons[0]!.id);
    assert.equal((await request(webB.url).get("/api/v1/me")).status, 401, "no cookie, no session");

    const out = await request(webB.url).post("/api/v1/auth/logout").set("Cookie", cookie).set("X-CSRF-Token", login.body.csrfToken);
    assert.equal(out.status, 204);
    assert.equal((await request(webA.url).get("/api/v1/me").set("Cookie", cookie)).status, 401, "signed out on B, so gone on A");
  });

  it(`when one tipster sends alternately to web A and web B, then the ${PER_CLIENT_LIMIT}-per-hour limit counts both together`, async () => {
    const answers: request.Response[] = [];
    for (let i = 0; i <= PER_CLIENT_LIMIT; i++) answers.push(await sendTip(i % 2 === 0 ? webA.url : webB.url, LIMITED_ADDRESS, 1000 + i));
    accepted += answers.filter((r) => r.status === 201).length;
    assert.deepEqual(
      answers.map((r) => r.status),
      [...Array(PER_CLIENT_LIMIT).fill(201), 429],
    );
    // One counter: what is left goes down by one whichever process answered.
    assert.deepEqual(
      answers.slice(0, PER_CLIENT_LIMIT).map(remaining),
      Array.from({ length: PER_CLIENT_LIMIT }, (_, i) => PER_CLIENT_LIMIT - 1 - i),
    );
    // …and it lives in Redis under the configured prefix, keyed by a MAC of the address, never the address.
    const keys = await ctx.redis.keys(`${services().redisPrefix}:rl:tips:*`);
    assert.equal(keys.length, 1, keys.join(", "));
    assert.ok(!keys[0]!.includes("203.0.113"));
    assert.equal(await ctx.redis.get(keys[0]!), String(PER_CLIENT_LIMIT + 1));
  });

  it(`when ${TIPS} tips are sent alternately to web A and web B, then every tip is assigned exactly once, turn by turn`, async () => {
    // received_at is kept to the minute, so a deadline of 3.6 s after it is often already past when the case is routed.
    // Sending at the start of a minute makes the deadlines fall due after routing, in the two workers' sweeps.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 300) await sleep(60_000 - intoMinute + 50);
    const statuses: number[] = [];
    let next = 0;
    const sender = async () => {
      for (let i = next++; i < TIPS; i = next++) statuses.push((await sendTip(i % 2 === 0 ? webA.url : webB.url, bulkAddress(i + 1), i)).status);
    };
    await Promise.all(Array.from({ length: 6 }, sender));
    accepted += statuses.filter((s) => s === 201).length;
    assert.deepEqual(statuses, Array(TIPS).fill(201));

    await within(30_000, `all ${accepted} tips assigned`, async () => {
      const [r] = await rows<{ n: number; assigned: number }>(ctx, "SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'assigned')::int AS assigned FROM tips");
      return r!.n === accepted && r!.assigned === accepted;
    }, 100);
    const tips = await rows<{ id: string; assignee_id: string | null; no_liaison: boolean }>(ctx, "SELECT id, assignee_id, no_liaison FROM tips");
    assert.equal(tips.length, accepted);
    const ids = liaisons.map((l) => l.id);
    for (const t of tips) assert.ok(t.assignee_id && ids.includes(t.assignee_id) && !t.no_liaison, `case ${t.id} has a liaison of district 831`);

    const routings = await routingRowsPerCase(ctx, tips.map((t) => t.id));
    assert.deepEqual([...routings].filter(([, n]) => n !== 1), [], "each tip routed exactly once (one case.assign row with routed=true)");
    const [all] = await rows<{ n: number }>(ctx, "SELECT count(*)::int AS n FROM audit_log WHERE action = 'case.assign'");
    assert.equal(all!.n, accepted, "no other case.assign rows");
    const assignedNotes = await rows<{ tip_id: string; n: number }>(ctx, "SELECT tip_id, count(*)::int AS n FROM notifications WHERE kind = 'case_assigned' GROUP BY tip_id");
    assert.equal(assignedNotes.length, accepted);
    assert.ok(assignedNotes.every((r) => r.n === 1), "one case_assigned notification per tip");

    // Routing is serialised per district across both workers: equal liaisons take turns (21 each of 63).
    const perLiaison = ids.map((id) => tips.filter((t) => t.assignee_id === id).length);
    assert.ok(Math.max(...perLiaison) - Math.min(...perLiaison) <= 1, `turn by turn: ${perLiaison.join("/")}`);
  });

  it("when the triage deadline passes, then each case's reminder and escalation fire once, to the right people", async () => {
    const tipIds = (await rows<{ id: string; assignee_id: string }>(ctx, "SELECT id, assignee_id FROM tips"));
    assert.equal(tipIds.length, accepted);
    const audits = async (action: string) =>
      (await rows<{ n: number }>(ctx, "SELECT count(DISTINCT subject_id)::int AS n FROM audit_log WHERE action = $1", [action]))[0]!.n;
    await within(40_000, "every reminder and escalation written", async () => (await audits("case.deadline_reminder")) === accepted && (await audits("case.escalated")) === accepted, 200);
    // Let any duplicate (the other worker's sweep, a re-run) land before counting.
    await sleep(3_000);

    const perTip = async (action: string) =>
      new Map((await rows<{ subject_id: string; n: number }>(ctx, "SELECT subject_id, count(*)::int AS n FROM audit_log WHERE action = $1 GROUP BY subject_id", [action])).map((r) => [r.subject_id, r.n]));
    const reminders = await perTip("case.deadline_reminder");
    const escalations = await perTip("case.escalated");
    for (const { id } of tipIds) {
      assert.equal(reminders.get(id), 1, `one case.deadline_reminder row for ${id}`);
      assert.equal(escalations.get(id), 1, `one case.escalated row for ${id}`);
    }

    const notes = await rows<{ tip_id: string; user_id: string; kind: string; n: number }>(
      ctx,
      "SELECT tip_id, user_id, kind, count(*)::int AS n FROM notifications WHERE kind IN ('deadline_reminder', 'deadline_escalation') GROUP BY tip_id, user_id, kind",
    );
    assert.deepEqual(notes.filter((r) => r.n !== 1), [], "one notification per (tip, person, kind)");
    for (const { id, assignee_id } of tipIds) {
      const about = notes.filter((r) => r.tip_id === id);
      assert.deepEqual(about.filter((r) => r.kind === "deadline_reminder").map((r) => r.user_id), [assignee_id], `reminder of ${id} to its assignee only`);
      assert.deepEqual(
        about.filter((r) => r.kind === "deadline_escalation").map((r) => r.user_id).sort(),
        [adminId, assignee_id].sort(),
        `escalation of ${id} to the administrator and the assignee`,
      );
    }

    // What the sweeps recorded: per case, one reminder and one escalation, and no per-case job in Redis.
    const alerts = await rows<{ tip_id: string; stage: string; n: number }>(ctx, "SELECT d.tip_id, a.stage, count(*)::int AS n FROM deadline_alerts a JOIN case_deadlines d ON d.id = a.deadline_id GROUP BY d.tip_id, a.stage");
    for (const { id } of tipIds)
      assert.deepEqual(alerts.filter((a) => a.tip_id === id).map((a) => `${a.stage}:${a.n}`).sort(), ["escalation:1", "reminder:1"], `alerts of ${id}`);
    const keys = await ctx.redis.keys(`${services().redisPrefix}:*`);
    for (const { id } of tipIds) assert.ok(!keys.some((k) => k.includes(id)), `no Redis key names case ${id}`);
  });

  it("when the processes run, then both workers took jobs, and a web process's /metrics (loopback or token) shows the shared queues but no job durations", async () => {
    for (const w of [workerA, workerB]) assert.ok(w.output.join("").includes('"msg":"job done"'), `${w.name} processed jobs`);
    const metrics = await request(webA.url).get("/metrics");
    assert.equal(metrics.status, 200, "from loopback, no token needed");
    // What a reverse proxy on the same machine forwards is not "loopback": refused without the token, served with it.
    assert.equal((await request(webB.url).get("/metrics").set("X-Forwarded-For", bulkAddress(4000))).status, 404);
    const withToken = await request(webB.url).get("/metrics").set("X-Forwarded-For", bulkAddress(4000)).set("Authorization", `Bearer ${METRICS_TOKEN}`);
    assert.equal(withToken.status, 200);
    for (const q of ["route-tip", "notify", "maintenance"]) assert.match(metrics.text, new RegExp(`homthu_queue_jobs\\{queue="${q}",state="delayed"\\} \\d+`));
    assert.doesNotMatch(metrics.text, /homthu_job_duration_seconds_count/, "a web-only process processes no jobs");
  });

  it("when every process gets SIGTERM, then each exits 0 within the bound (graceful shutdown)", async () => {
    const ends = await Promise.all(children.map((c) => c.terminate(SHUTDOWN_BOUND_MS)));
    const summary = children.map((c, i) => `${c.name}: ${ends[i]!.ending ? `code ${ends[i]!.ending!.code} signal ${ends[i]!.ending!.signal}` : "still running"} after ${ends[i]!.ms} ms`);
    for (const e of ends) assert.deepEqual(e.ending, { code: 0, signal: null }, summary.join("\n"));
  });
});
