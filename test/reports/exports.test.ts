/**
 * Every export of a report — CSV with ";" and with ",", XLSX, the printed
 * report, live and filed — against a calculation made in this file from the
 * generated tips alone (Bến Tre's calendar from the platform's
 * Asia/Ho_Chi_Minh zone, the columns from their definitions), with custom
 * periods and category filters; suppressed cells stay "x" in the XLSX; a filed
 * report's exports do not move when a late tip arrives; the printed report
 * leaves out communes with no activity unless asked.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import ExcelJS from "exceljs";
import type request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { rowCells } from "../support/html.js";
import { insertTips, type FixtureTip } from "../stats/tipFixture.js";
import { rng } from "../support/random.js";

const COLUMNS = [
  "received", "urgent", "actionable", "forwarded", "resolved", "spot_eliminated", "plants_destroyed", "arrests_made", "nothing_found", "help_requests", "referred", "false_or_malicious",
  // What the police results add up to (test/stats/quantities.test.ts checks them on data that has some).
  "qty_plants", "qty_area_m2", "qty_people", "qty_seized_grams",
] as const;
type Column = (typeof COLUMNS)[number];
const VI = JSON.parse(fs.readFileSync("src/i18n/locales/vi.json", "utf8"));
const EN = JSON.parse(fs.readFileSync("src/i18n/locales/en.json", "utf8"));
const QUANTITY_KEYS: Record<string, string> = { qty_plants: "plantsDestroyed", qty_area_m2: "areaM2", qty_people: "peopleHandled", qty_seized_grams: "seizedGrams" };
/** A column's words: the outcome's or quantity's own label (one voice with the forms), else the report's. */
const label = (l: typeof VI, c: Column): string => l.outcomes[c] ?? l.triageOutcomes[c] ?? l.quantities[QUANTITY_KEYS[c] ?? ""] ?? l.reports.columns[c];
const HEADER_VI = [VI.reports.columns.level, VI.reports.columns.code, VI.reports.columns.name, ...COLUMNS.map((c) => label(VI, c))];

/** The day a moment falls on in Bến Tre, YYYY-MM-DD, from the platform's time zone data (not the code's +7 arithmetic). */
const localDay = (iso: string) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date(iso));

/** Which columns a generated tip counts in, from the columns' definitions. */
function columnsOf(t: FixtureTip): Record<Column, number> {
  const forwarded = t.triageH !== undefined && t.forwardH !== undefined;
  return {
    received: 1,
    urgent: t.urgent ? 1 : 0,
    actionable: t.triage === "actionable" ? 1 : 0,
    forwarded: forwarded ? 1 : 0,
    resolved: t.outcome ? 1 : 0,
    spot_eliminated: t.outcome === "spot_eliminated" ? 1 : 0,
    plants_destroyed: t.outcome === "plants_destroyed" ? 1 : 0,
    arrests_made: t.outcome === "arrests_made" ? 1 : 0,
    nothing_found: t.outcome === "nothing_found" ? 1 : 0,
    help_requests: t.category === "help_request" ? 1 : 0,
    referred: t.category === "help_request" && t.referred ? 1 : 0,
    false_or_malicious: t.reason === "false_or_malicious" ? 1 : 0,
    qty_plants: t.outcome ? (t.plantsDestroyed ?? 0) : 0,
    qty_area_m2: t.outcome ? (t.areaM2 ?? 0) : 0,
    qty_people: t.outcome ? (t.peopleHandled ?? 0) : 0,
    qty_seized_grams: t.outcome ? (t.seizedGrams ?? 0) : 0,
  };
}

/** Per unit code (districts and communes), the columns over the days [from, to] (both included), in one category or all. */
function expected(tips: FixtureTip[], from: string, to: string, category?: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const t of tips) {
    const day = localDay(t.received);
    if (day < from || day > to || (category && t.category !== category)) continue;
    const c = columnsOf(t);
    for (const code of [t.district, t.commune]) {
      const row = out.get(code) ?? COLUMNS.map(() => 0);
      COLUMNS.forEach((k, i) => (row[i]! += c[k]));
      out.set(code, row);
    }
  }
  return out;
}

