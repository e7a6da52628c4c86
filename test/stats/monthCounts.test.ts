/**
 * The counted rows (migration 0010): tip_month_counts and help_triage_month_counts
 * always equal the cases counted afresh, whatever changed them — a submission
 * through the API, a staff command, a bulk statement, a deletion, a TRUNCATE,
 * concurrent writers on one counter row — and a period that cuts months
 * (counted partly from the table, partly from the cases) gives the same
 * figures as the cases themselves.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";
import { computeStats } from "../../src/stats/statistics.js";
import { customPeriod } from "../../src/stats/periods.js";
import { splitPeriod } from "../../src/stats/monthCounts.js";
import type { Db } from "../../src/db/client.js";
import { insertTip } from "./tipFixture.js";

/** Rows of `table` that differ from the same rows counted from the cases by `facts` (keys whose counters are all zero count as absent). */
async function drift(db: Db, table: string, facts: string, key: string[]): Promise<unknown[]> {
  const cols = (await db.execute<{ column_name: string }>(sql`
    SELECT column_name FROM information_schema.columns WHERE table_name = ${table} AND table_schema = current_schema() ORDER BY ordinal_position`)).rows.map((r) => r.column_name);
  const counters = cols.filter((c) => !key.includes(c));
  const nonZero = counters.map((c) => `${c} <> 0`).join(" OR ");
  const fresh = `SELECT ${key.map((k) => `f.${k}`).join(", ")}, ${counters.map((c) => `sum(f.${c}) AS ${c}`).join(", ")} FROM tips t, LATERAL ${facts}(t) f GROUP BY ${key.map((_, i) => i + 1).join(", ")}`;
  const kept = `SELECT ${key.join(", ")}, ${counters.join(", ")} FROM ${table}`;
  const r = await db.execute(sql.raw(`
    WITH fresh AS (SELECT * FROM (${fresh}) x WHERE ${nonZero}), kept AS (SELECT * FROM (${kept}) y WHERE ${nonZero})
    (SELECT 'missing' AS side, * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) a)
    UNION ALL (SELECT 'extra', * FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) b)`));
  return r.rows;
}

async function assertInStep(db: Db, when: string) {
  assert.deepEqual(await drift(db, "tip_month_counts", "tip_month_facts", ["month", "district_code", "commune_code", "category"]), [], `tip_month_counts ${when}`);
  assert.deepEqual(await drift(db, "help_triage_month_counts", "help_triage_facts", ["month", "district_code", "commune_code"]), [], `help_triage_month_counts ${when}`);
}

