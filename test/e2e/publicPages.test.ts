/**
 * The public pages in a real browser, as a student on a cheap phone sees
 * them: a report with a photo gets a receipt — with JavaScript and without
 * (Tor Browser's safest mode) — and every public page is accessible (axe-core:
 * no serious or critical violation), fits 360 px, and loads nothing from
 * another origin.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { axeViolations, browserAvailable, launch, screenshot, scrollsSideways, SCREENSHOT_DIR, type Browser } from "../support/browser.js";
import { photoWithGps } from "../support/photos.js";

describe("public pages in a real browser (Chromium)", function () {
  this.timeout(180_000);
  let app: TestApp;
  let photo: string;

  before(async function () {
    if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
    app = await startTestApp();
    await resetData(app);
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831");
    photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "homthu-photo-")), "ruong.jpg");
    fs.writeFileSync(photo, await photoWithGps(800, 600));
    console.log(`      screenshots: ${SCREENSHOT_DIR}`);
  });
  after(async () => {
    await app?.stop();
    if (photo) fs.rmSync(path.dirname(photo), { recursive: true, force: true });
  });

  for (const javaScript of [true, false]) {
    it(`when a tipster on a 360×640 phone reports a drug field with a photo${javaScript ? "" : " with JavaScript off"}, then a receipt is shown`, async () => {
      const browser: Browser = await launch({ javaScript, phone: true });
      try {
        const page = await browser.context.newPage();
        const foreign: string[] = [];
        page.on("request", (r) => {
          if (!r.url().startsWith(app.url) && !r.url().startsWith("data:")) foreign.push(r.url());
        });
        const cspErrors: string[] = [];
        page.on("console", (m) => {
          if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
        });
        await page.goto(app.url + "/");
        if (javaScript) await screenshot(page, "01-home-phone");
        await page.getByRole("link", { name: /Báo tin/ }).first().click();
        await page.waitForURL(/\/report/);
        await page.getByLabel(/Trồng cây/).check();
        await page.selectOption("#districtCode", "831");
        await page.selectOption("#communeCode", "28801");
        await page.fill("#location", "Sau trường tiểu học, ấp 2");
        await page.fill("#description", "Có một vườn cần sa khoảng ba mươi cây phía sau nhà hoang gần trường.");
        await page.setInputFiles("#photos", photo);
        if (javaScript) await screenshot(page, "02-report-form-phone");
        await page.getByRole("button", { name: /Gửi tin/ }).click();
        await page.waitForSelector("text=/\\d{4} \\d{4} \\d{4} \\d{4}/");
        const receipt = (await page.textContent("body"))!.match(/\d{4} \d{4} \d{4} \d{4}/)![0];
        assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
        if (javaScript) await screenshot(page, "03-receipt-phone");
        assert.deepEqual(foreign, [], "nothing is loaded from another origin");
        assert.deepEqual(cspErrors, [], "no Content-Security-Policy violation");
        const n = await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tip_items WHERE kind = 'photo'");
        assert.ok(n.rows[0].n >= 1, "the photo was stored (encrypted)");
      } finally {
        await browser.close();
      }
    });
  }

  it("when the form is sent with a mistake and JavaScript off, then the error is announced next to its field and the typed text is kept", async () => {
    const browser = await launch({ javaScript: false, phone: true });
    try {
      const page = await browser.context.newPage();
      await page.goto(app.url + "/report");
      await page.getByLabel(/Trồng cây/).check();
      await page.selectOption("#districtCode", "831");
      await page.selectOption("#communeCode", "28870"); // Chợ Lách: not in Châu Thành
      await page.fill("#description", "Quá ngắn nhưng đủ hai mươi ký tự để qua trình duyệt.");
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      await page.waitForSelector("#communeCode-error");
      assert.equal(await page.getAttribute("#communeCode", "aria-invalid"), "true");
      assert.match((await page.getAttribute("#communeCode", "aria-describedby")) ?? "", /communeCode-error/);
      assert.equal(await page.inputValue("#description"), "Quá ngắn nhưng đủ hai mươi ký tự để qua trình duyệt.");
      assert.ok(await page.isVisible("[role=alert]"));
      await screenshot(page, "04-report-error-phone");
    } finally {
      await browser.close();
    }
  });

  it("when each public page is checked with axe-core at 360 px, then there is no serious or critical violation and no sideways scrolling", async () => {
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      for (const p of ["/", "/?lang=en", "/report", "/report?lang=en", "/follow-up", "/follow-up?lang=en", "/no-such-page"]) {
        await page.goto(app.url + p);
        assert.deepEqual(await axeViolations(page), [], `axe on ${p}`);
        assert.equal(await scrollsSideways(page), false, `${p} scrolls sideways at 360 px`);
        const unlabeled = await page.$$eval("input:not([type=hidden]), select, textarea", (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute("aria-label")).map((e) => e.id || e.getAttribute("name")));
        assert.deepEqual(unlabeled, [], `unlabelled controls on ${p}`);
      }
    } finally {
      await browser.close();
    }
  });
});