/** RFC 4180, written here: quoted cells with doubled quotes, separators and line breaks inside quotes. */
function parseCsv(text: string, sep: string): string[][] {
  assert.ok(text.startsWith("\uFEFF"), "a UTF-8 byte-order mark");
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      (row = []), (cell = ""), i++;
    } else cell += ch;
  }
  assert.equal(cell + row.join(""), "", "the file ends with CRLF");
  return rows;
}

const text = (res: request.Response, cb: (err: Error | null, body: string) => void) => {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks).toString("utf8")));
};
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
};

/** The workbook's first sheet; `sheets`: how many it must have (the province's has its communes on a second one). */
async function openXlsx(body: Buffer, sheets = 1): Promise<ExcelJS.Worksheet> {
  return (await openWorkbook(body, sheets))[0]!;
}

async function openWorkbook(body: Buffer, sheets: number): Promise<ExcelJS.Worksheet[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  assert.equal(wb.worksheets.length, sheets);
  return wb.worksheets;
}

/** A worksheet's values as rows of strings and numbers (merged title cells read once). */
const sheetRows = (ws: ExcelJS.Worksheet) => {
  const rows: Array<Array<string | number>> = [];
  ws.eachRow({ includeEmpty: true }, (r) => rows.push((r.values as Array<string | number | null>).slice(1).map((v) => (v === null || v === undefined ? "" : v))));
  return rows;
};

