/**
 * The places register's figures against a calculation written here from the
 * generated histories alone (plain loops over days, not the code under test):
 * places detected, eliminated, re-emerged, replanted, to handle and handled
 * per district and in total, and the year's share eliminated, for months,
 * quarters, a half, years and custom days — with events placed on the Vietnam
 * day boundaries (29 February / 1 March 2020, 31 December / 1 January, the
 * last and first day of a quarter). Then what a supervisor sees: no count from
 * 1 to threshold−1 anywhere, hidden cells with their complement, every shown
 * cell exact. And the figures on the dashboard and the printed report.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { createPlace } from "../../src/commands/placeCreator.js";
import { recordPlaceState } from "../../src/commands/placeStateRecorder.js";
import { vietnamDate, vietnamToday } from "../../src/places/register.js";
import { useTestApp, resetData } from "../support/app.js";
import { adminActor } from "../support/caseDesk.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { rng } from "../support/random.js";
import { signIn } from "../support/accountsApi.js";

type State = "active" | "eliminated" | "re_emerged" | "replanted";
interface Truth {
  district: string;
  kind: string;
  history: Array<{ state: State; date: string }>;
}
const KINDS = ["sale_point", "use_hangout", "storage", "cultivation"] as const;
const THRESHOLD = 5;

/** Day arithmetic on YYYY-MM-DD strings, by the calendar (UTC dates stand for Vietnam days). */
const plusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The expected figures of one set of places for the days [first, last], computed from the histories. */
function expected(list: Truth[], first: string, last: string) {
  const yearStart = `${last.slice(0, 4)}-01-01`;
  const within = (d: string, a: string, b: string) => d >= a && d <= b;
  const out = { detected: 0, eliminated: 0, reEmerged: 0, replanted: 0, toHandle: 0, handled: 0, yearEliminated: 0, yearPresent: 0 };
  for (const p of list) {
    const h = p.history;
    if (within(h[0]!.date, first, last)) out.detected++;
    if (h.some((e) => e.state === "eliminated" && within(e.date, first, last))) out.eliminated++;
    if (h.some((e) => e.state === "re_emerged" && within(e.date, first, last))) out.reEmerged++;
    if (h.some((e) => e.state === "replanted" && within(e.date, first, last))) out.replanted++;
    if (h.some((e) => e.state !== "eliminated" && within(e.date, first, last))) {
      out.toHandle++;
      let lastState: State | undefined;
      for (const e of h) if (e.date <= last) lastState = e.state;
      if (lastState === "eliminated") out.handled++;
    }
    let atYearStart: State | undefined;
    for (const e of h) if (e.date < yearStart) atYearStart = e.state;
    if ((atYearStart && atYearStart !== "eliminated") || h.some((e) => e.state !== "eliminated" && within(e.date, yearStart, last))) out.yearPresent++;
    if (h.some((e) => e.state === "eliminated" && within(e.date, yearStart, last))) out.yearEliminated++;
  }
  return out;
}

