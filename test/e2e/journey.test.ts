/**
 * The whole journey in a real browser, in Vietnamese: a tipster on a phone
 * reports a drug field with a photo → the district liaison signs in, finds it
 * in the inbox, asks a question → the tipster comes back with the receipt and
 * answers → the liaison triages it as actionable and forwards it → a police
 * officer signs in with TOTP, acknowledges and records "drug plants destroyed"
 * → the tipster sees "Đã xử lý xong". The free-text fields carry script
 * payloads: no dialog may ever open on any page.
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
import { axeViolations, browserAvailable, imageLoads, launch, screenshot, SCREENSHOT_DIR, type Browser } from "../support/browser.js";
import { anAdministrator, aStaffMember, PASSWORD } from "../support/factories.js";
import { photoWithGps } from "../support/photos.js";

const XSS = {
  description: `Vườn cần sa sau nhà hoang <img src=x onerror=alert("d")> gần trường, khoảng ba mươi cây.`,
  location: `<script>alert("l")</script> ấp 2`,
  answer: `Đúng, cổng màu xanh "><svg onload=alert("a")>`,
};

describe("the whole journey in a real browser", function () {
  this.timeout(240_000);
  let app: TestApp;
  let photo: string;
  const browsers: Browser[] = [];
  const dialogs: string[] = [];

  async function page(opts: { phone?: boolean; javaScript?: boolean } = {}): Promise<Page> {
    const b = await launch(opts);
    browsers.push(b);
    const p = await b.context.newPage();
    p.on("dialog", async (d) => {
      // A script dialog would mean a payload ran; the receipt page's own leave warning is not one.
      if (d.type() !== "beforeunload") dialogs.push(`${p.url()}: ${d.type()} ${d.message()}`);
      await d.dismiss();
    });
    return p;
  }

  async function staffSignIn(p: Page, email: string): Promise<void> {
    await p.goto(`${app.url}/staff/login`);
    await p.fill("#email", email);
    await p.fill("#password", PASSWORD);
    await p.getByRole("button", { name: "Đăng nhập" }).click();
    await p.waitForLoadState("load");
  }

  before(async () => {
    if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
    app = await startTestApp();
    await resetData(app);
    const admin = await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831", "can.bo.doan@example.org");
    const unit = await createPoliceUnit(app.ctx, { id: admin.id, role: "admin", districtCode: null, policeUnitId: null }, { name: "Công an huyện Châu Thành", districtCode: "831" });
    await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: "cong.an@example.org", role: "police", districtCode: null, policeUnitId: unit.id, password: PASSWORD }));
    photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "homthu-photo-")), "ruong-can-sa.jpg");
    fs.writeFileSync(photo, await photoWithGps(1024, 768));
    console.log(`      screenshots: ${SCREENSHOT_DIR}`);
  });
  after(async () => {
    for (const b of browsers) await b.close();
    await app?.stop();
    if (photo) fs.rmSync(path.dirname(photo), { recursive: true, force: true });
  });

  it("when a tip goes from a phone to the police and back, then every step works in Vietnamese and the tipster sees “Đã xử lý xong”", async () => {
    // 1. The tipster, on a 360×640 phone.
    const tipster = await page({ phone: true });
    await tipster.goto(`${app.url}/report`);
    await tipster.getByLabel(/Trồng cây/).check();
    await tipster.selectOption("#districtCode", "831");
    await tipster.selectOption("#communeCode", "28801");
    await tipster.fill("#location", XSS.location);
    await tipster.fill("#description", XSS.description);
    await tipster.setInputFiles("#photos", photo);
    await tipster.getByRole("button", { name: /Gửi tin/ }).click();
    await tipster.waitForSelector("text=/\\d{4} \\d{4} \\d{4} \\d{4}/");
    const receipt = (await tipster.textContent("body"))!.match(/\d{4} \d{4} \d{4} \d{4}/)![0];
    await tipster.check("#confirm-saved"); // "I have written the code down" (else the page warns before leaving)

    // 2. The liaison finds it in the inbox and asks a question.
    const liaison = await page();
    await staffSignIn(liaison, "can.bo.doan@example.org");
    let caseLink: string | null = null;
    for (let i = 0; i < 50 && !caseLink; i++) {
      await liaison.goto(`${app.url}/staff/cases`);
      caseLink = await liaison.locator('a[href^="/staff/cases/"]').first().getAttribute("href").catch(() => null);
      if (!caseLink) await liaison.waitForTimeout(200);
    }
    assert.ok(caseLink, "the routed case appears in the liaison's inbox");
    await screenshot(liaison, "10-staff-inbox");
    assert.ok(!(await liaison.content()).includes("cần sa"), "the inbox shows no tip content");
    await liaison.goto(app.url + caseLink);
    assert.ok((await liaison.textContent("body"))!.includes("ba mươi cây"), "the liaison reads the decrypted description");
    const img = liaison.locator('img[src*="/photos/"]').first();
    assert.ok(await imageLoads(img), "the decrypted photo loads");
    await screenshot(liaison, "11-staff-case");
    assert.deepEqual(await axeViolations(liaison), [], "axe on the case page");
    await liaison.click('summary:has-text("Nhắn tin hoặc hỏi thêm người báo tin")');
    await liaison.fill("#message-text", "Nhà có cổng màu xanh phải không?");
    await liaison.check("#message-purpose-question");
    await liaison.getByRole("button", { name: "Gửi", exact: true }).click();
    await liaison.waitForLoadState("load");
    assert.ok((await liaison.textContent("body"))!.includes("Nhà có cổng màu xanh phải không?"));

    // 3. The tipster comes back with the receipt and answers with a photo.
    await tipster.goto(`${app.url}/follow-up`);
    await tipster.fill("#receipt", receipt.replace(/ /g, ""));
    await tipster.getByRole("button", { name: "Xem trạng thái" }).click();
    await tipster.waitForSelector("text=Nhà có cổng màu xanh phải không?");
    await screenshot(tipster, "12-follow-up-question-phone");
    await tipster.fill("#text", XSS.answer);
    await tipster.setInputFiles("#photos", photo);
    await tipster.getByRole("button", { name: "Gửi", exact: true }).click();
    await tipster.waitForSelector("text=cổng màu xanh \"");

    // 4. The liaison reads the answer, triages the case as actionable and forwards it.
    await liaison.reload();
    assert.ok((await liaison.textContent("body"))!.includes("Đúng, cổng màu xanh"));
    await liaison.getByRole("button", { name: "Cần xử lý và chuyển công an" }).click();
    await liaison.waitForLoadState("load");
    assert.ok((await liaison.textContent("#flash"))!.includes("Đã phân loại cần xử lý và chuyển công an"));
    assert.ok((await liaison.textContent("body"))!.includes("Công an huyện Châu Thành"));

    // 5. The police officer signs in with TOTP, acknowledges and records the result.
    const police = await page();
    await staffSignIn(police, "cong.an@example.org");
    await police.waitForSelector("#totp-secret");
    await screenshot(police, "13-staff-totp-enrolment");
    const secret = (await police.textContent("#totp-secret"))!.replace(/\s/g, "");
    await police.fill("#code", generateSync({ secret }));
    await police.getByRole("button", { name: "Xác nhận và đăng nhập" }).click();
    await police.waitForLoadState("load");
    await police.goto(app.url + caseLink);
    assert.ok((await police.textContent("body"))!.includes("ba mươi cây"), "the unit reads the forwarded case");
    await police.getByRole("button", { name: "Xác nhận tiếp nhận" }).click();
    await police.waitForLoadState("load");
    await police.check("#resolve-outcome-plants_destroyed");
    await police.fill("#resolve-plantsDestroyed", "30");
    await police.getByRole("button", { name: "Xem lại kết quả" }).click();
    await police.waitForLoadState("load");
    await police.getByRole("button", { name: "Xác nhận và lưu kết quả" }).click();
    await police.waitForLoadState("load");
    assert.ok((await police.textContent("#flash"))!.includes("Đã lưu kết quả"));
    await screenshot(police, "14-staff-case-resolved");

    // 6. The tipster sees that the report was acted on, in plain words.
    await tipster.goto(`${app.url}/follow-up/tip`);
    const finalText = (await tipster.textContent("body"))!;
    assert.ok(finalText.includes("Đã xử lý xong"), "the tipster sees Đã xử lý xong");
    assert.ok(!finalText.includes("Công an huyện Châu Thành") && !finalText.includes("cong.an@"), "never the unit or a person");
    await screenshot(tipster, "15-follow-up-done-phone");

    assert.deepEqual(dialogs, [], "no script from a tip ever ran");
  });
});