describe("report exports: CSV (; and ,), XLSX and print, live and filed", function () {
  this.timeout(180_000);
  const app = useTestApp();
  let admin: Awaited<ReturnType<typeof signIn>>;
  let supervisor: Awaited<ReturnType<typeof signIn>>;
  const tips: FixtureTip[] = [];
  let communesOf: Map<string, Array<{ code: string; name: string }>>;
  let names: Map<string, string>;

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    admin = await signIn(app, "admin@example.org");
    supervisor = await signIn(app, (await aStaffMember(app.ctx, "supervisor", null)).email);
    const tree = await app.ctx.units.tree();
    communesOf = new Map(tree.districts.map((d) => [d.code, d.communes]));
    names = new Map(tree.districts.flatMap((d) => [[d.code, d.name] as const, ...d.communes.map((c) => [c.code, c.name] as const)]));
    // Districts 831 and 832 get many tips on a few communes (ones and twos, so cells are suppressed), 829 a handful.
    const rnd = rng(20200101);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const categories = ["selling", "selling", "using", "cultivation", "help_request", "storage"] as const;
    const outcomes = ["spot_eliminated", "plants_destroyed", "arrests_made", "nothing_found"] as const;
    // Bến Tre midnights and the last minute of a day, so the calendar is tested at its edges.
    const edges = ["2020-02-29T23:59:00+07:00", "2020-03-01T00:00:00+07:00", "2020-03-31T23:59:00+07:00", "2020-04-01T00:00:00+07:00", "2020-01-01T00:00:00+07:00"];
    for (let i = 0; i < 160; i++) {
      const district = pick(["831", "831", "832", "832", "829"]);
      const commune = pick(communesOf.get(district)!.slice(0, district === "829" ? 3 : 6)).code;
      const received = i < edges.length * 3 ? edges[i % edges.length]! : `2020-0${1 + Math.floor(rnd() * 5)}-${String(1 + Math.floor(rnd() * 28)).padStart(2, "0")}T${String(Math.floor(rnd() * 24)).padStart(2, "0")}:${String(Math.floor(rnd() * 60)).padStart(2, "0")}:00+07:00`;
      const category = pick(categories);
      const t: FixtureTip = { received, category, district, commune, urgent: rnd() < 0.2 };
      const r = rnd();
      if (category === "help_request") Object.assign(t, { triageH: 2, triage: "actionable", referred: rnd() < 0.6 });
      else if (r < 0.5) Object.assign(t, { triageH: 3, triage: "actionable", ...(rnd() < 0.7 ? { forwardH: 2, ackH: 1, ...(rnd() < 0.7 ? { outcome: pick(outcomes) } : {}) } : {}) });
      else if (r < 0.65) Object.assign(t, { triageH: 5, triage: "not_actionable", reason: rnd() < 0.5 ? "false_or_malicious" : "insufficient" });
      tips.push(t);
    }
    await insertTips(app.ctx.database.db, tips);
  });

  /** The rows a table must have: the scope's districts, and within a district scope its communes, from the calculation. */
  function expectedRows(exp: Map<string, number[]>, district?: string): Array<[string, number[]]> {
    const zero = COLUMNS.map(() => 0);
    const districts = district ? [district] : [...communesOf.keys()];
    const row = (code: string): [string, number[]] => [code, exp.get(code) ?? zero];
    return districts.flatMap((d) => [row(d), ...(district ? communesOf.get(d)!.map((c) => row(c.code)) : [])]);
  }

  const cases = [
    { name: "the first quarter of a district", url: "2020-Q1.{ext}?scope=district:831", from: "2020-01-01", to: "2020-03-31", district: "831", title: /quý 1 năm 2020 \(01\/01\/2020 – 31\/03\/2020\), Huyện Châu Thành$/ },
    {
      name: "a custom period of the province, one category", url: "custom.{ext}?from=2020-02-10&to=2020-03-05&category=selling", from: "2020-02-10", to: "2020-03-05", category: "selling",
      title: /từ ngày 10\/02\/2020 đến ngày 05\/03\/2020, toàn tỉnh; chỉ loại tin: Mua bán ma túy/,
    },
    { name: "a month of a district, one category", url: "2020-02.{ext}?scope=district:832&category=cultivation", from: "2020-02-01", to: "2020-02-29", district: "832", category: "cultivation", title: /tháng 2 năm 2020 \(01\/02\/2020 – 29\/02\/2020\), Huyện Chợ Lách; chỉ loại tin:/ },
  ];

  for (const c of cases) {
    it(`when ${c.name} is exported as CSV with ";" and with ",", then both read back to the same table, equal to the calculation`, async () => {
      const exp = expectedRows(expected(tips, c.from, c.to, c.category), c.district);
      const tables: string[][][] = [];
      for (const [q, sep] of [["", ";"], ["&sep=comma", ","], ["&sep=%3B", ";"], ["&sep=%2C", ","]] as const) {
        const r = await admin.agent.get(`/api/v1/reports/${c.url.replace("{ext}", "csv")}${q}`).buffer(true).parse(text);
        assert.equal(r.status, 200, r.body);
        const rows = parseCsv(r.body as string, sep);
        assert.equal(rows[0]!.length, 1, "the title is one cell");
        assert.match(rows[0]![0]!, c.title);
        assert.deepEqual(rows[1], HEADER_VI);
        assert.deepEqual(rows.slice(2).map((x) => [x[1], x.slice(3).map(Number)]), exp, `${c.name}, separator ${sep}`);
        assert.deepEqual(rows.slice(2).map((x) => x[2]), exp.map(([code]) => names.get(code)));
        tables.push(rows);
      }
      assert.deepEqual(tables[1], tables[0], "the same cells whichever separator");
      assert.ok(exp.some(([, v]) => v[0]! > 0), "the case counts something");
    });
  }

  it("when the separator is neither ; nor ,, then the export is refused with the field named", async () => {
    for (const bad of ["tab", "|", "semicolons"]) {
      const r = await admin.agent.get(`/api/v1/reports/2020-Q1.csv?sep=${encodeURIComponent(bad)}`);
      assert.equal(r.status, 400);
      assert.match(r.body.error.fields.sep, /semicolon \(;\) hoặc comma \(,\)/);
    }
    assert.equal((await admin.agent.get("/api/v1/reports/2020-Q1.pdf")).status, 400, "only .csv and .xlsx");
  });

  it("when a report is exported as XLSX, then the workbook has the title, the Vietnamese headers, the rows of the calculation, widths and a total row", async () => {
    for (const c of cases) {
      const r = await admin.agent.get(`/api/v1/reports/${c.url.replace("{ext}", "xlsx")}`).buffer(true).parse(binary);
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      assert.match(String(r.headers["content-disposition"]), /attachment; filename="homthu-[0-9QH_-]+\.xlsx"/);
      const [ws, communes] = await openWorkbook(r.body as Buffer, c.district ? 1 : 2);
      const rows = sheetRows(ws!);
      assert.match(String(rows[0]![0]), c.title);
      if (communes) {
        // The province's second sheet: each district's row, then its communes, as the calculation has them.
        const all = [...communesOf.keys()].flatMap((d) => expectedRows(expected(tips, c.from, c.to, c.category), d));
        const crows = sheetRows(communes);
        assert.equal(communes.name, "Theo xã, phường");
        assert.match(String(crows[0]![0]), c.title);
        assert.deepEqual(crows[1], HEADER_VI);
        assert.deepEqual(crows.slice(2).map((x) => [x[1], x.slice(3)]), all);
      }
      assert.deepEqual(rows[1], HEADER_VI);
      const exp = expectedRows(expected(tips, c.from, c.to, c.category), c.district);
      const body = rows.slice(2, 2 + exp.length);
      assert.deepEqual(body.map((x) => [x[1], x.slice(3)]), exp, `${c.name}: numbers are numbers`);
      // The total: the sum of the districts (a district scope: the district itself), computed here.
      const total = rows[2 + exp.length]!;
      assert.equal(total[0], "Tổng cộng");
      const tops = exp.filter(([code]) => communesOf.has(code)).map(([, v]) => v);
      assert.deepEqual(total.slice(3), COLUMNS.map((_, i) => tops.reduce((a, v) => a + v[i]!, 0)));
      assert.ok(ws!.getRow(2 + exp.length + 1).font?.bold, "the total row is bold");
      assert.ok(ws!.getColumn(3).width! >= 18 && ws!.getColumn(4).width! >= 10, "column widths are set");
    }
    const en = await openXlsx((await admin.agent.get("/api/v1/reports/2020-Q1.xlsx?scope=district:831&lang=en").buffer(true).parse(binary)).body as Buffer);
    const enRows = sheetRows(en);
    assert.match(String(enRows[0]![0]), /^homthu drug tip line figures, quarter 1 of 2020 \(01\/01\/2020 – 31\/03\/2020\), Huyện Châu Thành$/);
    assert.deepEqual(enRows[1], [EN.reports.columns.level, EN.reports.columns.code, EN.reports.columns.name, ...COLUMNS.map((c) => label(EN, c))]);
    assert.equal(enRows.find((x) => x[0] === "Total")?.[2], "Huyện Châu Thành");
  });

  it("when a supervisor exports XLSX, then every cell the API and the CSV hide reads x, no commune cell is 1 or 2, and the total is the district's exact count", async () => {
    const api = (await supervisor.agent.get("/api/v1/stats?period=2020-Q1&scope=district:831")).body.received.byCommune as Record<string, number | string>;
    const csv = parseCsv((await supervisor.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:831").buffer(true).parse(text)).body as string, ";");
    const ws = await openXlsx((await supervisor.agent.get("/api/v1/reports/2020-Q1.xlsx?scope=district:831").buffer(true).parse(binary)).body as Buffer);
    const rows = sheetRows(ws);
    const byCode = new Map(rows.slice(2).filter((x) => /^\d+$/.test(String(x[1]))).map((x) => [String(x[1]), x.slice(3)]));
    let hidden = 0;
    for (const line of csv.slice(2)) {
      const xlsx = byCode.get(line[1]!)!;
      assert.deepEqual(xlsx.map(String), line.slice(3), `XLSX = CSV for ${line[1]}`);
      if (line[0] !== "Huyện") {
        assert.equal(String(xlsx[0]), String(api[line[1]!]), `XLSX = API for ${line[1]}`);
        assert.ok(xlsx.every((v) => v === "x" || v === 0 || (typeof v === "number" && v >= 3)), `no small count for ${line[1]}: ${xlsx.join(",")}`);
        hidden += xlsx.filter((v) => v === "x").length;
      }
    }
    assert.ok(hidden >= 2, "the data has hidden cells, so the check can fail");
    const exact = expected(tips, "2020-01-01", "2020-03-31").get("831")!;
    assert.deepEqual(rows.find((x) => x[0] === "Tổng cộng")!.slice(3), exact, "the total row is the district's exact total, not a sum of hidden cells");
    assert.ok(rows.some((x) => String(x[0]).includes("ô ghi “x” là số bị ẩn")), "the legend explains x");

    // The province's workbook: its commune sheet hides what the printed report's commune tables hide.
    const [, communes] = await openWorkbook((await supervisor.agent.get("/api/v1/reports/2020-Q1.xlsx").buffer(true).parse(binary)).body as Buffer, 2);
    const print = (await supervisor.agent.get("/staff/reports/print?period=2020-Q1&allCommunes=1")).text;
    let district = "";
    let compared = 0;
    for (const x of sheetRows(communes!).slice(2)) {
      if (communesOf.has(String(x[1]))) district = String(x[1]);
      else if (/^\d+$/.test(String(x[1]))) {
        assert.deepEqual(x.slice(3).map(String), rowCells(print, `doc-communes-${district}`, String(x[2])), `${x[2]}`);
        compared++;
      }
    }
    assert.equal(compared, [...communesOf.values()].flat().length);
  });

  it("when a filed report is exported and a late tip arrives, then its CSV and XLSX do not change, while the live export counts the tip", async () => {
    const form = { _csrf: admin.csrf, period: "2020-Q1", scope: "district:831", reportType: "periodic", number: "7-BC/HĐTN", issuedOn: "2020-04-05" };
    const filed = await admin.agent.post("/staff/reports").type("form").send(form);
    assert.equal(filed.status, 303, filed.text);
    const id = String(filed.headers.location).split("/").pop()!;
    const page = (await admin.agent.get(`/staff/reports/${id}`)).text;
    for (const link of [`/api/v1/reports/saved/${id}.csv`, `/api/v1/reports/saved/${id}.csv?sep=comma`, `/api/v1/reports/saved/${id}.xlsx`]) assert.ok(page.includes(`href="${link}"`), link);

    const exports = async () => ({
      csv: (await admin.agent.get(`/api/v1/reports/saved/${id}.csv`).buffer(true).parse(text)).body as string,
      comma: (await admin.agent.get(`/api/v1/reports/saved/${id}.csv?sep=comma`).buffer(true).parse(text)).body as string,
      xlsx: sheetRows(await openXlsx((await admin.agent.get(`/api/v1/reports/saved/${id}.xlsx`).buffer(true).parse(binary)).body as Buffer)),
      live: parseCsv((await admin.agent.get("/api/v1/reports/2020-Q1.csv?scope=district:831").buffer(true).parse(text)).body as string, ";"),
    });
    const before = await exports();
    const rows = parseCsv(before.csv, ";");
    assert.match(rows[0]![0]!, /quý 1 năm 2020/);
    assert.match(rows[1]![0]!, /Báo cáo số 7-BC\/HĐTN ngày 05\/04\/2020: số liệu chốt khi lập báo cáo/);
    const exp = expectedRows(expected(tips, "2020-01-01", "2020-03-31"), "831");
    assert.deepEqual(rows.slice(3).map((x) => [x[1], x.slice(3).map(Number)]), exp, "the filed figures are the quarter's");
    assert.deepEqual(parseCsv(before.comma, ","), rows);
    assert.deepEqual(before.xlsx.slice(3, 3 + exp.length).map((x) => [x[1], x.slice(3)]), exp);

    const late: FixtureTip = { received: "2020-03-20T09:00:00+07:00", category: "selling", district: "831", commune: communesOf.get("831")![0]!.code, triageH: 1, triage: "actionable" };
    await insertTips(app.ctx.database.db, [late]);
    const after = await exports();
    assert.equal(after.csv, before.csv, "the filed CSV is byte for byte the same");
    assert.equal(after.comma, before.comma);
    assert.deepEqual(after.xlsx, before.xlsx, "the filed XLSX has the same cells");
    assert.equal(Number(after.live[2]![3]) - Number(before.live[2]![3]), 1, "the live export counts the late tip");
    tips.push(late);

    // A supervisor's download of the filed report hides what their view of it hides.
    const sup = parseCsv((await supervisor.agent.get(`/api/v1/reports/saved/${id}.csv`).buffer(true).parse(text)).body as string, ";");
    const seen = (await supervisor.agent.get(`/staff/reports/${id}?allCommunes=1`)).text;
    for (const line of sup.slice(3)) assert.deepEqual(line.slice(3), rowCells(seen, "doc-district-table", line[2]!), `${line[2]}`);
    assert.ok(sup.slice(3).some((l) => l.includes("x")));
    assert.equal((await supervisor.agent.get(`/api/v1/reports/saved/${id}.csv?sep=tab`)).status, 400);
    assert.equal((await supervisor.agent.get("/api/v1/reports/saved/00000000-0000-4000-8000-000000000000.csv")).status, 404);
    const liaison = await signIn(app, (await aStaffMember(app.ctx, "liaison", "832")).email);
    assert.equal((await liaison.agent.get(`/api/v1/reports/saved/${id}.xlsx`)).status, 403, "another district's liaison may not download it");
  });

  it("when a thematic report is filed for days and one category, then its downloads keep both, and every download is audited with its format", async () => {
    const form = { _csrf: admin.csrf, from: "2020-02-10", to: "2020-03-05", category: "selling", scope: "district:831", reportType: "thematic", subject: "Điểm bán ma túy gần trường học", issuedOn: "2020-03-06" };
    const filed = await admin.agent.post("/staff/reports").type("form").send(form);
    assert.equal(filed.status, 303, filed.text);
    const id = String(filed.headers.location).split("/").pop()!;
    const rows = parseCsv((await admin.agent.get(`/api/v1/reports/saved/${id}.csv?sep=comma`).buffer(true).parse(text)).body as string, ",");
    assert.match(rows[0]![0]!, /^Số liệu hòm thư tố giác ma túy từ ngày 10\/02\/2020 đến ngày 05\/03\/2020, Huyện Châu Thành; chỉ loại tin: Mua bán ma túy$/);
    const exp = expectedRows(expected(tips, "2020-02-10", "2020-03-05", "selling"), "831");
    assert.deepEqual(rows.slice(3).map((x) => [x[1], x.slice(3).map(Number)]), exp);
    const xlsx = sheetRows(await openXlsx((await admin.agent.get(`/api/v1/reports/saved/${id}.xlsx`).buffer(true).parse(binary)).body as Buffer));
    assert.deepEqual(xlsx.slice(3, 3 + exp.length).map((x) => [x[1], x.slice(3)]), exp);
    const audit = await app.ctx.database.pool.query<{ format: string; saved: string | null; category: string | null }>(
      "SELECT details->>'format' AS format, details->>'savedReportId' AS saved, details->>'category' AS category FROM audit_log WHERE action = 'report.exported' AND details->>'savedReportId' = $1 ORDER BY id",
      [id],
    );
    assert.deepEqual(audit.rows.map((r) => [r.format, r.category]), [["csv", "selling"], ["xlsx", "selling"]]);

    const dash = (await admin.agent.get("/staff/dashboard?from=2020-02-10&to=2020-03-05&category=selling&scope=district:831")).text;
    for (const link of ["custom.csv?scope=district%3A831&amp;category=selling&amp;from=2020-02-10&amp;to=2020-03-05", "custom.csv?scope=district%3A831&amp;category=selling&amp;from=2020-02-10&amp;to=2020-03-05&amp;sep=comma", "custom.xlsx?scope=district%3A831&amp;category=selling&amp;from=2020-02-10&amp;to=2020-03-05"]) {
      assert.ok(dash.includes(`href="/api/v1/reports/${link}"`), `the dashboard links to ${link}`);
    }
  });

  it("when the report is printed, then communes with no activity are left out unless asked, with abbreviated heads and their legend", async () => {
    const exp = expected(tips, "2020-01-01", "2020-03-31");
    const html = (await admin.agent.get("/staff/reports/print?period=2020-Q1")).text;
    const listed = (h: string) => ([...h.matchAll(/<table class="report-table" id="doc-communes-\d+"[\s\S]*?<\/table>/g)].flatMap((m) => [...m[0].matchAll(/<th scope="row">([^<]+)<\/th>/g)].map((x) => x[1]!)));
    const active = [...communesOf.values()].flat().filter((c) => (exp.get(c.code)?.[0] ?? 0) > 0).map((c) => c.name);
    assert.deepEqual(listed(html).sort(), active.sort(), "only the communes with tips in the period");
    const all = [...communesOf.values()].flat().length;
    assert.ok(html.includes(`${all - active.length} xã, phường, thị trấn không có hoạt động`), "the report says how many are left out");
    assert.ok(!html.includes('id="doc-communes-833"'), "a district without active communes has no commune table");
    assert.match(html, /<th scope="col"><abbr title="Tin nhận được">Tin<\/abbr><\/th>/);
    assert.match(html, /<p class="table-legend"><strong>Chữ viết tắt:<\/strong>/);
    assert.ok(html.includes("<b>KPH</b>: Kiểm tra, không phát hiện vi phạm;"));
    assert.match(html, /<input type="checkbox" name="allCommunes" value="1">/);
    assert.match(html, /<input type="hidden" name="period" value="2020-Q1">/);

    const full = (await admin.agent.get("/staff/reports/print?period=2020-Q1&allCommunes=1")).text;
    assert.equal(listed(full).length, all, "asked: every commune");
    assert.match(full, /<input type="checkbox" name="allCommunes" value="1" checked>/);
    assert.equal((await admin.agent.get("/staff/reports/print?period=2020-Q1&allCommunes=yes")).status, 400);

    // A custom period and a category in the print: the district table follows both.
    const custom = (await admin.agent.get("/staff/reports/print?from=2020-02-10&to=2020-03-05&category=selling")).text;
    const cexp = expected(tips, "2020-02-10", "2020-03-05", "selling");
    for (const [code, name] of [["831", "Huyện Châu Thành"], ["832", "Huyện Chợ Lách"]] as const) assert.deepEqual(rowCells(custom, "doc-district-table", name).map(Number), cexp.get(code) ?? COLUMNS.map(() => 0));
    assert.ok(custom.includes("Bảng này chỉ tính loại tin: Mua bán ma túy."), "the table says it counts one category");
    assert.ok(custom.includes("/api/v1/reports/custom.xlsx?scope=province&amp;category=selling&amp;from=2020-02-10&amp;to=2020-03-05"), "the downloads keep the period and category");
  });
});
