/**
 * The reporting pages as staff and the public use them: the dashboard for
 * each role, the printable report, the poster, the model communes, the
 * settings and the optional public figures — server-rendered, without
 * inline script or style, and never showing a small commune count exactly to
 * someone who should see it hidden ("x").
 */
import assert from "node:assert/strict";
import request from "supertest";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { rowCells } from "../support/html.js";
import { axeViolations, browserAvailable, launch, screenshot, scrollsSideways } from "../support/browser.js";
import { insertTips, some } from "../stats/tipFixture.js";
import { lastTwelveMonths } from "../../src/routes/public/figures.js";
import { getSetting } from "../../src/settings/settings.js";
import { registerModelCommune } from "../../src/commands/modelCommuneRegistrar.js";
import { modelCommuneStatus } from "../../src/stats/modelCommuneStatus.js";

const Q2 = "2020-04-15T10:00:00+07:00";
const OTHER_DISTRICTS = ["Thành phố Bến Tre", "Huyện Chợ Lách", "Huyện Mỏ Cày Nam", "Huyện Giồng Trôm", "Huyện Bình Đại", "Huyện Ba Tri", "Huyện Thạnh Phú", "Huyện Mỏ Cày Bắc"];

/** Every page fetched in this file, to check them all for inline script and style at the end. */
const pages: Array<{ url: string; html: string }> = [];

function page(url: string, r: request.Response): string {
  pages.push({ url, html: r.text });
  return r.text;
}