describe("counted rows kept in step with the cases", function () {
  this.timeout(120_000);
  const app = useTestApp();
  beforeEach(async () => resetData(app));
  const db = () => app.ctx.database.db;

  it("when tips arrive through the API and staff triage them, then the month counts equal the cases counted afresh", async () => {
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831", "lien.lac.831@example.org");
    for (let i = 0; i < 3; i++) {
      const sent = await request(app.url).post("/api/v1/tips").send(aTip({ description: `Có người bán ma túy ở bến đò số ${i}.` }));
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
    }
    const total = await db().execute<{ n: number }>(sql`SELECT coalesce(sum(received), 0)::int AS n FROM tip_month_counts`);
    assert.equal(total.rows[0]!.n, 3, "every submission counted in its own transaction");
    const staff = await signIn(app, "lien.lac.831@example.org");
    const item = await within(10_000, "a tip routed to the liaison", async () => (await staff.agent.get("/api/v1/cases")).body.cases?.find((c: { assigneeId: string | null }) => c.assigneeId));
    const triaged = await staff.agent
      .post(`/api/v1/cases/${item.id}/triage`)
      .set("X-CSRF-Token", staff.csrf)
      .send({ outcome: "not_actionable", reasonCode: "false_or_malicious", text: "Không có thật", version: item.version });
    assert.equal(triaged.status, 200, JSON.stringify(triaged.body));
    const counted = await db().execute<{ t: number; f: number }>(sql`SELECT sum(triaged)::int AS t, sum(false_or_malicious)::int AS f FROM tip_month_counts`);
    assert.deepEqual(counted.rows[0], { t: 1, f: 1 });
    await assertInStep(db(), "after the API and a triage");
  });

  it("when cases are changed by every kind of statement, then the counts follow each one", async () => {
    const base = { district: "831", commune: "28756" };
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(
        await insertTip(db(), {
          ...base,
          commune: i % 2 ? "28756" : "28759",
          received: `2025-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:30:00+07:00`,
          category: i % 4 === 0 ? "help_request" : "selling",
          triageH: i % 3 ? 5 : undefined,
          triage: i % 3 ? "actionable" : undefined,
          forwardH: i % 6 === 1 ? 2 : undefined,
          outcome: i % 6 === 1 ? "spot_eliminated" : undefined,
          seizedGrams: i % 6 === 1 ? 12.5 : undefined,
          referred: i % 4 === 0 && i % 3 ? true : undefined,
        }),
      );
    }
    await assertInStep(db(), "after inserts");
    // One case moved across a month and a commune, one re-categorised, results recorded and taken back, a bulk update that touches no counter.
    await db().execute(sql`UPDATE tips SET received_at = received_at - interval '40 days', commune_code = '28762' WHERE id = ${ids[5]}`);
    await db().execute(sql`UPDATE tips SET category = 'help_request', referred = true, referral_kind = 'methadone' WHERE id = ${ids[7]}`);
    await db().execute(sql`UPDATE tips SET resolved_at = NULL, outcome = NULL WHERE id = ${ids[1]}`);
    await db().execute(sql`UPDATE tips SET resolved_at = now(), outcome = 'nothing_found', people_handled = 3 WHERE id IN (${ids[10]}, ${ids[11]}, ${ids[12]})`);
    await db().execute(sql`UPDATE tips SET version = version + 1, status = 'needs_info'`);
    await db().execute(sql`UPDATE tips SET triaged_at = triaged_at + interval '30 days' WHERE category = 'help_request' AND triaged_at IS NOT NULL`);
    await assertInStep(db(), "after updates");
    await db().execute(sql`DELETE FROM tips WHERE id IN (${ids[2]}, ${ids[3]}, ${ids[4]})`);
    await assertInStep(db(), "after a deletion");
    await db().execute(sql`TRUNCATE tips CASCADE`);
    const left = await db().execute<{ n: number }>(sql`SELECT (SELECT count(*) FROM tip_month_counts) + (SELECT count(*) FROM help_triage_month_counts) AS n`);
    assert.equal(Number(left.rows[0]!.n), 0, "TRUNCATE takes the counts with it");
  });

  it("when the update trigger is compared with the facts functions, then it watches exactly the columns they read", async () => {
    const def = await db().execute<{ d: string }>(sql`SELECT pg_get_triggerdef(oid) AS d FROM pg_trigger WHERE tgname = 'tip_counts_update'`);
    const watched = new Set([...def.rows[0]!.d.matchAll(/\bold\.(\w+)/gi)].map((m) => m[1]));
    const bodies = await db().execute<{ d: string }>(sql`SELECT pg_get_functiondef(oid) AS d FROM pg_proc WHERE proname IN ('tip_month_facts', 'help_triage_facts')`);
    assert.equal(bodies.rows.length, 2);
    const read = new Set(bodies.rows.flatMap((r) => [...r.d.matchAll(/\bt\.(\w+)/g)].map((m) => m[1])));
    assert.deepEqual([...watched].sort(), [...read].sort(), "a counted column the trigger does not watch would leave its counters stale");
  });

  it("when each counted column changes on its own, then the counts follow", async () => {
    const id = await insertTip(db(), { received: "2025-04-10T09:00:00+07:00", category: "help_request", district: "831", commune: "28756", triageH: 2, triage: "actionable", forwardH: 1, ackH: 1, outcome: "spot_eliminated", referred: false });
    const changes = [
      sql`received_at = received_at + interval '25 days'`,
      sql`district_code = '832', commune_code = '28810'`,
      sql`commune_code = '28813'`,
      sql`category = 'selling'`,
      sql`category = 'help_request'`,
      sql`urgent = true`,
      sql`source = 'phone'`,
      sql`triaged_at = triaged_at + interval '40 days'`,
      sql`triage_outcome = 'not_actionable'`,
      sql`not_actionable_reason = 'false_or_malicious'`,
      sql`forwarded_at = NULL`,
      sql`acknowledged_at = acknowledged_at + interval '1 hour'`,
      sql`outcome = 'nothing_found'`,
      sql`plants_destroyed = 40`,
      sql`area_m2 = 1200`,
      sql`people_handled = 2`,
      sql`seized_grams = 3.75`,
      sql`referred = true`,
      sql`referral_kind = 'community_rehab'`,
      sql`resolved_at = NULL`,
    ];
    for (const [i, change] of changes.entries()) {
      await db().execute(sql`UPDATE tips SET ${change} WHERE id = ${id}`);
      await assertInStep(db(), `after change ${i + 1} of ${changes.length}`);
    }
  });

  it("when a commune's results in one month add up past 2^31 square metres, then they are still counted", async () => {
    const field = { received: "2025-06-02T08:00:00+07:00", category: "cultivation" as const, district: "831", commune: "28756", triageH: 1, triage: "actionable" as const, forwardH: 1, ackH: 1, outcome: "plants_destroyed" as const, areaM2: 100_000_000 };
    for (let i = 0; i < 25; i++) await insertTip(db(), field);
    const r = await db().execute<{ m2: string }>(sql`SELECT qty_area_m2::text AS m2 FROM tip_month_counts WHERE month = '2025-06-01' AND commune_code = '28756' AND category = 'cultivation'`);
    assert.equal(r.rows[0]!.m2, "2500000000");
    await assertInStep(db(), "after large quantities");
  });

  it("when many writers add cases to the same counter row at once, then none is lost", async () => {
    const one = { received: "2025-05-10T08:00:00+07:00", category: "using" as const, district: "831", commune: "28756" };
    await Promise.all(Array.from({ length: 24 }, () => insertTip(db(), one)));
    const r = await db().execute<{ n: number }>(sql`SELECT received AS n FROM tip_month_counts WHERE month = '2025-05-01' AND commune_code = '28756' AND category = 'using'`);
    assert.equal(r.rows[0]!.n, 24);
    await assertInStep(db(), "after concurrent inserts");
  });

  it("when a custom period cuts months, then its figures equal the cases counted directly", async () => {
    const days = ["2025-01-31T23:59:00+07:00", "2025-02-01T00:00:00+07:00", "2025-02-14T12:00:00+07:00", "2025-03-01T00:00:00+07:00", "2025-03-15T10:00:00+07:00", "2025-03-16T00:00:00+07:00"];
    for (const [i, received] of days.entries()) {
      await insertTip(db(), { received, category: i % 2 ? "help_request" : "selling", district: "831", commune: "28756", triageH: 1, triage: "actionable", referred: i % 2 ? true : undefined });
    }
    // 15 January – 15 March: the edges 15–31 January and 1–15 March from the cases, February from the table.
    const period = customPeriod("2025-01-15", "2025-03-15")!;
    const split = splitPeriod(period.from, period.to);
    assert.deepEqual(split.months, { from: "2025-02-01", to: "2025-03-01" });
    assert.equal(split.edges.length, 2);
    const s = await computeStats(db(), app.ctx.config, { from: period.from, to: period.to });
    const direct = await db().execute<{ n: number; help: number; triaged_help: number }>(sql`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE category = 'help_request')::int AS help,
             count(*) FILTER (WHERE category = 'help_request' AND triaged_at >= ${period.from.toISOString()} AND triaged_at < ${period.to.toISOString()})::int AS triaged_help
        FROM tips WHERE received_at >= ${period.from.toISOString()} AND received_at < ${period.to.toISOString()}`);
    assert.equal(s.received.total, 5);
    assert.equal(s.received.total, direct.rows[0]!.n);
    assert.equal(s.helpRequests.total, direct.rows[0]!.help);
    assert.equal(s.helpRequests.triaged, direct.rows[0]!.triaged_help);
    assert.deepEqual(s.triage.byOutcome, { actionable: 5 });
  });
});
