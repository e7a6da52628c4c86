/**
 * The numbers #15 found wrong, checked against calculations made here and not
 * by the code under test: "same period last year" in Vietnam's calendar
 * (29 February → 28 February, Bến Tre midnights), commune-scope and custom
 * exports, and unit type labels taken from the units data.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { computeStats } from "../../src/stats/statistics.js";
import { customPeriod, parsePeriod, sameLastYear } from "../../src/stats/periods.js";
import { insertTips, type FixtureTip } from "./tipFixture.js";

/** Bến Tre's calendar day of an instant, by the platform's time-zone database (not by our offset arithmetic). */
const vnDay = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
const iso = (p: { from: Date; to: Date }) => [p.from.toISOString(), p.to.toISOString()];

/** A tiny deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

const readCsv = (res: request.Response, cb: (err: Error | null, body: string) => void) => {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, new TextDecoder("utf-8").decode(Buffer.concat(chunks)).replace(/^\uFEFF/, "")));
};

describe("right numbers", function () {
  this.timeout(120_000);

  describe("the same period last year", () => {
    it("when the period is a whole month, quarter or year, then last year's is the same calendar months from Bến Tre midnight", () => {
      // March 2020 runs from 1 March 00:00 in Bến Tre = 29 Feb 17:00 UTC; last year's from 1 March 2019 00:00 = 28 Feb 17:00 UTC.
      assert.deepEqual(iso(sameLastYear(parsePeriod("2020-03")!.from, parsePeriod("2020-03")!.to)), ["2019-02-28T17:00:00.000Z", "2019-03-31T17:00:00.000Z"]);
      assert.deepEqual(iso(sameLastYear(parsePeriod("2020-02")!.from, parsePeriod("2020-02")!.to)), ["2019-01-31T17:00:00.000Z", "2019-02-28T17:00:00.000Z"]);
      assert.deepEqual(iso(sameLastYear(parsePeriod("2021-02")!.from, parsePeriod("2021-02")!.to)), ["2020-01-31T17:00:00.000Z", "2020-02-29T17:00:00.000Z"], "February 2021 compares with the whole of February 2020, 29th included");
      assert.deepEqual(iso(sameLastYear(parsePeriod("2020-Q1")!.from, parsePeriod("2020-Q1")!.to)), ["2018-12-31T17:00:00.000Z", "2019-03-31T17:00:00.000Z"]);
      assert.deepEqual(iso(sameLastYear(parsePeriod("2020")!.from, parsePeriod("2020")!.to)), ["2018-12-31T17:00:00.000Z", "2019-12-31T17:00:00.000Z"]);
      const wholeFeb = customPeriod("2021-02-01", "2021-02-28")!;
      assert.deepEqual(iso(sameLastYear(wholeFeb.from, wholeFeb.to)), ["2020-01-31T17:00:00.000Z", "2020-02-29T17:00:00.000Z"]);
    });

    it("when a custom period starts or ends on 29 February, then last year's starts or ends on 28 February", () => {
      const leapDay = customPeriod("2020-02-29", "2020-02-29")!;
      // 28 February 2019 in Bến Tre = [27 Feb 17:00 UTC, 28 Feb 17:00 UTC).
      assert.deepEqual(iso(sameLastYear(leapDay.from, leapDay.to)), ["2019-02-27T17:00:00.000Z", "2019-02-28T17:00:00.000Z"]);
      const toLeap = customPeriod("2020-02-10", "2020-02-29")!;
      assert.deepEqual(iso(sameLastYear(toLeap.from, toLeap.to)), ["2019-02-09T17:00:00.000Z", "2019-02-28T17:00:00.000Z"]);
      const fromLeap = customPeriod("2020-02-29", "2020-03-05")!;
      assert.deepEqual(iso(sameLastYear(fromLeap.from, fromLeap.to)), ["2019-02-27T17:00:00.000Z", "2019-03-05T17:00:00.000Z"]);
      const toFeb28 = customPeriod("2020-02-01", "2020-02-28")!;
      assert.deepEqual(iso(sameLastYear(toFeb28.from, toFeb28.to)), ["2019-01-31T17:00:00.000Z", "2019-02-28T17:00:00.000Z"], "28 February 2019 is included, not lost");
    });

    describe("on data", () => {
      const app = useTestApp();
      before(async () => {
        await resetData(app);
      });

      it("when March 2020 is compared with March 2019, then an actionable tip at 00:00 on 1 March 2019 in Bến Tre counts and one at 23:59 on 28 February does not", async () => {
        const actionable = (received: string, commune: string): FixtureTip => ({ received, category: "selling", district: "831", commune, triageH: 1, triage: "actionable" });
        await insertTips(app.ctx.database.db, [
          actionable("2019-03-01T00:00:00+07:00", "28801"),
          actionable("2019-03-01T06:59:00+07:00", "28804"), // 23:59 UTC on 28 February: a UTC calendar would put it in February
          actionable("2019-02-28T23:59:00+07:00", "28807"),
          actionable("2019-03-31T23:59:00+07:00", "28810"),
          actionable("2019-04-01T00:00:00+07:00", "28813"),
          actionable("2020-03-10T10:00:00+07:00", "28801"),
        ]);
        const march = parsePeriod("2020-03")!;
        const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: march.from, to: march.to, districtCode: "831" });
        // 28801, 28804 and 28810 — three communes; one now → −66.7%.
        assert.equal(s.drugCommunes.sameLastYear, 3);
        assert.equal(s.drugCommunes.changeVsLastYear, -66.7);
      });

      it("when random custom periods of 2020 are compared with 2019, then every count equals one made from Bến Tre calendar days", async () => {
        await resetData(app);
        const rand = rng(20200229);
        const communes = ["28801", "28804", "28807", "28810", "28813", "28816", "28819", "28822", "28825", "28828"];
        const tips: FixtureTip[] = [];
        // Tips crowd the midnights around February and March 2019 (local 23:59 and 00:00), the rest spread over the year.
        for (let i = 0; i < 160; i++) {
          const day = i < 100 ? new Date(Date.UTC(2019, 1, 20 + Math.floor(rand() * 20))) : new Date(Date.UTC(2019, 0, 1 + Math.floor(rand() * 365)));
          const minute = rand() < 0.5 ? (rand() < 0.5 ? 0 : 23 * 60 + 59) : Math.floor(rand() * 1440);
          const local = new Date(day.getTime() + minute * 60_000);
          const received = local.toISOString().slice(0, 16) + ":00+07:00";
          tips.push({ received, category: "selling", district: "831", commune: communes[Math.floor(rand() * communes.length)]!, triageH: 1, triage: "actionable" });
        }
        await insertTips(app.ctx.database.db, tips);
        const day = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const back = (s: string) => (s.slice(5) === "02-29" ? `2019-02-28` : `2019${s.slice(4)}`);
        const cases: Array<[string, string]> = [["2020-02-29", "2020-02-29"], ["2020-02-01", "2020-02-29"], ["2020-03-01", "2020-03-01"], ["2020-02-28", "2020-03-01"]];
        for (let i = 0; i < 20; i++) {
          const a = new Date(Date.UTC(2020, 1, 15 + Math.floor(rand() * 25)));
          const b = new Date(a.getTime() + Math.floor(rand() * 20) * 86_400_000);
          cases.push([day(a.getUTCFullYear(), a.getUTCMonth() + 1, a.getUTCDate()), day(b.getUTCFullYear(), b.getUTCMonth() + 1, b.getUTCDate())]);
        }
        for (const [from, to] of cases) {
          const p = customPeriod(from, to)!;
          const [f, t] = [back(from), back(to)];
          const expected = new Set(tips.filter((x) => vnDay(new Date(x.received)) >= f && vnDay(new Date(x.received)) <= t).map((x) => x.commune)).size;
          const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: p.from, to: p.to });
          assert.equal(s.drugCommunes.sameLastYear, expected, `${from}..${to} → ${f}..${t}`);
        }
      });
    });
  });

  describe("exports", () => {
    let app: TestApp;
    let admin: Awaited<ReturnType<typeof signIn>>;
    before(async () => {
      app = await startTestApp();
      await resetData(app);
      await anAdministrator(app.ctx);
      admin = await signIn(app, "admin@example.org");
      const q1 = "2020-02-10T10:00:00+07:00";
      await insertTips(app.ctx.database.db, [
        { received: q1, category: "selling", district: "831", commune: "28801", triageH: 1, triage: "actionable" },
        { received: q1, category: "cultivation", district: "831", commune: "28801" },
        { received: q1, category: "selling", district: "831", commune: "28804" },
        { received: q1, category: "selling", district: "829", commune: "28756" },
        { received: "2020-03-01T00:00:00+07:00", category: "selling", district: "829", commune: "28756" },
      ]);
    });
    after(async () => app?.stop());

    it("when one commune is exported, then the CSV holds that commune's row only, labelled with its own type", async () => {
      const r = await admin.agent.get("/api/v1/reports/2020-Q1.csv?scope=commune:28801&sep=comma").buffer(true).parse(readCsv);
      assert.equal(r.status, 200);
      const lines = (r.body as string).split("\r\n").filter(Boolean);
      assert.equal(lines.length, 3, r.body);
      assert.match(lines[0]!, /quý 1 năm 2020 \(01\/01\/2020 – 31\/03\/2020\), Thị trấn Châu Thành, Huyện Châu Thành/, "the title line names the period and the commune");
      assert.match(lines[1]!, /^Loại đơn vị,Mã,Đơn vị,/);
      assert.equal(lines[2], "Thị trấn,28801,Thị trấn Châu Thành,2,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0");
    });

    it("when districts and communes are listed, then a city is a Thành phố, a ward a Phường, a township a Thị trấn", async () => {
      const r = await admin.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:829&sep=comma").buffer(true).parse(readCsv);
      const lines = (r.body as string).split("\r\n");
      assert.equal(lines[2], "Thành phố,829,Thành phố Bến Tre,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
      assert.ok(lines.includes("Phường,28756,Phường Phú Khương,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0"), r.body);
      const province = (await admin.agent.get("/api/v1/reports/2020-Q1.csv?sep=comma").buffer(true).parse(readCsv)).body as string;
      assert.ok(province.includes("\r\nHuyện,831,Huyện Châu Thành,3,"));
      assert.ok(province.includes("\r\nThành phố,829,Thành phố Bến Tre,2,"));
      const en = (await admin.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:829&lang=en&sep=comma").buffer(true).parse(readCsv)).body as string;
      assert.ok(en.includes("\r\nCity,829,") && en.includes("\r\nWard,28756,"), en);
    });

    it("when a custom period or a category is asked, then the CSV counts only those tips", async () => {
      // 10 February 2020 only: the tip of 1 March is outside.
      const custom = await admin.agent.get("/api/v1/reports/custom.csv?from=2020-02-01&to=2020-02-29&scope=district:829&sep=comma").buffer(true).parse(readCsv);
      assert.equal(custom.status, 200);
      assert.match(String(custom.headers["content-disposition"]), /homthu-2020-02-01_2020-02-29\.csv/);
      assert.ok((custom.body as string).includes("\r\nPhường,28756,Phường Phú Khương,1,"));
      const selling = (await admin.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:831&category=selling&sep=comma").buffer(true).parse(readCsv)).body as string;
      assert.ok(selling.includes("\r\nHuyện,831,Huyện Châu Thành,2,"), selling);
      assert.ok(selling.includes("\r\nThị trấn,28801,Thị trấn Châu Thành,1,"));
      assert.equal((await admin.agent.get("/api/v1/reports/custom.csv?from=2020-02-31&to=2020-03-01")).status, 400);
      assert.equal((await admin.agent.get("/api/v1/reports/custom.csv")).status, 400);
    });
  });
});
