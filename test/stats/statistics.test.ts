/**
 * The plan's figures against a fixture of cases with known counts and times:
 * quarter 2 of 2020 (with tips on both of its Vietnam-midnight boundaries),
 * the quarter before it and the same quarter of 2019. Every number below is
 * worked out by hand in the comments, not taken from the code under test.
 * Then the periods, the "<3" rule, the CSV export and who may see what.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { computeStats } from "../../src/stats/statistics.js";
import { currentQuarter, customPeriod, parsePeriod } from "../../src/stats/periods.js";
import { toCsv } from "../../src/stats/reportTable.js";
import { hiddenInGroup, shownPrimary } from "../../src/stats/suppression.js";
import { insertTips, type FixtureTip } from "./tipFixture.js";

const HOUR = 3_600_000;
const inAnHour = () => new Date(Date.now() + 24 * HOUR);
const longAgo = () => new Date(Date.now() - 24 * HOUR);

/**
 * Quarter 2 of 2020 = [2020-04-01 00:00, 2020-07-01 00:00) in Bến Tre = [2020-03-31T17:00Z, 2020-06-30T17:00Z).
 * Receipt → triage hours of the triaged tips: 2, 1, 30, 5, 6, 10, 8, 24, 4.
 * Forwarding → acknowledgement hours: 10, 50, 20, 48 (T11 is not acknowledged yet).
 */
const CURRENT: FixtureTip[] = [
  /* T1  */ { received: "2020-04-10T09:00:00+07:00", category: "cultivation", district: "831", commune: "28801", triageH: 2, triage: "actionable", forwardH: 3, ackH: 10, outcome: "plants_destroyed", plantsDestroyed: 120, areaM2: 250, peopleHandled: 3 },
  /* T2  */ { received: "2020-04-11T09:00:00+07:00", category: "selling", district: "831", commune: "28801", urgent: true, triageH: 1, triage: "actionable", forwardH: 1, ackH: 50, outcome: "spot_eliminated" },
  /* T3  */ { received: "2020-05-02T08:00:00+07:00", category: "storage", district: "831", commune: "28804", source: "mailbox", triageH: 30, triage: "actionable", forwardH: 2, ackH: 20, outcome: "nothing_found" },
  /* T4  */ { received: "2020-05-03T08:00:00+07:00", category: "using", district: "832", commune: "28870", source: "phone", triageH: 5, triage: "not_actionable", reason: "false_or_malicious", status: "closed" },
  /* T5  */ { received: "2020-05-04T08:00:00+07:00", category: "other", district: "832", commune: "28870", triageH: 6, triage: "not_actionable", reason: "false_or_malicious", status: "closed" },
  /* T6  */ { received: "2020-05-05T08:00:00+07:00", category: "selling", district: "832", commune: "28873", triageH: 10, triage: "duplicate", status: "closed" },
  /* T7  */ { received: "2020-06-01T08:00:00+07:00", category: "help_request", district: "831", commune: "28807", referred: true, outcome: "referred_counselling", status: "closed" },
  /* T8  */ { received: "2020-06-02T08:00:00+07:00", category: "help_request", district: "829", commune: "28762", referred: false, outcome: "not_referred", status: "closed" },
  /* T9  */ { received: "2020-06-03T08:00:00+07:00", category: "help_request", district: "829", commune: "28762", referred: true, outcome: "referred_treatment", status: "closed" },
  /* T10 */ { received: "2020-06-10T08:00:00+07:00", category: "cultivation", district: "829", commune: "28756", urgent: true, status: "needs_info", deadlineAt: new Date("2020-06-10T12:00:00+07:00") },
  /* T11 */ { received: "2020-06-20T08:00:00+07:00", category: "luring_minors", district: "831", commune: "28801", triageH: 8, triage: "actionable", forwardH: 1, status: "forwarded", deadlineAt: inAnHour() },
  /* T12 */ { received: "2020-06-25T08:00:00+07:00", category: "selling", district: "832", commune: "28873", triageH: 24, triage: "needs_info", status: "needs_info" },
  /* T13 */ { received: "2020-04-01T00:00:00+07:00", category: "cultivation", district: "829", commune: "28759", triageH: 4, triage: "actionable", forwardH: 1, ackH: 48, outcome: "spot_eliminated" },
  /* T14 */ { received: "2020-06-30T23:59:00+07:00", category: "other", district: "833", commune: "28903", status: "needs_info" },
];

