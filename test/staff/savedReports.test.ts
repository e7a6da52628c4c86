/**
 * Reports filed in the Youth Union's format (#15 item 4): the header of the
 * issuing committee (the district's Huyện đoàn or Thành đoàn under the Tỉnh
 * đoàn, or the Tỉnh đoàn), number, place and date, title by period, the
 * written assessment and next steps, "TM. BAN THƯỜNG VỤ" and "Nơi nhận";
 * figures kept as filed when a late tip arrives; who may file and read.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { rowCells } from "../support/html.js";
import { insertTips, some } from "../stats/tipFixture.js";


describe("filed reports in the Youth Union's format", function () {
  this.timeout(120_000);
  const app = useTestApp();
  before(async () => {
    await resetData(app);
    await insertTips(app.ctx.database.db, [
      ...some(4, "2020-02-10T10:00:00+07:00", "831", "28801", { triageH: 1, triage: "actionable" }),
      ...some(1, "2020-03-31T23:59:00+07:00", "831", "28804"),
      ...some(2, "2020-02-10T10:00:00+07:00", "829", "28756"),
    ]);
  });

  it("when a liaison files the district's first-quarter report, then it prints under the Huyện đoàn with their text, and a late tip changes nothing", async () => {
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const l = await signIn(app, liaison.email);
    const form = await l.agent.get("/staff/reports?period=2020-Q1&scope=district:831");
    assert.equal(form.status, 200, form.text);
    assert.match(form.text, /<option value="district:831" selected>/);

    const assessment = "Trong quý, Huyện đoàn phối hợp Công an huyện tuyên truyền tại 5 trường THPT.\nSố tin tăng so với quý trước.";
    const r = await l.agent.post("/staff/reports").type("form").send({
      _csrf: l.csrf, period: "2020-Q1", scope: "district:831", reportType: "periodic", number: "15-BC/HĐTN", issuedOn: "2020-04-05",
      assessment, nextSteps: "Tiếp tục nhân rộng mô hình điểm.", signerTitle: "PHÓ BÍ THƯ", signerName: "Nguyễn Văn A", recipients: "Ban Thường vụ Tỉnh đoàn\nLưu VP",
    });
    assert.equal(r.status, 303, r.text);
    const url = String(r.headers.location);
    assert.match(url, /^\/staff\/reports\/[0-9a-f-]{36}$/);

    const html = (await l.agent.get(url)).text;
    for (const text of ["TỈNH ĐOÀN BẾN TRE", "BCH HUYỆN ĐOÀN CHÂU THÀNH", "ĐOÀN TNCS HỒ CHÍ MINH", "Số: 15-BC/HĐTN", "Châu Thành, ngày 5 tháng 4 năm 2020", "BÁO CÁO",
      "quý I năm 2020", "I. ĐÁNH GIÁ CHUNG", "tuyên truyền tại 5 trường THPT", "Số tin tăng so với quý trước", "II. KẾT QUẢ CỤ THỂ", "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
      "Tiếp tục nhân rộng mô hình điểm.", "TM. BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Nguyễn Văn A", "Nơi nhận", "- Ban Thường vụ Tỉnh đoàn", "- Lưu VP"]) assert.ok(html.includes(text), text);
    assert.ok(!html.includes("NGƯỜI LẬP BÁO CÁO") && !html.includes("Độc lập - Tự do - Hạnh phúc"), "not the state header");
    // 4 + 1 tips in Châu Thành in the first quarter (the last at 23:59 on 31 March, Bến Tre time).
    assert.deepEqual(rowCells(html, "doc-district-table", "Huyện Châu Thành").slice(0, 1), ["5"]);

    await insertTips(app.ctx.database.db, some(3, "2020-03-15T10:00:00+07:00", "831", "28807"));
    const again = (await l.agent.get(url)).text;
    assert.deepEqual(rowCells(again, "doc-district-table", "Huyện Châu Thành").slice(0, 1), ["5"], "the filed report keeps its figures");
    const live = (await l.agent.get("/staff/reports/print?period=2020-Q1&scope=district:831")).text;
    assert.deepEqual(rowCells(live, "doc-district-table", "Huyện Châu Thành").slice(0, 1), ["8"], "the live report counts the late tips");
    assert.ok(live.includes("BCH HUYỆN ĐOÀN CHÂU THÀNH") && live.includes("TM. BAN THƯỜNG VỤ"), "the live print is in the same format");

    const audit = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'report.filed' AND district_code = '831'`);
    assert.equal(audit.rows[0]!.n, 1);
    const list = (await l.agent.get("/staff/reports")).text;
    assert.ok(list.includes("15-BC/HĐTN") && list.includes(url));

    // Another district's liaison can neither file for 831 nor read its report; nor can a liaison file the province's.
    const other = await signIn(app, (await aStaffMember(app.ctx, "liaison", "832")).email);
    assert.equal((await other.agent.get(url)).status, 403);
    const cross = await other.agent.post("/staff/reports").type("form").send({ _csrf: other.csrf, period: "2020-Q1", scope: "district:831", issuedOn: "2020-04-05" });
    assert.equal(cross.status, 403);
    assert.equal((await other.agent.post("/staff/reports").type("form").send({ _csrf: other.csrf, period: "2020-Q1", scope: "province", issuedOn: "2020-04-05" })).status, 403);
    assert.ok(!(await other.agent.get("/staff/reports")).text.includes("15-BC/HĐTN"));
  });

  it("when the administrator files the province's six-month report and a city's ad hoc report, then the issuer and title follow, and a supervisor reads the figures with small counts hidden", async () => {
    const a = await signIn(app, "admin@example.org");
    const half = await a.agent.post("/staff/reports").type("form").send({ _csrf: a.csrf, period: "2020-H1", scope: "province", issuedOn: "2020-07-02", number: "40-BC/TĐTN" });
    assert.equal(half.status, 303, half.text);
    const h = (await a.agent.get(String(half.headers.location))).text;
    assert.ok(h.includes("BCH TỈNH ĐOÀN BẾN TRE") && h.includes("6 tháng đầu năm 2020") && h.includes("Bến Tre, ngày 2 tháng 7 năm 2020"));
    assert.ok(!h.includes("TỈNH ĐOÀN BẾN TRE</p>\n    <p class=\"doc-caps doc-strong\">BCH"), "no committee above the Tỉnh đoàn");

    // A custom stretch of days must say it is thematic or ad hoc, and name its subject.
    const bad = await a.agent.post("/staff/reports").type("form").send({ _csrf: a.csrf, from: "2020-02-01", to: "2020-02-15", scope: "district:829", issuedOn: "2020-02-16" });
    assert.equal(bad.status, 400);
    assert.ok(bad.text.includes("chuyên đề hoặc đột xuất"));
    const noSubject = await a.agent.post("/staff/reports").type("form").send({ _csrf: a.csrf, from: "2020-02-01", to: "2020-02-15", scope: "district:829", reportType: "adhoc", issuedOn: "2020-02-16" });
    assert.equal(noSubject.status, 400);
    const adhoc = await a.agent.post("/staff/reports").type("form").send({ _csrf: a.csrf, from: "2020-02-01", to: "2020-02-15", scope: "district:829", reportType: "adhoc", subject: "Vụ việc tại Phường Phú Khương", issuedOn: "2020-02-16" });
    assert.equal(adhoc.status, 303, adhoc.text);
    const d = (await a.agent.get(String(adhoc.headers.location))).text;
    assert.ok(d.includes("BCH THÀNH ĐOÀN BẾN TRE") && d.includes("BÁO CÁO ĐỘT XUẤT") && d.includes("Vụ việc tại Phường Phú Khương (từ ngày 01/02/2020 đến ngày 15/02/2020)"), d.slice(0, 3000));
    assert.deepEqual(rowCells(d, "doc-district-table", "Phường Phú Khương").slice(0, 1), ["2"], "the administrator reads exact counts");

    const s = await signIn(app, (await aStaffMember(app.ctx, "supervisor", null)).email);
    const seen = await s.agent.get(String(half.headers.location));
    assert.equal(seen.status, 200);
    // Province report: Châu Thành's commune 28804 had one tip in March: hidden for a supervisor, not for the administrator.
    assert.deepEqual(rowCells(seen.text, "doc-communes-831", "Xã Tân Thạch").slice(0, 1), ["x"]);
    assert.deepEqual(rowCells(h, "doc-communes-831", "Xã Tân Thạch").slice(0, 1), ["1"]);
    assert.equal((await s.agent.post("/staff/reports").type("form").send({ _csrf: s.csrf, period: "2020-Q1", scope: "province", issuedOn: "2020-04-05" })).status, 403, "supervisors read, they do not file");
  });
});