describe("reporting pages", function () {
  this.timeout(120_000);
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  /** Quarter 2 of 2020: three tips in Thị trấn Châu Thành, one in Xã Tân Thạch, two in Chợ Lách. */
  async function fixture() {
    await insertTips(app.ctx.database.db, [
      ...some(3, Q2, "831", "28801", { triageH: 2, triage: "actionable" }),
      ...some(1, Q2, "831", "28804"),
      ...some(2, Q2, "832", "28870", { category: "cultivation" }),
    ]);
  }

  async function admin() {
    await anAdministrator(app.ctx);
    return signIn(app, "admin@example.org");
  }

  it("when an administrator opens the dashboard, then the figures, charts, district table and report links are there", async () => {
    await fixture();
    const a = await admin();
    const r = await a.agent.get("/staff/dashboard?period=2020-Q2");
    assert.equal(r.status, 200, r.text);
    const html = page("/staff/dashboard", r);
    assert.match(html, /quý 2 năm 2020/);
    assert.match(html, /<svg class="chart"/);
    assert.match(html, /Biểu đồ tin nhận được theo huyện, thành phố/);
    assert.deepEqual(rowCells(html, "district-table", "Huyện Châu Thành").slice(0, 3), ["4", "0", "3"]);
    assert.deepEqual(rowCells(html, "district-table", "Huyện Chợ Lách").slice(0, 1), ["2"]);
    assert.ok(html.includes('href="/staff/reports/print?period=2020-Q2&amp;scope=province"'));
    assert.ok(html.includes('href="/api/v1/reports/2020-Q2.csv?scope=province"'));
    assert.equal(r.headers["cache-control"], "no-store");

    const en = await a.agent.get("/staff/dashboard?period=2020-Q2&lang=en");
    assert.equal(en.status, 200);
    assert.match(page("/staff/dashboard?lang=en", en), /quarter 2 of 2020/);

    const bad = await a.agent.get("/staff/dashboard?period=2020-Q7&category=nonsense");
    assert.equal(bad.status, 400);
    assert.match(page("/staff/dashboard?bad", bad), /class="error-summary"/);
  });

  it("when a liaison opens the dashboard, then only their district and its communes appear, and another district is refused", async () => {
    await fixture();
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const l = await signIn(app, liaison.email);
    const r = await l.agent.get("/staff/dashboard?period=2020-Q2");
    assert.equal(r.status, 200, r.text);
    const html = page("/staff/dashboard (liaison)", r);
    const table = /<table[^>]*id="district-table"[\s\S]*?<\/table>/.exec(html)![0];
    const names = [...table.matchAll(/<th scope="row">([^<]+)<\/th>/g)].map((m) => m[1]);
    assert.equal(names[0], "Huyện Châu Thành");
    assert.ok(names.includes("Thị trấn Châu Thành") && names.includes("Xã Tân Thạch"));
    assert.ok(names.length > 10, "the district's communes are listed");
    for (const other of OTHER_DISTRICTS) assert.ok(!html.includes(other), `${other} must not appear`);
    assert.deepEqual(rowCells(html, "district-table", "Thị trấn Châu Thành").slice(0, 1), ["3"]);
    assert.deepEqual(rowCells(html, "district-table", "Xã Tân Thạch").slice(0, 1), ["1"], "a liaison sees their own communes exactly");

    assert.equal((await l.agent.get("/staff/dashboard?period=2020-Q2&scope=district:832")).status, 403);
    assert.equal((await l.agent.get("/staff/reports/print?period=2020-Q2&scope=district:832")).status, 403);
  });

  it("when a supervisor looks at a district, then a commune with one or two tips shows as x with one more commune hidden beside it, while an administrator sees the counts", async () => {
    await fixture();
    const a = await admin();
    const supervisor = await aStaffMember(app.ctx, "supervisor", null);
    const s = await signIn(app, supervisor.email);
    const url = "/staff/dashboard?period=2020-Q2&scope=district:831";
    const seen = page(url, await s.agent.get(url));
    assert.deepEqual(rowCells(seen, "district-table", "Xã Tân Thạch").slice(0, 1), ["x"]);
    // Received: the district's 4 minus Thị trấn's 3 would give Tân Thạch's 1, so Thị trấn (the smallest other count) is hidden too.
    // Actionable: only Thị trấn's 3, nothing small beside it, so it shows.
    assert.deepEqual(rowCells(seen, "district-table", "Thị trấn Châu Thành").slice(0, 3), ["x", "0", "3"]);
    assert.deepEqual(rowCells(seen, "district-table", "Huyện Châu Thành").slice(0, 1), ["4"], "district totals are not commune-level cells");
    assert.deepEqual(rowCells(seen, "district-table", "Xã Qưới Sơn").slice(0, 1), ["0"], "zero is not hidden");

    const print = page("/staff/reports/print (supervisor)", await s.agent.get("/staff/reports/print?period=2020-Q2"));
    assert.ok(print.includes("<td>x</td>") && !print.includes("&lt;3"), "the printed report follows the rule too");

    const adminView = page(url, await a.agent.get(url));
    assert.deepEqual(rowCells(adminView, "district-table", "Xã Tân Thạch").slice(0, 1), ["1"]);
    assert.ok(!adminView.includes("<td>x</td>"));

    const police = await aStaffMember(app.ctx, "police", null);
    const p = await signIn(app, police.email);
    assert.equal((await p.agent.get("/staff/dashboard")).status, 403);
  });

  it("when the printable report is opened, then it has the administrative heading, the period and the tables by district and commune", async () => {
    await fixture();
    const a = await admin();
    const r = await a.agent.get("/staff/reports/print?period=2020-Q2&scope=province");
    assert.equal(r.status, 200, r.text);
    const html = page("/staff/reports/print", r);
    // The Youth Union's format (#15): the Tỉnh đoàn's committee beside "ĐOÀN TNCS HỒ CHÍ MINH", title by period, "TM. BAN THƯỜNG VỤ".
    for (const text of ["BCH TỈNH ĐOÀN BẾN TRE", "ĐOÀN TNCS HỒ CHÍ MINH", "BÁO CÁO", "quý II năm 2020", "I. ĐÁNH GIÁ CHUNG", "III. PHƯƠNG HƯỚNG", "TM. BAN THƯỜNG VỤ", "Nơi nhận"]) assert.ok(html.includes(text), text);
    assert.ok(!html.includes("Độc lập - Tự do - Hạnh phúc"), "not the state header");
    assert.match(html, /<link rel="stylesheet" href="\/static\/css\/print.css" media="print">/);
    assert.deepEqual(rowCells(html, "doc-district-table", "Huyện Chợ Lách").slice(0, 1), ["2"]);
    assert.deepEqual(rowCells(html, "doc-communes-832", "Thị trấn Chợ Lách").slice(0, 1), ["2"], "every district's communes are tabulated");
    const css = await request(app.url).get("/static/css/print.css");
    assert.equal(css.status, 200);
    assert.match(css.text, /@page\s*{\s*size: A4;/);

    const custom = await a.agent.get("/staff/reports/print?from=2020-04-01&to=2020-04-30");
    assert.equal(custom.status, 200);
    assert.match(page("/staff/reports/print (custom)", custom), /từ ngày 01\/04\/2020 đến ngày 30\/04\/2020/);
  });

  it("when the tip line is reached on a loopback or private address, then the poster prints no QR code and explains PUBLIC_URL", async () => {
    const a = await admin();
    const config = app.ctx.config as { publicUrl?: string };
    for (const url of [undefined, "http://192.168.1.20:3000", "http://homthu.local"]) {
      config.publicUrl = url;
      const r = await a.agent.get("/staff/posters?district=831");
      assert.equal(r.status, 200);
      const html = page(`/staff/posters (${url ?? "unset"})`, r);
      assert.ok(!html.includes("<svg"), `no QR code for ${url ?? app.url}`);
      assert.match(html, /id="poster-refused"[\s\S]*PUBLIC_URL/);
    }
    config.publicUrl = undefined;
  });

  it("when a poster is asked for a district, then it carries a QR code drawn here for the tip line's own address and no other", async () => {
    const a = await admin();
    const config = app.ctx.config as { publicUrl?: string };
    const base = "https://homthu.example.org";
    config.publicUrl = base;
    const r = await a.agent.get("/staff/posters?district=831&campaign=june26");
    assert.equal(r.status, 200, r.text);
    const html = page("/staff/posters", r);
    assert.match(html, /<svg class="poster-qr" role="img"[^>]*viewBox="0 0 \d+ \d+"[^>]*><path/);
    assert.ok(html.includes(`${base}/report?district=831`), "the address is printed under the code");
    assert.ok(html.includes("Để giữ an toàn cho bạn"), "the safety advice");
    assert.ok(html.includes("Ngày Quốc tế phòng, chống ma túy 26/6"));
    const urls = [...html.matchAll(/(?:https?:)?\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    assert.ok(urls.length > 0);
    for (const u of urls) assert.ok(u.startsWith(base), `only the tip line's own address: ${u}`);
    assert.ok(!/<(img|link|script)[^>]+(src|href)="(https?:)?\/\//.test(html), "nothing loaded from elsewhere");

    const en = page("/staff/posters?lang=en", await a.agent.get("/staff/posters?lang=en"));
    assert.match(en, /<article class="poster" lang="vi">/);
    assert.ok(en.includes("HÒM THƯ TỐ GIÁC MA TÚY"), "the poster stays Vietnamese");
    assert.ok(en.includes(`${base}/`));
    config.publicUrl = undefined;
  });

  it("when the administrator switches the public figures on, then /figures shows twelve months with small counts hidden, and the change is audited", async () => {
    const months = lastTwelveMonths();
    const at = (name: string) => `${name}-10T09:00:00+07:00`;
    const last = months[11]!;
    const before = months[10]!;
    await insertTips(app.ctx.database.db, [
      ...some(1, at(last), "831", "28801", { triageH: 1, triage: "actionable", forwardH: 1, ackH: 1, outcome: "spot_eliminated" }),
      ...some(5, at(before), "832", "28870", { triageH: 1, triage: "actionable" }),
      ...some(3, at(before), "831", "28801", { category: "cultivation", triageH: 1, triage: "actionable", forwardH: 1, ackH: 1, outcome: "plants_destroyed" }),
      ...some(2, "2020-04-15T09:00:00+07:00", "831", "28801"),
    ]);
    assert.equal((await request(app.url).get("/figures")).status, 404, "off by default");
    const home = await request(app.url).get("/");
    assert.ok(!home.text.includes("/figures"), "linked from nowhere");

    const a = await admin();
    const form = await a.agent.get("/staff/admin/settings");
    assert.equal(form.status, 200);
    page("/staff/admin/settings", form);
    assert.equal((await a.agent.post("/staff/admin/settings").type("form").send({ publicFigures: "true" })).status, 403, "without the form's token");
    const saved = await a.agent.post("/staff/admin/settings").type("form").send({ _csrf: a.csrf, publicFigures: "true", "wording.spot_eliminated.vi": "Điểm bán đã bị triệt phá. Cảm ơn bạn!", "wording.spot_eliminated.en": "" });
    assert.equal(saved.status, 303, saved.text);
    assert.deepEqual(await getSetting(app.ctx.database.db, "outcomeWordings"), { spot_eliminated: { vi: "Điểm bán đã bị triệt phá. Cảm ơn bạn!", en: "" } });
    const audit = await app.ctx.database.db.execute<{ details: { changed: string[]; publicFigures: boolean } }>(sql`SELECT details FROM audit_log WHERE action = 'settings.changed'`);
    assert.equal(audit.rows.length, 1);
    assert.deepEqual(audit.rows[0]!.details.changed, ["publicFigures", "outcomeWordings"]);
    assert.equal(audit.rows[0]!.details.publicFigures, true);

    const r = await request(app.url).get("/figures");
    assert.equal(r.status, 200);
    const html = page("/figures", r);
    const rows = [...html.matchAll(/<tr>\s*<th scope="row">([^<]+)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => ({ label: m[1], cells: [...m[2]!.matchAll(/<td>([^<]*)<\/td>/g)].map((c) => c[1]) }));
    assert.equal(rows.length, 12);
    const label = (name: string) => `Tháng ${Number(name.slice(5))}/${name.slice(0, 4)}`;
    assert.deepEqual(rows[11], { label: label(last), cells: ["x", "x", "x", "0"] });
    assert.deepEqual(rows[10], { label: label(before), cells: ["8", "8", "0", "3"] });
    assert.deepEqual(rows[0]!.cells, ["0", "0", "0", "0"]);
    assert.ok(!html.includes("2020-04"), "older months are not shown");

    const settingsAfter = page("/staff/admin/settings (after)", await a.agent.get("/staff/admin/settings?saved=1"));
    assert.match(settingsAfter, /id="publicFigures" name="publicFigures" value="true"[^>]* checked/);
    assert.ok(settingsAfter.includes('value="Điểm bán đã bị triệt phá. Cảm ơn bạn!"'));

    await a.agent.post("/staff/admin/settings").type("form").send({ _csrf: a.csrf });
    assert.equal((await request(app.url).get("/figures")).status, 404, "switched off again");

    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const l = await signIn(app, liaison.email);
    assert.equal((await l.agent.get("/staff/admin/settings")).status, 403);
  });

  it("when a liaison registers model communes and records progress, then several per district are listed, a past year is closed to them, and districts without one are marked late", async () => {
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const l = await signIn(app, liaison.email);
    // The current year in Bến Tre, computed here rather than by the code under test.
    const year = new Date(Date.now() + 7 * 3_600_000).getUTCFullYear();
    const next = String(year + 1);
    const form = await l.agent.get(`/staff/model-communes?year=${next}`);
    assert.equal(form.status, 200, form.text);
    const html = page("/staff/model-communes", form);
    assert.match(html, /<input type="hidden" name="districtCode" value="831">/);
    assert.ok(html.includes("Xã Tân Thạch") && !html.includes("Huyện Chợ Lách"), "a liaison sees and picks within their district");

    const send = (body: Record<string, string>) => l.agent.post("/staff/model-communes").type("form").send({ _csrf: l.csrf, year: next, districtCode: "831", startDate: `${next}-03-01`, plannedEndDate: `${next}-12-31`, content: "Xã không ma túy", ...body });
    const wrong = await send({ communeCode: "28870" });
    assert.equal(wrong.status, 400);
    assert.match(page("/staff/model-communes (error)", wrong), /class="field-error"/);
    assert.equal((await send({ districtCode: "832", communeCode: "28870" })).status, 403);

    const ok = await send({ communeCode: "28804", content: "Xã Tân Thạch không ma túy" });
    assert.equal(ok.status, 303, ok.text);
    const second = await send({ communeCode: "28801", content: "Thị trấn không ma túy" });
    assert.equal(second.status, 303, "a second model in the same district and year is welcome");
    assert.equal((await send({ communeCode: "28801", content: "Lần hai" })).status, 409, "the same commune twice is not");

    // A past year is closed to the liaison, with a message and nothing written.
    const past = await l.agent.post("/staff/model-communes").type("form").send({ _csrf: l.csrf, year: "2020", districtCode: "831", communeCode: "28807", content: "Muộn", startDate: "2020-03-01", plannedEndDate: "2020-12-31" });
    assert.equal(past.status, 400);
    assert.ok(page("/staff/model-communes (closed)", past).includes("Năm này đã qua"));
    const pastPage = page("/staff/model-communes (past)", await l.agent.get("/staff/model-communes?year=2020"));
    assert.ok(!pastPage.includes('name="communeCode"'), "no registration form for a past year");

    const rows = (await app.ctx.database.db.execute<{ id: string; commune_code: string }>(sql`SELECT id, commune_code FROM model_communes ORDER BY commune_code`)).rows;
    assert.deepEqual(rows.map((r) => r.commune_code), ["28801", "28804"]);
    const progress = await l.agent.post(`/staff/model-communes/${rows[1]!.id}/progress`).type("form").send({ _csrf: l.csrf, year: next, progress: "Đã tổ chức 3 buổi sinh hoạt", completed: "true" });
    assert.equal(progress.status, 303, progress.text);
    const list = page("/staff/model-communes (after)", await l.agent.get(`/staff/model-communes?year=${next}&done=progress`));
    assert.ok(list.includes("Xã Tân Thạch không ma túy") && list.includes("Thị trấn không ma túy") && list.includes("Đã tổ chức 3 buổi sinh hoạt") && list.includes("Đã hoàn thành ngày"));

    // The administrator may still add to 2020: accepted, flagged late, audited as a past-year registration.
    const a = await signIn(app, "admin@example.org");
    const byAdmin = await a.agent.post("/staff/model-communes").type("form").send({ _csrf: a.csrf, year: "2020", districtCode: "831", communeCode: "28807", content: "Bổ sung", startDate: "2020-03-01", plannedEndDate: "2020-12-31" });
    assert.equal(byAdmin.status, 303, byAdmin.text);
    const audit = (await app.ctx.database.db.execute<{ details: { late: boolean; pastYearByAdmin?: boolean; year: number } }>(sql`SELECT details FROM audit_log WHERE action = 'model_commune.registered' AND details->>'year' = '2020'`)).rows;
    assert.deepEqual(audit.map((r) => [r.details.late, r.details.pastYearByAdmin]), [[true, true]]);
    const all = page("/staff/model-communes (admin)", await a.agent.get("/staff/model-communes?year=2020"));
    assert.match(all, /<tr class="is-late">\s*<th scope="row">Huyện Chợ Lách<\/th>/);
    assert.ok(all.includes("Chưa đăng ký – quá hạn"));
    assert.ok(all.includes("Đã đăng ký (trễ hạn)"), "Châu Thành's 2020 model was registered after 26/4/2020");
    const dash = page("/staff/dashboard (models)", await a.agent.get("/staff/dashboard?period=2020"));
    assert.ok(dash.includes("Mô hình điểm năm 2020") && dash.includes("Chưa đăng ký – quá hạn") && dash.includes("Đã đăng ký (trễ hạn)"));
    const api = await a.agent.get(`/api/v1/model-communes?year=${next}`);
    const mine = (api.body.districts as Array<{ districtCode: string; hasModel: boolean; late: boolean; registrations: unknown[] }>).find((d) => d.districtCode === "831")!;
    assert.deepEqual([mine.hasModel, mine.late, mine.registrations.length], [true, false, 2]);
  });

  it("when a model is registered around 26 April, then lateness is counted against the end of that day in Bến Tre, for the registration's own year", async () => {
    const admin = await anAdministrator(app.ctx);
    const actor = { id: admin.id, role: "admin" as const, districtCode: null, policeUnitId: null };
    const input = (communeCode: string, year: number) => ({ districtCode: "831", year, communeCode, content: "x", startDate: `${year}-05-01`, plannedEndDate: `${year}-12-31` });
    // 23:59 on 26 April 2030 in Bến Tre is 16:59 UTC; one minute later is the 27th.
    assert.equal((await registerModelCommune(app.ctx, actor, input("28801", 2030), new Date("2030-04-26T16:59:00Z"))).late, false);
    assert.equal((await registerModelCommune(app.ctx, actor, input("28804", 2030), new Date("2030-04-26T17:00:30Z"))).late, true);
    // A registration for 2031 made in 2030 is early, not late; one for 2029 made in 2030 is late.
    assert.equal((await registerModelCommune(app.ctx, actor, input("28807", 2031), new Date("2030-06-01T00:00:00Z"))).late, false);
    assert.equal((await registerModelCommune(app.ctx, actor, input("28810", 2029), new Date("2030-01-02T00:00:00Z"))).late, true);
    const status = await modelCommuneStatus(app.ctx, 2030, new Date("2030-05-01T00:00:00Z"));
    const d = status.find((x) => x.districtCode === "831")!;
    assert.deepEqual(d.registrations.map((r) => [r.communeCode, r.late]), [["28801", false], ["28804", true]]);
    assert.deepEqual([d.hasModel, d.late], [true, false]);
    assert.deepEqual(status.filter((x) => x.late).length, status.length - 1, "every other district is missing past the deadline");
  });

  it("when the pages are opened on a phone, then axe finds nothing serious, nothing scrolls sideways, and the CSP blocks nothing", async () => {
    if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
    await fixture();
    const a = await admin();
    await a.agent.post("/staff/admin/settings").type("form").send({ _csrf: a.csrf, publicFigures: "true" });
    // The agent's session cookie, handed to the browser.
    const cookie = (a.agent as unknown as { jar: { getCookie(name: string, opts: object): { value: string } | undefined } }).jar.getCookie("homthu_staff", { domain: "127.0.0.1", path: "/", secure: false, script: false });
    assert.ok(cookie, "the session cookie");
    const browser = await launch({ phone: true });
    try {
      await browser.context.addCookies([{ name: "homthu_staff", value: cookie.value, domain: "127.0.0.1", path: "/" }]);
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && !/Failed to load resource/.test(m.text()) && problems.push(m.text()));
      for (const [name, url] of [["dashboard", "/staff/dashboard?period=2020-Q2&scope=district:831"], ["print", "/staff/reports/print?period=2020-Q2"], ["poster", "/staff/posters?district=831"], ["models", "/staff/model-communes?year=2020"], ["settings", "/staff/admin/settings"], ["figures", "/figures?lang=en"]]) {
        const r = await page.goto(app.url + url!);
        assert.equal(r?.status(), 200, url);
        assert.equal(page.url(), app.url + url, "signed in, not sent to the login page");
        await screenshot(page, `reports-${name}-phone`);
        assert.deepEqual(await axeViolations(page), [], `axe on ${url}`);
        assert.equal(await scrollsSideways(page), false, `${url} scrolls sideways`);
      }
      assert.deepEqual(problems, [], "no CSP violation or script error");
    } finally {
      await browser.close();
    }
  });

  after(() => {
    // Checked last, over every page this file rendered: the CSP forbids inline code, and the pages must not need it.
    assert.ok(pages.length >= 15, `pages checked: ${pages.length}`);
    for (const { url, html } of pages) {
      assert.ok(!/<style[\s>]/i.test(html), `${url}: <style>`);
      assert.ok(!/\sstyle\s*=/i.test(html), `${url}: style attribute`);
      assert.ok(!/\son[a-z]+\s*=/i.test(html), `${url}: inline event handler`);
      for (const tag of html.match(/<script[^>]*>/gi) ?? []) assert.match(tag, /\ssrc="\/static\//, `${url}: inline script ${tag}`);
      assert.ok(!/javascript:/i.test(html), `${url}: javascript: URL`);
    }
  });
});
