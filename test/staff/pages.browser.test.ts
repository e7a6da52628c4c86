/**
 * The staff account and administration pages in a real browser with
 * JavaScript off, on a 360 px phone: an administrator signs in, enrols TOTP
 * by typing the secret the page shows, and walks every page. Each page must
 * be accessible (axe-core: no serious or critical violation), fit the screen
 * (wide tables scroll inside their own box), break no CSP rule, and load
 * nothing from another origin.
 */
import assert from "node:assert/strict";
import { generateSync } from "otplib";
import type { Page } from "playwright-core";
import { startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, PASSWORD } from "../support/factories.js";
import { axeViolations, browserAvailable, launch, screenshot, scrollsSideways, type Browser } from "../support/browser.js";
import { createPoliceUnit } from "../../src/commands/policeUnitCreator.js";

describe("staff pages in a real browser (Chromium, JavaScript off)", function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const foreign: string[] = [];
  const cspErrors: string[] = [];

  /** A second browser with JavaScript on, only to run axe-core (it cannot run in the page with JavaScript off). */
  let axeBrowser: Browser;
  let axePage: Page;

  /** The checks every staff page must pass: axe runs on the very document the JavaScript-less browser shows. */
  async function checkPage(name: string): Promise<void> {
    await screenshot(page, `staff-${name}`);
    const wide = await page.$$eval("body *", (els) => els.filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-scroll")).map((e) => `${e.tagName}.${e.className}`));
    assert.equal(await scrollsSideways(page), false, `${name} fits 360 px (too wide: ${wide.join(", ")})`);
    await axePage.setContent(await page.content());
    assert.deepEqual(await axeViolations(axePage), [], `axe on ${name}`);
  }

  before(async function () {
    if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
    app = await startTestApp({ env: { LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
    await resetData(app);
    const admin = await anAdministrator(app.ctx, "quantri@example.org");
    await aStaffMember(app.ctx, "liaison", "831", "lienlac831@example.org");
    await createPoliceUnit(app.ctx, { id: admin.id, role: "admin", districtCode: null, policeUnitId: null }, { name: "Công an huyện Châu Thành", districtCode: "831" });
    browser = await launch({ javaScript: false, phone: true });
    page = await browser.context.newPage();
    axeBrowser = await launch({ phone: true });
    axePage = await axeBrowser.context.newPage();
    // Same origin, so the page's stylesheets load when its HTML is set here.
    await axePage.goto(`${app.url}/staff/login`);
    page.on("request", (r) => {
      if (!r.url().startsWith(app.url) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    await axeBrowser?.close();
    await app?.stop();
  });

  it("when an administrator signs in, enrols TOTP and opens each page on a phone, then every page is accessible and fits", async () => {
    await page.goto(`${app.url}/staff/login`);
    await checkPage("login");
    // A wrong password first: the message is announced and the page stays accessible.
    await page.getByLabel("Email").fill("quantri@example.org");
    await page.getByLabel("Mật khẩu").fill("không phải mật khẩu");
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    assert.ok(await page.getByRole("alert").isVisible());
    await checkPage("login-error");

    await page.getByLabel("Mật khẩu").fill(PASSWORD);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    assert.match(page.url(), /\/staff\/totp\/enroll$/);
    assert.ok(await page.getByRole("img", { name: /QR/ }).isVisible(), "the QR code is shown");
    await checkPage("totp-enroll");
    const secret = (await page.locator("#totp-secret").textContent())!.trim();
    await page.getByLabel("Mã xác thực").fill(generateSync({ secret }));
    await page.getByRole("button", { name: "Xác nhận và đăng nhập" }).click();
    assert.match(page.url(), /\/staff$/);
    await checkPage("home");

    for (const [name, path] of [
      ["users", "/staff/admin/users"],
      ["invite", "/staff/admin/users/invite"],
      ["police-units", "/staff/admin/police-units"],
      ["audit", "/staff/audit"],
      ["password", "/staff/profile/password"],
      ["audit-en", "/staff/audit?lang=en"],
    ] as const) {
      const res = await page.goto(`${app.url}${path}`);
      assert.equal(res?.status(), 200, path);
      await checkPage(name);
    }

    // A form sent with mistakes: the messages sit next to the fields, and the page stays accessible.
    await page.goto(`${app.url}/staff/admin/users/invite`);
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByRole("button", { name: "Gửi lời mời" }).click();
    assert.ok(await page.locator("#role-error").isVisible(), "no role chosen: said next to the role");
    assert.equal(await page.getByLabel("Email").inputValue(), "not-an-email", "what was typed is kept");
    await checkPage("invite-errors");

    await page.getByRole("button", { name: "Đăng xuất" }).click();
    assert.match(page.url(), /\/staff\/login\?loggedOut=1$/);

    assert.deepEqual(foreign, [], "nothing loaded from another origin");
    assert.deepEqual(cspErrors, [], "no Content-Security-Policy violation");
  });
});
