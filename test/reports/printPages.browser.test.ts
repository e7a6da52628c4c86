/**
 * The printed report on paper: Chromium prints it to A4 (print.css, @page)
 * and the pages are counted. Four tips used to take nine pages (every
 * commune of the province with a row of zeros, fourteen headers wrapping a
 * word per line); leaving out the communes with no activity and abbreviating
 * the heads must bring that down, and asking for every commune must still work.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { browserAvailable, launch, SCREENSHOT_DIR, type Browser } from "../support/browser.js";
import { insertTips, some } from "../stats/tipFixture.js";

/** Pages of a PDF: its page objects (Chromium writes them uncompressed). */
const pagesOf = (pdf: Buffer) => (pdf.toString("latin1").match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;

describe("the printed report on A4 (Chromium)", function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: Awaited<ReturnType<typeof signIn>>;

  before(async function () {
    if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
    app = await startTestApp();
    await resetData(app);
    await anAdministrator(app.ctx);
    admin = await signIn(app, "admin@example.org");
    // Four tips in the second quarter, as in the report of issue #14.
    await insertTips(app.ctx.database.db, [...some(2, "2020-04-15T10:00:00+07:00", "831", "28801", { triageH: 2, triage: "actionable" }), ...some(1, "2020-05-02T10:00:00+07:00", "831", "28804"), ...some(1, "2020-06-10T10:00:00+07:00", "832", "28870")]);
    browser = await launch();
    page = await browser.context.newPage();
    // Same origin, so the report's stylesheets load when its HTML is set here.
    await page.goto(`${app.url}/staff/login`);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function printed(url: string, name: string): Promise<number> {
    const r = await admin.agent.get(url);
    assert.equal(r.status, 200);
    await page.setContent(r.text, { waitUntil: "load" });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOT_DIR, `${name}.pdf`), pdf);
    return pagesOf(pdf);
  }

  it("when four tips' quarter is printed for the province, then it takes a few pages, and every commune only when asked", async () => {
    const province = await printed("/staff/reports/print?period=2020-Q2", "report-print-province");
    const district = await printed("/staff/reports/print?period=2020-Q2&scope=district:831", "report-print-district");
    const all = await printed("/staff/reports/print?period=2020-Q2&allCommunes=1", "report-print-province-all");
    console.log(`      A4 pages for 4 tips: province ${province}, district ${district}, province with every commune ${all}`);
    assert.ok(province >= 2 && province <= 5, `the province's report on ${province} pages`);
    assert.ok(district <= province, `the district's report on ${district} pages`);
    assert.ok(all > province, `every commune asked: ${all} pages`);
    // The abbreviated heads fit on one line each: the header row is no taller than a body row's double.
    const heights = await page.$$eval("#doc-district-table tr", (rows) => rows.map((r) => r.getBoundingClientRect().height));
    assert.ok(heights[0]! <= heights[1]! * 2, `header row ${heights[0]} px against a row of ${heights[1]} px`);
  });
});
