/**
 * The police results' quantities (plants destroyed, area in m², people dealt
 * with, grams seized) summed by the reports — the plan's figures — checked
 * against a calculation made here from the generated cases: Bến Tre calendar
 * months from the platform's time zone database, only cases that have a result
 * (a reopened case's old figures do not count). Supervisors get the district
 * sums exact and a commune's sums only where its count of resolved cases is
 * shown.
 */
import assert from "node:assert/strict";
import { startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { insertTips, type FixtureTip } from "./tipFixture.js";
import { POLICE_OUTCOMES } from "../../src/cases/workflow.js";

const THRESHOLD = 3;
const OUTCOMES = POLICE_OUTCOMES;
const QUANTITIES = ["plantsDestroyed", "areaM2", "peopleHandled", "seizedGrams"] as const;
type Q = (typeof QUANTITIES)[number];
/** The CSV headings, as the police result form names them. */
const HEADINGS: Record<Q, string> = {
  plantsDestroyed: "Số cây có chất ma túy đã nhổ bỏ",
  areaM2: "Diện tích trồng cây có chất ma túy đã xóa bỏ (m²)",
  peopleHandled: "Số người bị xử lý",
  seizedGrams: "Ma túy thu giữ (gam)",
};

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

describe("statistics: what the police results add up to", function () {
  this.timeout(180_000);
  let app: TestApp;
  let admin: Awaited<ReturnType<typeof signIn>>;
  let supervisor: Awaited<ReturnType<typeof signIn>>;
  const generated: FixtureTip[] = [];
  let communes831: string[];

  before(async () => {
    app = await startTestApp({ env: { SMALL_NUMBER_THRESHOLD: String(THRESHOLD) } });
    await resetData(app);
    const tree = await app.ctx.units.tree();
    communes831 = tree.districts.find((d) => d.code === "831")!.communes.map((c) => c.code);
    // Two busy communes of 831 (counts above the threshold), four quiet ones (small counts), three of 829.
    const busy = communes831.slice(0, 2).map((c) => ["831", c] as const);
    const places = [...busy, ...busy, ...busy, ...communes831.slice(2, 6).map((c) => ["831", c] as const), ...tree.districts.find((d) => d.code === "829")!.communes.slice(0, 3).map((c) => ["829", c.code] as const)];
    const rand = rng(2020);
    const int = (n: number) => Math.floor(rand() * n);
    for (let i = 0; i < 360; i++) {
      const [district, commune] = places[int(places.length)]!;
      // January to June 2020, some on the edges of a month in Bến Tre (00:00 on the 1st, 23:59 on the last day).
      const month = int(6);
      const edge = rand();
      const day = edge < 0.15 ? 1 : edge < 0.3 ? new Date(Date.UTC(2020, month + 1, 0)).getUTCDate() : 2 + int(26);
      const time = edge < 0.15 ? "00:00" : edge < 0.3 ? "23:59" : "09:30";
      const received = `2020-${String(month + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}T${time}:00+07:00`;
      const resolved = rand() < 0.6;
      const q = (p: number, f: () => number) => (rand() < p ? f() : undefined);
      const quantities = {
        plantsDestroyed: q(0.5, () => int(400)),
        areaM2: q(0.4, () => int(2000)),
        peopleHandled: q(0.5, () => int(6)),
        seizedGrams: q(0.4, () => Math.round(rand() * 50_000) / 100),
      };
      // A case without a result may still carry figures (recorded, then reopened): they must not count.
      const base: FixtureTip = { received, category: "cultivation", district, commune, triageH: 2, triage: "actionable", forwardH: 1, ackH: 3, status: resolved ? "resolved" : "verifying" };
      generated.push(resolved ? { ...base, outcome: OUTCOMES[int(OUTCOMES.length)], ...quantities } : { ...base, ...(rand() < 0.3 ? quantities : {}) });
    }
    await insertTips(app.ctx.database.db, generated);
    await anAdministrator(app.ctx);
    admin = await signIn(app, "admin@example.org");
    supervisor = await signIn(app, (await aStaffMember(app.ctx, "supervisor", null)).email);
  });
  after(async () => app?.stop());

  /** Independent: the Bến Tre month of a time, from the platform's time zone database. */
  const monthOf = (iso: string) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" }).format(new Date(iso)).slice(0, 7);
  const expected = (months: string[], where: (t: FixtureTip) => boolean) => {
    const sums: Record<Q, number> = { plantsDestroyed: 0, areaM2: 0, peopleHandled: 0, seizedGrams: 0 };
    let resolved = 0;
    for (const t of generated) {
      if (!t.outcome || !months.includes(monthOf(t.received)) || !where(t)) continue;
      resolved++;
      for (const k of QUANTITIES) sums[k] += t[k] ?? 0;
    }
    sums.seizedGrams = Math.round(sums.seizedGrams * 100) / 100;
    return { sums, resolved };
  };

  it("when the statistics of a quarter, a month and a custom period are asked, then the quantities are the sums of the resolved cases received in them", async () => {
    for (const [query, months] of [
      ["period=2020-Q1", ["2020-01", "2020-02", "2020-03"]],
      ["period=2020-05", ["2020-05"]],
      ["from=2020-02-01&to=2020-06-30", ["2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]],
    ] as const) {
      for (const scope of [null, "829", "831"]) {
        const r = await admin.agent.get(`/api/v1/stats?${query}${scope ? `&scope=district:${scope}` : ""}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const want = expected([...months], (t) => !scope || t.district === scope);
        assert.ok(want.sums.plantsDestroyed > 0 && want.sums.seizedGrams > 0, "the data has figures to add");
        assert.deepEqual(r.body.resolved.quantities, want.sums, `${query} ${scope ?? "province"}`);
        // A supervisor sees the same district and province totals: they are not small counts.
        assert.deepEqual((await supervisor.agent.get(`/api/v1/stats?${query}${scope ? `&scope=district:${scope}` : ""}`)).body.resolved.quantities, want.sums);
      }
    }
  });

  it("when a district's quarter is exported, then every row's quantities match; a supervisor sees a commune's only where its resolved count is shown", async () => {
    const months = ["2020-01", "2020-02", "2020-03"];
    const table = async (who: typeof admin) => {
      const res = await who.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:831").buffer(true);
      assert.equal(res.status, 200, res.text);
      const [, header, ...lines] = res.text.replace(/^\uFEFF/, "").split("\r\n").filter(Boolean);
      const heads = header!.split(";").map((h) => h.replace(/^"|"$/g, ""));
      for (const name of ["Đã xử lý xong", ...Object.values(HEADINGS)]) assert.ok(heads.includes(name), `a column "${name}" in ${heads.join(" | ")}`);
      return new Map(lines.map((l) => l.split(";")).filter((c) => /^\d+$/.test(c[1]!)).map((c) => [c[1]!, c]));
    };
    const exact = await table(admin);
    const seen = await table(supervisor);
    const res = await admin.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:831").buffer(true);
    const heads = res.text.replace(/^\uFEFF/, "").split("\r\n")[1]!.split(";").map((h) => h.replace(/^"|"$/g, ""));
    const idx = (name: string) => heads.indexOf(name);
    let hiddenSeen = 0;
    let shownSeen = 0;
    for (const code of ["831", ...communes831]) {
      const want = expected(months, (t) => (code === "831" ? t.district === "831" : t.commune === code));
      const row = exact.get(code)!;
      assert.ok(row, `a row for ${code}`);
      for (const k of QUANTITIES) assert.equal(Number(row[idx(HEADINGS[k])]), want.sums[k], `${code} ${k}`);
      const sup = seen.get(code)!;
      if (code === "831") {
        for (const k of QUANTITIES) assert.equal(Number(sup[idx(HEADINGS[k])]), want.sums[k], `the district's ${k} is exact for a supervisor`);
        continue;
      }
      const resolvedHidden = sup[idx("Đã xử lý xong")] === "x";
      for (const k of QUANTITIES) {
        if (resolvedHidden) assert.equal(sup[idx(HEADINGS[k])], "x", `${code} ${k} hidden with its resolved count`);
        else assert.equal(Number(sup[idx(HEADINGS[k])]), want.sums[k], `${code} ${k} shown exactly`);
      }
      if (resolvedHidden) hiddenSeen++;
      else if (want.resolved > 0) shownSeen++;
      if (want.resolved >= 1 && want.resolved < THRESHOLD) assert.ok(resolvedHidden, `${code}: ${want.resolved} resolved cases are a small count`);
    }
    assert.ok(hiddenSeen > 0 && shownSeen > 0, `the data shows both cases (hidden ${hiddenSeen}, shown ${shownSeen})`);
  });
});
