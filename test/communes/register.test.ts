/**
 * The commune drug-situation register: generated classifications for three
 * years over the real Bến Tre tree, entered through the API (CSV import and
 * PUT), and every figure checked against a calculation written here from the
 * generated data alone — not with the code under test. Then the CSV round
 * trip, refusals (field-level, whole file), who may do what, the audit row,
 * and the staff page without JavaScript.
 */
import assert from "node:assert/strict";
import type { Response } from "supertest";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { translator } from "../../src/i18n/index.js";
import { rng } from "../support/random.js";

const translate = translator("vi");

const LEVELS = ["drug_free", "has_drugs", "key_type_3", "key_type_2", "key_type_1"] as const;
type Level = (typeof LEVELS)[number];

const csvLine = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",");

describe("commune drug-situation register", function () {
  this.timeout(180_000);
  const app = useTestApp();
  let admin: Awaited<ReturnType<typeof signIn>>;
  /** district code → its commune codes, read from the units table (not from the app's tree code). */
  const districts = new Map<string, string[]>();
  const names = new Map<string, string>();
  /** year → commune → level, as generated. */
  const truth = new Map<number, Map<string, Level>>();

  before(async () => {
    await resetData(app);
    const units = await app.ctx.database.db.execute<{ code: string; parent_code: string | null; level: string; name: string }>(sql`SELECT code, parent_code, level, name FROM units`);
    for (const u of units.rows) if (u.level === "commune") (districts.has(u.parent_code!) || districts.set(u.parent_code!, []), districts.get(u.parent_code!)!.push(u.code), names.set(u.code, u.name));
    await anAdministrator(app.ctx);
    admin = await signIn(app, "admin@example.org");
    // 2019, 2020, 2021: each commune classified with probability 0.9; drug-free more likely each year.
    const random = rng(20200426);
    for (const [year, freeChance] of [[2019, 0.3], [2020, 0.4], [2021, 0.5]] as const) {
      const m = new Map<string, Level>();
      for (const codes of districts.values())
        for (const c of codes) {
          if (random() < 0.1) continue;
          m.set(c, random() < freeChance ? "drug_free" : LEVELS[1 + Math.floor(random() * 4)]!);
        }
      truth.set(year, m);
    }
  });

  it("when a year is imported from CSV, then every commune in the file has its level and the rest stay unclassified", async () => {
    for (const year of [2019, 2020]) {
      const lines = [csvLine(["commune_code", "district", "commune", "level", "decision", "decided_on"])];
      for (const [code, level] of truth.get(year)!) lines.push(csvLine([code, "x", names.get(code)!, level, `${code}/QĐ-UBND`, `${year}-12-20`]));
      const r = await admin.agent.post(`/api/v1/communes/classification/${year}.csv`).set("X-CSRF-Token", admin.csrf).set("Content-Type", "text/csv").send("\uFEFF" + lines.join("\r\n") + "\r\n");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { year, imported: truth.get(year)!.size, changed: truth.get(year)!.size });
    }
    const g = await admin.agent.get("/api/v1/communes/classification?year=2020");
    assert.equal(g.status, 200);
    const all = [...districts.values()].flat();
    assert.equal(g.body.communes.length, all.length);
    for (const e of g.body.communes) assert.equal(e.level, truth.get(2020)!.get(e.code) ?? null, e.code);
  });

  it("when 2021 is entered commune by commune (PUT), then each answer says what it was before", async () => {
    let first = true;
    for (const [code, level] of truth.get(2021)!) {
      const r: Response = await admin.agent.put(`/api/v1/communes/${code}/classification/2021`).set("X-CSRF-Token", admin.csrf).send(first ? { level, decision: "12/QĐ-UBND", decidedOn: "2021-12-30" } : { level });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.before, null);
      first = false;
    }
    const [code, level] = [...truth.get(2021)!][0]!;
    const again = await admin.agent.put(`/api/v1/communes/${code}/classification/2021`).set("X-CSRF-Token", admin.csrf).send({ level, decision: "12/QĐ-UBND", decidedOn: "2021-12-30" });
    assert.equal(again.body.before, level);
    const audit = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'commune.classified' AND subject_id = ${code}`);
    assert.equal(audit.rows[0]!.n, 2, "one audit row per change");
  });

  /** The figures worked out here from the generated maps only. */
  function expected(year: number, baseline: number, districtCode?: string) {
    const communes = districtCode ? districts.get(districtCode)! : [...districts.values()].flat();
    const now = truth.get(year) ?? new Map();
    const prev = truth.get(year - 1) ?? new Map();
    const base = truth.get(baseline) ?? new Map();
    const isAffected = (l: Level | undefined) => !!l && l !== "drug_free";
    const inScope = (m: Map<string, Level>) => communes.filter((c) => m.has(c));
    const affected = communes.filter((c) => isAffected(now.get(c))).length;
    const baseAffected = communes.filter((c) => isAffected(base.get(c))).length;
    const free = communes.filter((c) => now.get(c) === "drug_free").length;
    const change = inScope(now).length && baseAffected ? Math.round(((affected - baseAffected) / baseAffected) * 1000) / 10 : null;
    const byLevel = Object.fromEntries(LEVELS.map((l) => [l, communes.filter((c) => now.get(c) === l).length]));
    return {
      communes: communes.length,
      classified: inScope(now).length,
      byLevel,
      withDrugs: affected,
      baselineWithDrugs: baseAffected,
      changeVsBaseline: change,
      reductionMet: change === null ? null : change <= -5,
      drugFree: free,
      drugFreeShare: inScope(now).length ? free / communes.length : null,
      drugFreeMet: inScope(now).length ? free / communes.length >= 0.5 : null,
      newlyAffected: communes.filter((c) => prev.get(c) === "drug_free" && isAffected(now.get(c))).sort(),
      leftList: communes.filter((c) => isAffected(prev.get(c)) && now.get(c) === "drug_free").sort(),
    };
  }

  it("when the figures are asked for each year and district, then they match the independent calculation", async () => {
    const scopes: Array<string | undefined> = [undefined, ...districts.keys()];
    for (const year of [2019, 2020, 2021, 2022])
      for (const d of scopes) {
        const r = await admin.agent.get(`/api/v1/communes/figures?year=${year}${d ? `&scope=district:${d}` : ""}`);
        assert.equal(r.status, 200);
        const want = expected(year, 2019, d);
        const got = r.body;
        const label = `${year} ${d ?? "province"}`;
        for (const k of ["communes", "classified", "byLevel", "withDrugs", "baselineWithDrugs", "changeVsBaseline", "reductionMet", "drugFree", "drugFreeShare", "drugFreeMet"] as const) assert.deepEqual(got[k], want[k], `${label}: ${k}`);
        assert.deepEqual(got.newlyAffected.map((c: { code: string }) => c.code).sort(), want.newlyAffected, `${label}: newly affected`);
        assert.deepEqual(got.leftList.map((c: { code: string }) => c.code).sort(), want.leftList, `${label}: left the list`);
        assert.equal(got.baselineYear, 2019);
      }
    // The generated data must exercise the comparisons, or this test proves little.
    const p = expected(2021, 2019);
    assert.ok(p.newlyAffected.length > 0 && p.leftList.length > 0 && p.changeVsBaseline !== null, JSON.stringify(p));
  });

  it("when an administrator changes the baseline year and target, then the figures are measured against them (audited)", async () => {
    const page = await admin.agent.post("/staff/communes/targets").type("form").send({ _csrf: admin.csrf, year: "2021", baselineYear: "2020", reductionTarget: "-10", drugFreePercent: "40", drugFreeYear: "2030" });
    assert.equal(page.status, 303);
    const r = await admin.agent.get("/api/v1/communes/figures?year=2021");
    const want = expected(2021, 2020);
    assert.equal(r.body.baselineYear, 2020);
    assert.equal(r.body.changeVsBaseline, want.changeVsBaseline);
    assert.equal(r.body.reductionMet, want.changeVsBaseline! <= -10);
    assert.equal(r.body.drugFreeMet, want.drugFree / want.communes >= 0.4);
    const bad = await admin.agent.post("/staff/communes/targets").type("form").send({ _csrf: admin.csrf, year: "2021", baselineYear: "19", reductionTarget: "5", drugFreePercent: "abc", drugFreeYear: "2030" });
    assert.equal(bad.status, 400);
    for (const f of ["baselineYear", "reductionTarget", "drugFreePercent"]) assert.match(bad.text, new RegExp(`id="${f}-error"`), f);
    const audit = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'settings.changed' AND details->'changed' ? 'registerTargets'`);
    assert.equal(audit.rows[0]!.n, 1);
  });

  it("when the year is exported, then the CSV has a BOM and reads back as what was entered", async () => {
    const r = await admin.agent.get("/api/v1/communes/classification/2020.csv").buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => cb(null, Buffer.concat(chunks)));
    });
    assert.equal(r.status, 200);
    const body = r.body as Buffer;
    assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = body.toString("utf8").slice(1).trim().split("\r\n");
    assert.equal(lines[0], "commune_code,district,commune,level,decision,decided_on");
    const got = new Map(lines.slice(1).map((l) => l.split(",")).map((c) => [c[0]!, c[3]!]));
    for (const [code, level] of got) assert.equal(level, truth.get(2020)!.get(code) ?? "", code);
    // The exported file imports again unchanged.
    const back = await admin.agent.post("/api/v1/communes/classification/2020.csv").set("X-CSRF-Token", admin.csrf).set("Content-Type", "text/csv").send(body.toString("utf8"));
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.changed, 0);
  });

  it("when a file has a bad line, then nothing is imported and the answer names the line and the reason", async () => {
    const [code] = [...districts.values()][0]!;
    const before = await admin.agent.get("/api/v1/communes/classification?year=2022");
    const cases: Array<[string, string, string]> = [
      [`commune_code,level\r\n${code},drug_free\r\n99999,drug_free\r\n`, "3", "errors.csv_unknown_commune"],
      [`commune_code,level\r\n${code},clean\r\n`, "2", "errors.invalid_level"],
      [`commune_code,level,decided_on\r\n${code},drug_free,31/12/2022\r\n`, "2", "errors.invalid_date"],
      [`commune_code,level\r\n${code},drug_free\r\n${code},has_drugs\r\n`, "3", "errors.csv_duplicate_commune"],
      [`code,kind\r\n${code},drug_free\r\n`, "1", "errors.csv_header"],
      [`commune_code,level\r\n"${code},drug_free\r\n`, "2", "errors.csv_syntax"],
      [`commune_code,level,decision\r\n${code},drug_free,1\u0000/QĐ\r\n`, "2", "errors.invalid_characters"],
    ];
    for (const [file, line, key] of cases) {
      const r = await admin.agent.post("/api/v1/communes/classification/2022.csv").set("X-CSRF-Token", admin.csrf).set("Content-Type", "text/csv").send(file);
      assert.equal(r.status, 400, file);
      assert.equal(r.body.error.line, line, file);
      assert.match(r.body.error.message, new RegExp(`dòng ${line}`), file);
      assert.equal(r.body.error.fields.file, translate(key), file);
    }
    const after = await admin.agent.get("/api/v1/communes/classification?year=2022");
    assert.deepEqual(after.body, before.body);
  });

  it("when a classification is malformed, then each field gets its own message (400, never 500)", async () => {
    const [code] = [...districts.values()][0]!;
    const r = await admin.agent.put(`/api/v1/communes/${code}/classification/2020`).set("X-CSRF-Token", admin.csrf).send({ level: "bad", decidedOn: "2020-02-30", decision: "x".repeat(101), extra: 1 });
    assert.equal(r.status, 400);
    assert.deepEqual(Object.keys(r.body.error.fields).sort(), ["decidedOn", "decision", "extra", "level"]);
    assert.equal((await admin.agent.put(`/api/v1/communes/99999/classification/2020`).set("X-CSRF-Token", admin.csrf).send({ level: "drug_free" })).status, 400);
    assert.equal((await admin.agent.put(`/api/v1/communes/${code}/classification/1800`).set("X-CSRF-Token", admin.csrf).send({ level: "drug_free" })).status, 400);
    assert.equal((await admin.agent.get(`/api/v1/communes/classification?year=abc`)).status, 400);
    assert.equal((await admin.agent.put(`/api/v1/communes/${code}/classification/2020`).send({ level: "drug_free" })).status, 403, "no CSRF token");
  });

  it("when other roles use the register, then police of a district classify only there, liaisons and supervisors only read their district", async () => {
    const [d1, d2] = [...districts.keys()];
    const c1 = districts.get(d1!)![0]!;
    const c2 = districts.get(d2!)![0]!;
    const unit = await app.ctx.database.db.execute<{ id: string }>(sql`INSERT INTO police_units (name, district_code) VALUES ('Công an huyện', ${d1!}) RETURNING id`);
    const police = await aStaffMember(app.ctx, "police", d1!);
    await app.ctx.database.db.execute(sql`UPDATE staff_users SET police_unit_id = ${unit.rows[0]!.id} WHERE email = ${police.email}`);
    const p = await signIn(app, police.email);
    assert.equal((await p.agent.put(`/api/v1/communes/${c1}/classification/2022`).set("X-CSRF-Token", p.csrf).send({ level: "key_type_2" })).status, 200);
    assert.equal((await p.agent.put(`/api/v1/communes/${c2}/classification/2022`).set("X-CSRF-Token", p.csrf).send({ level: "key_type_2" })).status, 403);
    const liaison = await aStaffMember(app.ctx, "liaison", d1!);
    const l = await signIn(app, liaison.email);
    assert.equal((await l.agent.put(`/api/v1/communes/${c1}/classification/2022`).set("X-CSRF-Token", l.csrf).send({ level: "drug_free" })).status, 403);
    const mine = await l.agent.get("/api/v1/communes/classification?year=2022");
    assert.equal(mine.status, 200);
    assert.deepEqual(new Set(mine.body.communes.map((c: { districtCode: string }) => c.districtCode)), new Set([d1]));
    assert.equal((await l.agent.get(`/api/v1/communes/classification?year=2022&scope=district:${d2}`)).status, 403);
    const sup = await aStaffMember(app.ctx, "supervisor", d2!);
    const s = await signIn(app, sup.email);
    assert.equal((await s.agent.get(`/api/v1/communes/figures?year=2022`)).body.communes, districts.get(d2!)!.length);
    assert.equal((await s.agent.post("/api/v1/communes/classification/2022.csv").set("X-CSRF-Token", s.csrf).set("Content-Type", "text/csv").send(`commune_code,level\r\n${c2},drug_free\r\n`)).status, 403);
    assert.equal((await s.agent.post("/staff/communes/targets").type("form").send({ _csrf: s.csrf, year: "2022", baselineYear: "2020", reductionTarget: "-5", drugFreePercent: "50", drugFreeYear: "2030" })).status, 403);
  });

  it("when the staff page is used without JavaScript, then a commune is classified by its row form and a file is imported by upload", async () => {
    const page = await admin.agent.get("/staff/communes?year=2023");
    assert.equal(page.status, 200);
    const [code] = [...districts.values()][1]!;
    assert.match(page.text, new RegExp(`action="/staff/communes/${code}/classification"`));
    const bad = await admin.agent.post(`/staff/communes/${code}/classification`).type("form").send({ _csrf: admin.csrf, year: "2023", level: "nope", decidedOn: "" });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="level-error"/);
    const ok = await admin.agent.post(`/staff/communes/${code}/classification`).type("form").send({ _csrf: admin.csrf, year: "2023", level: "key_type_1", decision: "5/QĐ-UBND", decidedOn: "2023-03-01" });
    assert.equal(ok.status, 303);
    const up = await admin.agent.post("/staff/communes/import").field("_csrf", admin.csrf).field("year", "2023").attach("file", Buffer.from(`commune_code,level\r\n${code},drug_free\r\n`), { filename: "2023.csv", contentType: "text/csv" });
    assert.equal(up.status, 303, up.text.slice(0, 500));
    const after = await admin.agent.get("/staff/communes?year=2023&lang=en");
    assert.match(after.text, /Drug-free/);
    const badUp = await admin.agent.post("/staff/communes/import").field("_csrf", admin.csrf).field("year", "2023").attach("file", Buffer.from(`commune_code,level\r\n${code},nope\r\n`), { filename: "x.csv", contentType: "text/csv" });
    assert.equal(badUp.status, 400);
    assert.match(badUp.text, /dòng 2/);
    const dash = await admin.agent.get("/staff/dashboard?period=2021");
    assert.equal(dash.status, 200);
    assert.match(dash.text, /Theo sổ phân loại năm 2021/);
    assert.match(dash.text, /có tin báo có cơ sở xử lý/);
  });
});