/** Quarter 1 of 2020: actionable tips in 28810 and 28813 (twice) → 2 communes; a help request and a not-actionable tip do not count. */
const PREVIOUS: FixtureTip[] = [
  { received: "2020-03-31T23:59:00+07:00", category: "selling", district: "831", commune: "28810", triageH: 1, triage: "actionable" },
  { received: "2020-02-01T10:00:00+07:00", category: "cultivation", district: "831", commune: "28813", triageH: 1, triage: "actionable" },
  { received: "2020-01-01T00:00:00+07:00", category: "cultivation", district: "831", commune: "28813", triageH: 1, triage: "actionable" },
  { received: "2020-02-02T10:00:00+07:00", category: "help_request", district: "831", commune: "28816", triageH: 1, triage: "actionable" },
  { received: "2020-03-01T10:00:00+07:00", category: "selling", district: "831", commune: "28819", triageH: 1, triage: "not_actionable" },
  // The next quarter: counted nowhere, but overdue now (overdue is a state of today, not of the period).
  { received: "2020-07-01T00:00:00+07:00", category: "selling", district: "831", commune: "28822", triageH: 1, triage: "actionable", deadlineAt: longAgo() },
];

/** Quarter 2 of 2019: 28801 (twice), 28804, 28870, 28756 → 4 communes; one tip on each side of the quarter does not count. */
const LAST_YEAR: FixtureTip[] = [
  { received: "2019-04-05T10:00:00+07:00", category: "selling", district: "831", commune: "28801", triageH: 1, triage: "actionable" },
  { received: "2019-06-30T23:59:00+07:00", category: "selling", district: "831", commune: "28801", triageH: 1, triage: "actionable" },
  { received: "2019-05-05T10:00:00+07:00", category: "selling", district: "831", commune: "28804", triageH: 1, triage: "actionable" },
  { received: "2019-05-06T10:00:00+07:00", category: "selling", district: "832", commune: "28870", triageH: 1, triage: "actionable" },
  { received: "2019-04-01T00:00:00+07:00", category: "selling", district: "829", commune: "28756", triageH: 1, triage: "actionable" },
  { received: "2019-03-31T23:59:00+07:00", category: "selling", district: "829", commune: "28759", triageH: 1, triage: "actionable" },
  { received: "2019-07-01T00:00:00+07:00", category: "selling", district: "829", commune: "28762", triageH: 1, triage: "actionable" },
];

/** Read a response body as bytes (the CSV's BOM must be checked before any decoding). */
const bytes = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
};