describe("places register figures", function () {
  this.timeout(300_000);
  const app = useTestApp({ env: { SMALL_NUMBER_THRESHOLD: String(THRESHOLD) } });
  let admin: Awaited<ReturnType<typeof signIn>>;
  let supervisor: Awaited<ReturnType<typeof signIn>>;
  const truth: Truth[] = [];
  const districts = new Map<string, string[]>();

  before(async () => {
    await resetData(app);
    const { id: adminId } = await anAdministrator(app.ctx);
    const sup = await aStaffMember(app.ctx, "supervisor", null);
    admin = await signIn(app, "admin@example.org");
    supervisor = await signIn(app, sup.email);
    const units = await app.ctx.database.db.execute<{ code: string; parent_code: string }>(sql`SELECT code, parent_code FROM units WHERE level = 'commune' ORDER BY position`);
    for (const u of units.rows) (districts.get(u.parent_code) ?? districts.set(u.parent_code, []).get(u.parent_code)!).push(u.code);
    const codes = [...districts.keys()];
    const random = rng(20200301);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    // Random histories, a few districts busy and most quiet (so small counts are common), days from October 2019 to 2020.
    const plans: Array<{ district: string; commune: string; kind: string; history: Array<{ state: State; date: string }> }> = [];
    for (let i = 0; i < 140; i++) {
      const district = random() < 0.6 ? codes[i % 2]! : pick(codes);
      const kind = pick(KINDS);
      let date = plusDays("2019-10-01", Math.floor(random() * 450));
      const history: Truth["history"] = [{ state: "active", date }];
      for (let round = 0; round < 3 && random() < 0.65; round++) {
        date = plusDays(date, Math.floor(random() * 100));
        history.push({ state: "eliminated", date });
        if (random() < 0.45) break;
        date = plusDays(date, Math.floor(random() * 80));
        history.push({ state: kind === "cultivation" && random() < 0.6 ? "replanted" : "re_emerged", date });
      }
      plans.push({ district, commune: pick(districts.get(district)!), kind, history });
    }
    // On the day boundaries: 29 February and 1 March 2020, 31 December 2019 and 1 January 2020, 31 March and 1 April 2020, two changes on one day.
    const d0 = codes[0]!;
    const c0 = districts.get(d0)![0]!;
    plans.push({ district: d0, commune: c0, kind: "sale_point", history: [{ state: "active", date: "2020-02-29" }, { state: "eliminated", date: "2020-03-01" }] });
    plans.push({ district: d0, commune: c0, kind: "storage", history: [{ state: "active", date: "2019-12-31" }, { state: "eliminated", date: "2020-01-01" }] });
    plans.push({ district: d0, commune: c0, kind: "cultivation", history: [{ state: "active", date: "2019-11-30" }, { state: "eliminated", date: "2019-12-31" }, { state: "replanted", date: "2020-03-31" }, { state: "eliminated", date: "2020-04-01" }] });
    plans.push({ district: d0, commune: c0, kind: "use_hangout", history: [{ state: "active", date: "2020-03-31" }, { state: "eliminated", date: "2020-03-31" }, { state: "re_emerged", date: "2020-03-31" }] });
    for (const p of plans) {
      const { id } = await createPlace(app.ctx, adminActor(adminId), { communeCode: p.commune, kind: p.kind as (typeof KINDS)[number], label: "Nơi thử", detectedOn: p.history[0]!.date });
      for (const e of p.history.slice(1)) await recordPlaceState(app.ctx, adminActor(adminId), id, { state: e.state as "eliminated", onDate: e.date });
      truth.push({ district: p.district, kind: p.kind, history: p.history });
    }
  });

  const periods: Array<[string, string, string]> = [
    ["period=2020-03", "2020-03-01", "2020-03-31"],
    ["period=2020-02", "2020-02-01", "2020-02-29"],
    ["period=2020-Q1", "2020-01-01", "2020-03-31"],
    ["period=2020-Q2", "2020-04-01", "2020-06-30"],
    ["period=2020-H2", "2020-07-01", "2020-12-31"],
    ["period=2020", "2020-01-01", "2020-12-31"],
    ["period=2019", "2019-01-01", "2019-12-31"],
    ["period=2019-12", "2019-12-01", "2019-12-31"],
    ["from=2020-02-29&to=2020-03-01", "2020-02-29", "2020-03-01"],
    ["from=2020-03-31&to=2020-03-31", "2020-03-31", "2020-03-31"],
  ];

  it("when an administrator asks for any period, then every figure of every district and the total is the independent calculation's", async () => {
    for (const [query, first, last] of periods) {
      const r = await admin.agent.get(`/api/v1/places/figures?${query}`);
      assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
      assert.deepEqual([r.body.from, r.body.to, r.body.year], [first, last, Number(last.slice(0, 4))], query);
      for (const row of r.body.districts) {
        const want = expected(truth.filter((p) => p.district === row.code), first, last);
        assert.deepEqual(row.counts, want, `${query} district ${row.code}`);
        assert.equal(row.handledShare, want.toHandle ? want.handled / want.toHandle : null);
        assert.equal(row.yearShare, want.yearPresent ? want.yearEliminated / want.yearPresent : null);
      }
      assert.equal(r.body.districts.length, districts.size);
      assert.deepEqual(r.body.total.counts, expected(truth, first, last), `${query} total`);
    }
  });

  it("when the boundary places are looked at, then each event falls on its Vietnam day", async () => {
    const march = (await admin.agent.get(`/api/v1/places/figures?period=2020-03&scope=district:${[...districts.keys()][0]}`)).body;
    const feb = (await admin.agent.get(`/api/v1/places/figures?period=2020-02&scope=district:${[...districts.keys()][0]}`)).body;
    const d0 = truth.filter((p) => p.district === [...districts.keys()][0]);
    assert.deepEqual(march.total.counts, expected(d0, "2020-03-01", "2020-03-31"));
    assert.deepEqual(feb.total.counts, expected(d0, "2020-02-01", "2020-02-29"));
    assert.equal(march.districts.length, 1);
    // The instants homthu's periods start at: midnight in Vietnam is 17:00 UTC the day before.
    assert.equal(vietnamDate(new Date("2020-02-29T17:00:00.000Z")), "2020-03-01");
    assert.equal(vietnamDate(new Date("2020-02-29T16:59:59.999Z")), "2020-02-29");
    assert.equal(vietnamToday(new Date("2019-12-31T17:30:00Z")), "2020-01-01", "a place entered at 00:30 in Bến Tre on New Year's Day is detected in the new year");
    assert.equal(vietnamToday(new Date("2019-12-31T16:30:00Z")), "2019-12-31");
  });

  it("when a category narrows the figures, then only places of its kind count; a category with no kind of place is refused", async () => {
    for (const [category, kind] of [["cultivation", "cultivation"], ["selling", "sale_point"]] as const) {
      const r = await admin.agent.get(`/api/v1/places/figures?period=2020&category=${category}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.total.counts, expected(truth.filter((p) => p.kind === kind), "2020-01-01", "2020-12-31"), category);
    }
    const bad = await admin.agent.get("/api/v1/places/figures?period=2020&category=help_request");
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body.error.fields), ["category"]);
    assert.equal((await admin.agent.get("/api/v1/places/figures?period=2020-13")).status, 400);
    assert.equal((await admin.agent.get("/api/v1/places/figures?period=2020&scope=commune:28801")).status, 400);
  });

  it("when a supervisor asks, then no place count from 1 to threshold−1 appears, a hidden cell never stands alone, and every shown cell is exact", async () => {
    let hiddenSeen = 0;
    for (const [query, first, last] of periods.filter(([q]) => q.startsWith("period="))) {
      const r = await supervisor.agent.get(`/api/v1/places/figures?${query}`);
      assert.equal(r.status, 200, query);
      const columns = Object.keys(r.body.total.counts);
      for (const col of columns) {
        const cells = r.body.districts.map((d: { counts: Record<string, number | "x"> }) => d.counts[col]);
        const hidden = cells.filter((c: number | "x") => c === "x").length;
        hiddenSeen += hidden;
        assert.notEqual(hidden, 1, `${query} ${col}: one hidden cell would be the total minus the rest`);
        for (const row of r.body.districts) {
          const exact = expected(truth.filter((p) => p.district === row.code), first, last)[col as "detected"];
          const shown = row.counts[col];
          if (shown !== "x") assert.equal(shown, exact, `${query} ${row.code} ${col}`);
          else if (exact > 0 && exact < THRESHOLD) continue;
          assert.ok(shown === "x" || shown === 0 || shown >= THRESHOLD, `${query} ${row.code} ${col} = ${shown}`);
          if (exact > 0 && exact < THRESHOLD) assert.equal(shown, "x", `${query} ${row.code} ${col}: ${exact} must be hidden`);
        }
        const total = r.body.total.counts[col];
        assert.ok(total === "x" || total === 0 || total >= THRESHOLD, `${query} total ${col} = ${total}`);
      }
      for (const row of [...r.body.districts, r.body.total]) {
        if (row.counts.handled === "x" || row.counts.toHandle === "x") assert.equal(row.handledShare, "x");
        if (row.counts.yearEliminated === "x" || row.counts.yearPresent === "x") assert.equal(row.yearShare, "x");
      }
    }
    assert.ok(hiddenSeen > 0, "the generated data has small counts to hide");
    assert.equal((await supervisor.agent.get("/api/v1/places/figures?from=2020-02-29&to=2020-03-01")).status, 400, "whole months only");
  });

  it("when the figures are exported, then the CSV holds the same numbers, a supervisor's file no small count, and each download is audited", async () => {
    const r = await admin.agent.get("/api/v1/places/figures/2020-Q1.csv");
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers["content-type"]), /text\/csv/);
    const lines = r.text.replace(/^\uFEFF/, "").split(/\r?\n/).filter(Boolean);
    assert.match(lines[0]!, /quý 1 năm 2020 \(01\/01\/2020 – 31\/03\/2020\), toàn tỉnh/);
    const cols = ["detected", "eliminated", "reEmerged", "replanted", "toHandle", "handled", "yearEliminated", "yearPresent"] as const;
    for (const code of districts.keys()) {
      const line = lines.find((l) => l.split(";")[1] === code);
      assert.ok(line, `a line for ${code}`);
      const want = expected(truth.filter((p) => p.district === code), "2020-01-01", "2020-03-31");
      assert.deepEqual(line.split(";").slice(3, 11).map(Number), cols.map((c) => want[c]), code);
    }
    const custom = await admin.agent.get("/api/v1/places/figures/custom.csv?from=2020-02-29&to=2020-03-01&sep=comma");
    assert.equal(custom.status, 200);
    assert.equal((await admin.agent.get("/api/v1/places/figures/2020-Q5.csv")).status, 400);
    const sup = await supervisor.agent.get("/api/v1/places/figures/2020-Q1.csv");
    assert.equal(sup.status, 200);
    for (const line of sup.text.split(/\r?\n/).filter((l) => /^[^;]*;\d+;/.test(l)))
      for (const cell of line.split(";").slice(3, 11)) assert.ok(cell === "x" || Number(cell) === 0 || Number(cell) >= THRESHOLD, `a supervisor's file shows ${cell}`);
    const xlsx = await supervisor.agent.get("/api/v1/places/figures/2020.xlsx").buffer(true);
    assert.equal(xlsx.status, 200);
    assert.match(String(xlsx.headers["content-type"]), /spreadsheetml/);
    const audit = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'report.exported' AND subject_id LIKE 'places:%'`);
    assert.equal(audit.rows[0]!.n, 4);
  });

  it("when the dashboard and the printed report are opened, then the places table is there, in both languages, hidden cells as x for a supervisor", async () => {
    const dash = await admin.agent.get("/staff/dashboard?period=2020-Q1");
    assert.equal(dash.status, 200);
    assert.match(dash.text, /id="dashboard-places-table"/);
    const csvHref = /href="(\/api\/v1\/places\/figures\/2020-Q1\.csv\?[^"]*)"/.exec(dash.text)?.[1];
    assert.ok(csvHref, "the dashboard links to the places table's CSV");
    assert.equal((await admin.agent.get(csvHref.replace(/&amp;/g, "&"))).status, 200);
    const want = expected(truth, "2020-01-01", "2020-03-31");
    const foot = /<tfoot>([\s\S]*?)<\/tfoot>/.exec(/id="dashboard-places-table"[\s\S]*?<\/table>/.exec(dash.text)![0])![1]!;
    const cells = [...foot.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]!.trim());
    assert.deepEqual(cells.slice(0, 6), [want.detected, want.eliminated, want.reEmerged, want.replanted, want.toHandle, want.handled].map(String));
    const print = await admin.agent.get("/staff/reports/print?period=2020&lang=en");
    assert.equal(print.status, 200);
    assert.match(print.text, /id="doc-places-table"/);
    assert.match(print.text, /Share eliminated in 2020/);
    const sup = await supervisor.agent.get("/staff/dashboard?period=2020-Q1");
    assert.equal(sup.status, 200);
    const table = /id="dashboard-places-table"[\s\S]*?<\/table>/.exec(sup.text)![0];
    for (const m of table.matchAll(/<td>(\d+)<\/td>/g)) assert.ok(Number(m[1]) === 0 || Number(m[1]) >= THRESHOLD, `a supervisor sees ${m[1]}`);
  });
});
