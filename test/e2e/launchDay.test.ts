/**
 * Launch day in a real browser: tips arrive before any liaison exists → the
 * administrator invites the Châu Thành liaison (email off: the link is shown),
 * who activates and sees the case locked, naming who can grant → the
 * administrator signs in, the setup checklist and "1 người đang chờ quyền đọc"
 * are on the home page, one tap grants → the liaison, on a 360×640 phone,
 * reads and forwards in three taps from the sign-in form → the police officer
 * records a structured result after a confirm step → the tipster sees their
 * own report and "Đã xử lý xong". Screenshots go to test-output/screenshots
 * (the ones in docs/screenshots were taken from this run).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateSync } from "otplib";
import type { Page } from "playwright-core";
import { createPoliceUnit } from "../../src/commands/policeUnitCreator.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import { startTestApp, resetData, type TestApp } from "../support/app.js";
import { browserAvailable, imageLoads, launch, screenshot, scrollsSideways, type Browser } from "../support/browser.js";
import { anAdministrator, PASSWORD } from "../support/factories.js";
import { photoWithGps } from "../support/photos.js";
import { within } from "../support/caseDesk.js";

const LIAISON_PASSWORD = "Cầu Hàm Luông lúc hoàng hôn 2026";

describe("launch day in a real browser", function () {
  this.timeout(300_000);
  let app: TestApp;
  let photo: string;
  const browsers: Browser[] = [];
  const figures: Record<string, number> = {};

  async function page(opts: { phone?: boolean } = {}): Promise<Page> {
    const b = await launch(opts);
    browsers.push(b);
    return b.context.newPage();
  }
  const height = (p: Page) => p.evaluate(() => document.documentElement.scrollHeight);

  async function signInWithTotp(p: Page, email: string, password: string): Promise<void> {
    await p.goto(`${app.url}/staff/login`);
    await p.fill("#email", email);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Đăng nhập" }).click();
    await p.waitForLoadState("load");
    if (await p.locator("#totp-secret").count()) {
      const secret = (await p.textContent("#totp-secret"))!.replace(/\s/g, "");
      await p.fill("#code", generateSync({ secret }));
      await p.getByRole("button", { name: "Xác nhận và đăng nhập" }).click();
      await p.waitForLoadState("load");
    }
  }

  before(async () => {
    if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
    app = await startTestApp();
    await resetData(app);
    const admin = await anAdministrator(app.ctx, "quan.tri@example.org");
    const unit = await createPoliceUnit(app.ctx, { id: admin.id, role: "admin", districtCode: null, policeUnitId: null }, { name: "Công an huyện Châu Thành", districtCode: "831" });
    await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: "cong.an.ct@example.org", role: "police", districtCode: null, policeUnitId: unit.id, password: PASSWORD }));
    photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "homthu-photo-")), "vuon.jpg");
    fs.writeFileSync(photo, await photoWithGps(1024, 768));
  });
  after(async () => {
    for (const b of browsers) await b.close();
    await app?.stop();
    if (photo) fs.rmSync(path.dirname(photo), { recursive: true, force: true });
    console.log(`      measured: ${JSON.stringify(figures)}`);
  });

  it("when tips arrive before the district has a liaison, then setup gives them to the liaison, who forwards in three taps, and the tipster sees the end", async () => {
    // 1. A tipster on a phone, before Châu Thành has a liaison.
    const tipster = await page({ phone: true });
    await tipster.goto(`${app.url}/report`);
    await tipster.getByLabel(/Trồng cây/).check();
    await tipster.selectOption("#districtCode", "831");
    await tipster.selectOption("#communeCode", "28801");
    await tipster.fill("#location", "Sau nhà hoang, ấp 2");
    await tipster.fill("#description", "Vườn cần sa sau nhà hoang gần trường, khoảng ba mươi cây.");
    await tipster.setInputFiles("#photos", photo);
    await tipster.getByRole("button", { name: /Gửi tin/ }).click();
    await tipster.waitForSelector("text=/\\d{4} \\d{4} \\d{4} \\d{4}/");
    const receipt = (await tipster.textContent("body"))!.match(/\d{4} \d{4} \d{4} \d{4}/)![0];
    await tipster.check("#confirm-saved");

    // 2. The administrator signs in: the checklist says Châu Thành has no liaison; invites one (email off: the link is shown).
    const admin = await page();
    await signInWithTotp(admin, "quan.tri@example.org", PASSWORD);
    assert.match((await admin.textContent("#check-liaisons"))!, /Huyện Châu Thành/);
    await screenshot(admin, "20-admin-home-checklist");
    await admin.goto(`${app.url}/staff/setup`);
    await screenshot(admin, "21-admin-setup");
    await admin.goto(`${app.url}/staff/admin/users/invite`);
    await admin.fill("#email", "lien.lac.ct@example.org");
    await admin.selectOption("#role", "liaison");
    await admin.selectOption("#districtCode", "831");
    await admin.getByRole("button", { name: "Gửi lời mời" }).click();
    await admin.waitForLoadState("load");
    const link = (await admin.getAttribute("#activation-link", "href"))!;

    // 3. The liaison activates on a phone; the case is listed but locked, naming who can grant.
    const liaison = await page({ phone: true });
    await liaison.goto(app.url + new URL(link).pathname + new URL(link).search);
    await liaison.fill("#password", LIAISON_PASSWORD);
    await liaison.fill("#confirmPassword", LIAISON_PASSWORD);
    await liaison.getByRole("button", { name: "Đặt mật khẩu" }).click();
    await liaison.waitForLoadState("load");
    await signInWithTotp(liaison, "lien.lac.ct@example.org", LIAISON_PASSWORD);
    const caseLink = (await liaison.locator('#new-cases a[href^="/staff/cases/"]').first().getAttribute("href"))!;
    assert.ok(caseLink, "the tip of Châu Thành is new to the liaison");
    // The routing sweep gave the waiting tip to the new liaison (it waited "received", never "assigned" to nobody).
    await within(10_000, "the tip routed to the new liaison", async () =>
      (await app.ctx.database.pool.query("SELECT 1 FROM tips t JOIN staff_users u ON u.id = t.assignee_id WHERE t.status = 'assigned' AND u.email = 'lien.lac.ct@example.org'")).rowCount === 1);
    await liaison.goto(app.url + caseLink);
    assert.match((await liaison.textContent("#case-summary"))!, /Đã giao cán bộ/);
    assert.ok(!(await liaison.content()).includes("Chưa giao"), "the page never says assigned and nobody in charge at once");
    assert.match((await liaison.textContent("#no-key-who"))!, /quan\.tri@example\.org/);
    assert.equal(await liaison.locator("#action-triage-forward").count(), 0, "no action without the key");
    await screenshot(liaison, "22-liaison-case-locked-phone");

    // 4. The administrator's home lists the liaison as waiting; one tap grants.
    await admin.goto(`${app.url}/staff`);
    assert.match((await admin.textContent("#pending-title"))!, /1 người đang chờ quyền đọc/);
    await screenshot(admin, "23-admin-pending-access");
    await admin.getByRole("button", { name: "Cấp quyền đọc ngay" }).click();
    await admin.waitForLoadState("load");
    assert.match((await admin.textContent(".flash"))!, /Đã cấp quyền đọc 1 hồ sơ cho 1 người/);

    // 5. The liaison, on 360×640, from the sign-in form: sign in (1), the new case (2), "Cần xử lý và chuyển công an" (3).
    await liaison.context().clearCookies();
    await liaison.goto(`${app.url}/staff/login`);
    await liaison.fill("#email", "lien.lac.ct@example.org");
    await liaison.fill("#password", LIAISON_PASSWORD);
    let taps = 0;
    await liaison.getByRole("button", { name: "Đăng nhập" }).click();
    taps++;
    await liaison.waitForLoadState("load");
    await liaison.locator(`#new-cases a[href="${caseLink}"]`).click();
    taps++;
    await liaison.waitForLoadState("load");
    assert.ok((await liaison.textContent("#report"))!.includes("ba mươi cây"), "the liaison reads the report");
    const button = liaison.getByRole("button", { name: "Cần xử lý và chuyển công an" });
    const box = (await button.boundingBox())!;
    figures.caseActionTopPx = Math.round(box.y);
    figures.casePageHeightPx = await height(liaison);
    assert.equal(await scrollsSideways(liaison), false, "no sideways scrolling at 360 px");
    await screenshot(liaison, "24-liaison-case-phone");
    await button.click();
    taps++;
    await liaison.waitForLoadState("load");
    assert.match((await liaison.textContent("#flash"))!, /Đã phân loại cần xử lý và chuyển công an/);
    figures.tapsFromSignInToForwarded = taps;
    assert.equal(taps, 3);
    await screenshot(liaison, "25-liaison-forwarded-phone");
    await liaison.goto(`${app.url}/staff/cases`);
    figures.inboxFirstCaseTopPx = Math.round((await liaison.locator(".case-item").first().boundingBox())!.y);
    figures.inboxHeightPx = await height(liaison);

    // 6. The police officer acknowledges and records a structured result after a confirm step.
    const police = await page({ phone: true });
    await signInWithTotp(police, "cong.an.ct@example.org", PASSWORD);
    await police.goto(app.url + caseLink);
    await police.getByRole("button", { name: "Xác nhận tiếp nhận" }).click();
    await police.waitForLoadState("load");
    await police.check("#resolve-outcome-plants_destroyed");
    await police.fill("#resolve-plantsDestroyed", "32");
    await police.fill("#resolve-areaM2", "150");
    await police.fill("#resolve-note", "Đã nhổ bỏ và tiêu hủy toàn bộ, có biên bản.");
    await police.getByRole("button", { name: "Xem lại kết quả" }).click();
    await police.waitForLoadState("load");
    assert.match((await police.textContent("#result-summary"))!, /Nhổ bỏ cây có chất ma túy[\s\S]*32[\s\S]*150/);
    await screenshot(police, "26-police-confirm-result-phone");
    await police.getByRole("button", { name: "Xác nhận và lưu kết quả" }).click();
    await police.waitForLoadState("load");
    assert.match((await police.textContent("#flash"))!, /Đã lưu kết quả/);

    // 7. The tipster sees their own report and "Đã xử lý xong".
    await tipster.goto(`${app.url}/follow-up`);
    await tipster.fill("#receipt", receipt.replace(/ /g, ""));
    await tipster.getByRole("button", { name: "Xem trạng thái" }).click();
    await tipster.waitForLoadState("load");
    const end = (await tipster.textContent("body"))!;
    assert.ok(end.includes("Đã xử lý xong"));
    assert.ok((await tipster.textContent("#sent"))!.includes("ba mươi cây"), "their own report");
    assert.ok(await imageLoads(tipster.locator('#sent img[src^="/follow-up/photos/"]')), "their photo loads");
    assert.ok(!end.includes("Công an huyện Châu Thành") && !end.includes("cong.an"), "never the unit or a person");
    await screenshot(tipster, "27-tipster-done-own-report-phone");
  });
});