describe("statistics", function () {
  this.timeout(120_000);
  const app = useTestApp();
  const Q2 = parsePeriod("2020-Q2")!;

  before(async () => {
    await resetData(app);
    await insertTips(app.ctx.database.db, [...CURRENT, ...PREVIOUS, ...LAST_YEAR]);
  });

  describe("the figures of a quarter", () => {
    it("when the province's quarter is computed, then every figure matches the fixture", async () => {
      const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: Q2.from, to: Q2.to });
      assert.deepEqual(s.period, { from: "2020-03-31T17:00:00.000Z", to: "2020-06-30T17:00:00.000Z" });
      // T1–T14, including T13 at 00:00 on 1 April and T14 at 23:59 on 30 June (Bến Tre time).
      assert.equal(s.received.total, 14);
      assert.equal(s.received.urgent, 2);
      assert.deepEqual(s.received.byCategory, { cultivation: 3, selling: 3, storage: 1, using: 1, other: 2, help_request: 3, luring_minors: 1 });
      assert.deepEqual(s.received.bySource, { web: 12, mailbox: 1, phone: 1 });
      assert.deepEqual(s.received.byDistrict, { "831": 5, "832": 4, "829": 4, "833": 1 });
      assert.deepEqual(s.received.byCommune, { "28801": 3, "28804": 1, "28807": 1, "28870": 2, "28873": 2, "28762": 2, "28756": 1, "28759": 1, "28903": 1 });
      assert.deepEqual(s.triage.byOutcome, { actionable: 5, not_actionable: 2, duplicate: 1, needs_info: 1 });
      assert.equal(s.triage.falseOrMalicious, 2);
      assert.equal(s.triage.misuseRate, 2 / 9, "two false reports among nine triaged");
      assert.equal(s.forwarded, 5);
      assert.deepEqual(s.resolved, {
        total: 7,
        byOutcome: { plants_destroyed: 1, spot_eliminated: 2, nothing_found: 1, referred_counselling: 1, not_referred: 1, referred_treatment: 1 },
        // What T1's police result recorded.
        quantities: { plantsDestroyed: 120, areaM2: 250, peopleHandled: 3, seizedGrams: 0 },
      });
    });

    it("when the times are computed, then medians and 90th percentiles are those of the fixture's hours", async () => {
      const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: Q2.from, to: Q2.to });
      // Sorted: 1 2 4 5 6 8 10 24 30 → median 6; p90 at rank 0.9 × 8 = 7.2 → 24 + 0.2 × (30 − 24) = 25.2.
      // Within the deadline: the urgent T2 (1 h ≤ 4 h) and every normal one ≤ 24 h but T3 (30 h) → 8 of 9.
      assert.deepEqual(s.timing.receiptToTriage, { medianHours: 6, p90Hours: 25.2, withinDeadlineShare: 8 / 9, count: 9 });
      // Sorted: 10 20 48 50 → median 34; p90 at rank 2.7 → 48 + 0.7 × 2 = 49.4; ≤ 48 h: three of four.
      assert.deepEqual(s.timing.forwardToAcknowledge, { medianHours: 34, p90Hours: 49.4, withinDeadlineShare: 0.75, count: 4 });
      // T10's deadline passed in 2020; the next quarter's tip is overdue too; T11's runs till tomorrow.
      assert.equal(s.overdueNow, 2);
    });

    it("when communes with drug problems are compared, then the previous quarter and the same quarter last year give the changes against the −5% target", async () => {
      const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: Q2.from, to: Q2.to });
      // Now: 28801 (T1, T2, T11), 28804 (T3), 28759 (T13) — help requests and other outcomes do not count.
      assert.deepEqual(s.drugCommunes, { current: 3, previousPeriod: 2, sameLastYear: 4, changeVsPrevious: 50, changeVsLastYear: -25, reductionTarget: -5, targetMet: true });
      // Help requests: three received (T7–T9), but none has a triage time in this fixture, and the 80% figure
      // divides by the requests triaged in the period (test/help/helpServices.test.ts checks it on generated data).
      const byKind = { counselling: 0, methadone: 0, voluntary_rehab: 0, community_rehab: 0, unspecified: 0 };
      assert.deepEqual(s.helpRequests, { total: 3, triaged: 0, referred: 0, referredShare: null, target: 0.8, byKind });
    });

    it("when the scope is a district or a category, then only its cases count", async () => {
      const d = await computeStats(app.ctx.database.db, app.ctx.config, { from: Q2.from, to: Q2.to, districtCode: "831" });
      assert.equal(d.received.total, 5);
      assert.deepEqual(d.received.byDistrict, { "831": 5 });
      // 831 now: 28801, 28804; before: 28810, 28813; a year ago: 28801, 28804 → no change, target missed.
      assert.deepEqual(d.drugCommunes, { current: 2, previousPeriod: 2, sameLastYear: 2, changeVsPrevious: 0, changeVsLastYear: 0, reductionTarget: -5, targetMet: false });
      assert.equal(d.overdueNow, 1, "the next quarter's overdue tip is in 831; T10 is not");

      const c = await computeStats(app.ctx.database.db, app.ctx.config, { from: Q2.from, to: Q2.to, category: "selling" });
      assert.equal(c.received.total, 3);
      assert.deepEqual(c.triage.byOutcome, { actionable: 1, duplicate: 1, needs_info: 1 });
      // Selling: now 28801 (T2); Q1: 28810; 2019 Q2: four communes → −75%.
      assert.deepEqual(c.drugCommunes, { current: 1, previousPeriod: 1, sameLastYear: 4, changeVsPrevious: 0, changeVsLastYear: -75, reductionTarget: -5, targetMet: true });

      const m = await computeStats(app.ctx.database.db, app.ctx.config, { from: Q2.from, to: Q2.to, communeCode: "28870" });
      assert.equal(m.received.total, 2);
      assert.equal(m.triage.misuseRate, 1);
    });

    it("when nothing happened in a period, then shares and changes are null rather than zero or infinite", async () => {
      const p = parsePeriod("2018")!;
      const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: p.from, to: p.to });
      assert.equal(s.received.total, 0);
      assert.equal(s.triage.misuseRate, null);
      assert.deepEqual(s.timing.receiptToTriage, { medianHours: null, p90Hours: null, withinDeadlineShare: null, count: 0 });
      assert.equal(s.drugCommunes.changeVsPrevious, null);
      assert.equal(s.drugCommunes.targetMet, null);
      assert.equal(s.helpRequests.referredShare, null);
    });

    // Known bug (src/stats/statistics.ts, computeStats): the previous period is [from − length, from), so
    // before March (31 days) it starts on 30 January, and before a 92-day quarter on 31 March. Un-skip once fixed.
    it("when the period is a month, then the previous period is the calendar month before it", async () => {
      await insertTips(app.ctx.database.db, [
        { received: "2020-01-30T12:00:00+07:00", category: "selling", district: "834", commune: "28984", triageH: 1, triage: "actionable" },
        { received: "2020-02-10T12:00:00+07:00", category: "selling", district: "834", commune: "28987", triageH: 1, triage: "actionable" },
        { received: "2020-03-10T12:00:00+07:00", category: "selling", district: "834", commune: "28990", triageH: 1, triage: "actionable" },
      ]);
      const march = parsePeriod("2020-03")!;
      const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: march.from, to: march.to, districtCode: "834" });
      assert.equal(s.drugCommunes.previousPeriod, 1, "February only, not 30–31 January");
    });
  });

  describe("periods", () => {
    it("when a year, quarter or month is named, then it runs from Bến Tre midnight to Bến Tre midnight", () => {
      const iso = (p: ReturnType<typeof parsePeriod>) => p && { from: p.from.toISOString(), to: p.to.toISOString(), label: p.label, kind: p.kind };
      assert.deepEqual(iso(parsePeriod("2020")), { from: "2019-12-31T17:00:00.000Z", to: "2020-12-31T17:00:00.000Z", label: "2020", kind: "year" });
      assert.deepEqual(iso(parsePeriod("2020-Q2")), { from: "2020-03-31T17:00:00.000Z", to: "2020-06-30T17:00:00.000Z", label: "2020-Q2", kind: "quarter" });
      assert.deepEqual(iso(parsePeriod("2020-q4")), { from: "2020-09-30T17:00:00.000Z", to: "2020-12-31T17:00:00.000Z", label: "2020-Q4", kind: "quarter" });
      assert.deepEqual(iso(parsePeriod("2020-03")), { from: "2020-02-29T17:00:00.000Z", to: "2020-03-31T17:00:00.000Z", label: "2020-03", kind: "month" });
      assert.deepEqual(iso(parsePeriod("2020-12")), { from: "2020-11-30T17:00:00.000Z", to: "2020-12-31T17:00:00.000Z", label: "2020-12", kind: "month" });
      for (const bad of ["2020-13", "2020-00", "2020-Q5", "2020-Q0", "20", "2020-3", "2020-03-01", "", "2020 ", "Q1-2020"]) assert.equal(parsePeriod(bad), null, bad);
    });

    it("when a custom period is given, then both days are included and a reversed or malformed one is refused", () => {
      const p = customPeriod("2020-03-01", "2020-03-15")!;
      assert.equal(p.from.toISOString(), "2020-02-29T17:00:00.000Z");
      assert.equal(p.to.toISOString(), "2020-03-15T17:00:00.000Z");
      assert.equal(p.label, "2020-03-01..2020-03-15");
      assert.equal(p.kind, "custom");
      assert.equal(customPeriod("2020-03-15", "2020-03-15")!.to.getTime() - customPeriod("2020-03-15", "2020-03-15")!.from.getTime(), 24 * HOUR, "one day");
      assert.equal(customPeriod("2020-03-16", "2020-03-15"), null);
      assert.equal(customPeriod("2020-3-1", "2020-03-15"), null);
      assert.equal(customPeriod("yesterday", "today"), null);
    });

    // Known bug (src/stats/periods.ts, customPeriod): Date.UTC rolls impossible dates over, so 31 February is taken as 2 March.
    it("when a custom period names a day that does not exist, then it is refused", () => {
      assert.equal(customPeriod("2020-02-31", "2020-03-15"), null);
      assert.equal(customPeriod("2020-13-01", "2020-13-05"), null);
    });

    it("when the current quarter is asked at 00:30 on 1 April in Bến Tre, then it is already the second quarter", () => {
      assert.equal(currentQuarter(new Date("2020-03-31T17:30:00Z")).label, "2020-Q2");
      assert.equal(currentQuarter(new Date("2020-03-31T16:59:00Z")).label, "2020-Q1");
    });
  });

  describe("small numbers and exports", () => {
    it("when a count is between 1 and the threshold, then it is hidden as x; zero and larger counts stay", () => {
      assert.deepEqual([0, 1, 2, 3, 10].map((n) => shownPrimary(n, 3)), [0, "x", "x", 3, 10]);
      assert.deepEqual([0, 1, 4, 5].map((n) => shownPrimary(n, 5)), [0, "x", "x", 5]);
      assert.deepEqual([1, 2].map((n) => shownPrimary(n, 0)), [1, 2], "threshold 0 turns the rule off");
    });

    it("when a group's total is published, then one hidden cell never stands alone and hidden cells are never all ones", () => {
      const hide = (values: number[]) => [...hiddenInGroup(values.map((value, i) => ({ key: `c${i}`, value })), 3)].sort();
      assert.deepEqual(hide([2, 5, 7, 0]), ["c0", "c1"], "the smallest non-zero visible cell joins the small one");
      assert.deepEqual(hide([1, 2, 9]), ["c0", "c1"], "two small cells (1 + 2) already protect each other");
      assert.deepEqual(hide([1, 1, 4, 6]), ["c0", "c1", "c2"], "1 + 1 = 2 would pin both down: a third cell joins");
      assert.deepEqual(hide([1, 0, 0]), ["c0", "c1"], "nothing else to hide: a zero joins");
      assert.deepEqual(hide([0, 3, 8]), [], "nothing small, nothing hidden");
      assert.deepEqual(hide([2]), ["c0"], "a group of one has no complement (documented)");
    });

    it("when a CSV is built, then it starts with the BOM, quotes commas, quotes and line breaks, and defuses formulas", () => {
      const csv = toCsv(["Đơn vị", "Số"], [["Huyện Châu Thành", 3], ["Ấp 3, xã An Khánh", 1], ['Nhà "cổng xanh"', 2], ["dòng 1\ndòng 2", 0], ["=HYPERLINK(\"http://x\")", 0], ["+1", 0], ["-1", 0], ["@SUM(A1)", 0]]);
      assert.ok(csv.startsWith("\uFEFF"));
      const lines = csv.slice(1).split("\r\n");
      assert.equal(lines[0], "Đơn vị,Số");
      assert.equal(lines[1], "Huyện Châu Thành,3");
      assert.equal(lines[2], '"Ấp 3, xã An Khánh",1');
      assert.equal(lines[3], '"Nhà ""cổng xanh""",2');
      assert.equal(lines[4], '"dòng 1\ndòng 2",0');
      assert.equal(lines[5], `"'=HYPERLINK(""http://x"")",0`);
      assert.equal(lines[6], `"'+1",0`);
      assert.equal(lines[7], `"'-1",0`);
      assert.equal(lines[8], `"'@SUM(A1)",0`);
      assert.ok(csv.endsWith("\r\n"));
    });

    describe("through the API", () => {
      let admin: Awaited<ReturnType<typeof signIn>>;
      let supervisor: Awaited<ReturnType<typeof signIn>>;
      let liaison: Awaited<ReturnType<typeof signIn>>;
      let police: Awaited<ReturnType<typeof signIn>>;

      before(async () => {
        await anAdministrator(app.ctx);
        admin = await signIn(app, "admin@example.org");
        supervisor = await signIn(app, (await aStaffMember(app.ctx, "supervisor", null)).email);
        liaison = await signIn(app, (await aStaffMember(app.ctx, "liaison", "831")).email);
        police = await signIn(app, (await aStaffMember(app.ctx, "police", null)).email);
      });

      it("when a supervisor asks for the quarter, then communes with one or two tips in a month read x, while an administrator gets the counts", async () => {
        const s = await supervisor.agent.get("/api/v1/stats?period=2020-Q2");
        assert.equal(s.status, 200, JSON.stringify(s.body));
        assert.equal(s.body.received.byCommune["28804"], "x");
        assert.equal(s.body.received.byCommune["28870"], "x");
        // Three in the quarter, but two of them in April: April's two would be the quarter minus May and June.
        assert.equal(s.body.received.byCommune["28801"], "x");
        assert.equal(Object.keys(s.body.received.byCommune).length, 164, "every commune is listed, so an absent key tells nothing");
        assert.equal(s.body.received.total, 14);
        assert.equal(s.body.period.label, "2020-Q2");
        const grouped = await supervisor.agent.get("/api/v1/stats?period=2020-Q2&groupBy=commune");
        assert.equal(grouped.body.groups["28807"], "x", "grouping by commune follows the rule too");

        const a = await admin.agent.get("/api/v1/stats?period=2020-Q2");
        assert.equal(a.body.received.byCommune["28804"], 1);
        assert.equal(a.body.received.byCommune["28870"], 2);
        assert.deepEqual(a.body.drugCommunes.current, 3);
      });

      // Known gap (src/routes/api/stats/stats.ts + statsAccess.ts): scope=commune:… gives a supervisor the
      // commune's exact totals, so the "<3" rule is bypassed. Un-skip once commune scope is refused or suppressed.
      it("when a supervisor asks for one commune's figures, then a count of one is not revealed", async () => {
        const r = await supervisor.agent.get("/api/v1/stats?period=2020-Q2&scope=commune:28804");
        assert.ok(r.status === 403 || r.body.received.total !== 1, JSON.stringify(r.body.received));
      });

      it("when the report is exported as CSV, then Excel gets a BOM and the Vietnamese names intact", async () => {
        const r = await admin.agent.get("/api/v1/reports/2020-Q2.csv?scope=district:831").buffer(true).parse(bytes);
        assert.equal(r.status, 200);
        assert.match(String(r.headers["content-type"]), /^text\/csv; charset=utf-8/);
        assert.match(String(r.headers["content-disposition"]), /attachment; filename="homthu-2020-Q2.csv"/);
        const body = r.body as Buffer;
        assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
        const text = new TextDecoder("utf-8").decode(body.subarray(3));
        // ";" by default (Excel set to Vietnamese), a title line with the period and the scope, then the header.
        const lines = text.split("\r\n");
        assert.equal(lines[0], '"Số liệu hòm thư tố giác ma túy quý 2 năm 2020 (01/04/2020 – 30/06/2020), Huyện Châu Thành"', "one cell, quoted for its comma");
        assert.equal(lines[1], 'Loại đơn vị;Mã;Đơn vị;Tin nhận được;Khẩn cấp;Có cơ sở xử lý;Đã chuyển công an;Đã xử lý xong;"Triệt phá điểm, tụ điểm ma túy";Nhổ bỏ cây có chất ma túy;Bắt giữ đối tượng;"Kiểm tra, không phát hiện vi phạm";Yêu cầu hỗ trợ cai nghiện;"Đã giới thiệu tư vấn, điều trị";"Tin sai sự thật, vu khống";Số cây có chất ma túy đã nhổ bỏ;Diện tích trồng cây có chất ma túy đã xóa bỏ (m²);Số người bị xử lý;Ma túy thu giữ (gam)');
        assert.equal(lines[2], "Huyện;831;Huyện Châu Thành;5;1;4;4;4;1;1;0;1;1;1;0;120;250;3;0");
        assert.ok(lines.includes("Thị trấn;28801;Thị trấn Châu Thành;3;1;3;3;2;1;1;0;0;0;0;0;120;250;3;0"), "a township is labelled as one");
        assert.ok(lines.includes("Xã;28804;Xã Tân Thạch;1;0;1;1;1;0;0;0;1;0;0;0;0;0;0;0"));
        assert.ok(lines.some((l) => l.startsWith("Xã;28807;Xã Qưới Sơn;1;")));
        const audited = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'report.exported' AND subject_id = '2020-Q2'`);
        assert.ok(audited.rows[0]!.n >= 1, "the export is audited");

        const s = await supervisor.agent.get("/api/v1/reports/2020-Q2.csv?scope=district:831").buffer(true).parse(bytes);
        const sup = new TextDecoder().decode(s.body as Buffer);
        const row = sup.split("\r\n").find((l) => l.startsWith("Xã;28804;"))!.split(";");
        // T3 in May: received, actionable, forwarded, resolved, nothing found — each the only one of its month in 28804.
        assert.deepEqual([row[3], row[5], row[6], row[7], row[11]], ["x", "x", "x", "x", "x"], "a supervisor's CSV follows the rule");
        assert.ok(!sup.includes("<3") && !/;1;|;2;|;[12]$/m.test(sup.split("\r\n").slice(1).filter((l) => !l.startsWith("Huyện")).join("\n")), "no commune cell of 1 or 2");
        assert.ok(sup.includes("Huyện;831;Huyện Châu Thành;5;"), "district rows are not commune-level cells");

        const en = await admin.agent.get("/api/v1/reports/2020-Q2.csv?lang=en").buffer(true).parse(bytes);
        assert.match(new TextDecoder("utf-8", { ignoreBOM: true }).decode(en.body as Buffer), /^\uFEFF"homthu drug tip line figures, quarter 2 of 2020 \(01\/04\/2020 – 30\/06\/2020\), the whole province"\r\nUnit type;Code;Unit;Tips received/);
        assert.equal((await admin.agent.get("/api/v1/reports/2020-Q9.csv")).status, 400);
      });

      it("when a liaison of 831 asks for 832, then it is refused; without a scope they get 831 only", async () => {
        assert.equal((await liaison.agent.get("/api/v1/stats?period=2020-Q2&scope=district:832")).status, 403);
        assert.equal((await liaison.agent.get("/api/v1/stats?period=2020-Q2&scope=commune:28870")).status, 403);
        assert.equal((await liaison.agent.get("/api/v1/reports/2020-Q2.csv?scope=district:832")).status, 403);
        const own = await liaison.agent.get("/api/v1/stats?period=2020-Q2");
        assert.equal(own.status, 200);
        assert.deepEqual(own.body.scope, { districtCode: "831" });
        assert.equal(own.body.received.total, 5);
        assert.deepEqual(own.body.received.byDistrict, { "831": 5 });
        assert.deepEqual(Object.keys(own.body.received.byCommune).sort(), ["28801", "28804", "28807"]);
        const csv = await liaison.agent.get("/api/v1/reports/2020-Q2.csv").buffer(true).parse(bytes);
        const text = new TextDecoder().decode(csv.body as Buffer);
        assert.ok(text.includes("Huyện Châu Thành") && !text.includes("Huyện Chợ Lách"));
      });

      it("when the police or a stranger asks for statistics, then they are refused", async () => {
        assert.equal((await police.agent.get("/api/v1/stats?period=2020-Q2")).status, 403);
        assert.equal((await police.agent.get("/api/v1/reports/2020-Q2.csv")).status, 403);
        assert.equal((await request(app.url).get("/api/v1/stats")).status, 401);
        assert.equal((await admin.agent.get("/api/v1/stats?period=2020-Q2&scope=everything")).status, 400);
      });
    });
  });
});
