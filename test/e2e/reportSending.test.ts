/**
 * Sending the report form from a cheap phone on a slow connection, in
 * Chromium at 360×640: with JavaScript the form shows "Đang gửi…" with the
 * upload's progress, a second tap sends nothing more (one receipt page, one
 * tip), a connection lost after the tip was stored leaves the form to be sent
 * again for the same receipt, a camera-sized photo is shrunk before it is
 * sent, and a file of the wrong type is refused before upload; without
 * JavaScript the plain post still ends on a receipt, after a double tap too.
 * A TCP proxy between the browser and the app counts the uploaded bytes and
 * drops the connection.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { TestApp } from "../support/app.js";
import { launch, screenshot } from "../support/browser.js";
import type { TcpProxy } from "../support/tcpProxy.js";
import { cameraLikePhoto } from "../support/photos.js";
import { assertNotAPhotoRefused, startPhoneSending, type PhoneSending } from "../support/phoneSending.js";

const KB = 1024;
const RECEIPT = /\d{4} \d{4} \d{4} \d{4}/g;

describe("sending the report form from a slow phone (Chromium)", function () {
  this.timeout(180_000);
  let app: TestApp;
  let proxy: TcpProxy;
  let files: Record<"medium" | "large" | "text", { file: string; bytes: number }>;
  let phone: PhoneSending<"medium" | "large" | "text"> | undefined;
  const count = async (sql: string) => (await app.ctx.database.pool.query(sql)).rows[0].n as number;
  const tips = () => count("SELECT count(*)::int AS n FROM tips");
  const photos = () => count("SELECT count(*)::int AS n FROM tip_items WHERE kind = 'photo'");

  before(async function () {
    phone = await startPhoneSending("homthu-sending-", {
      medium: { name: "vuon.jpg", data: await cameraLikePhoto(800, 600) },
      large: { name: "IMG_20261201_081523.jpg", data: await cameraLikePhoto(4000, 3000) },
      text: { name: "notes.txt", data: Buffer.from("không phải ảnh") },
    });
    ({ app, proxy, files } = phone);
  });
  after(async () => phone?.stop());

  async function fillReport(page: Page, photo: string) {
    await page.goto(proxy.url + "/report");
    await page.getByLabel(/Trồng cây/).check();
    await page.selectOption("#districtCode", "831");
    await page.selectOption("#communeCode", "28801");
    await page.fill("#description", "Có một vườn cần sa khoảng ba mươi cây phía sau nhà hoang gần trường.");
    await page.setInputFiles("#photos", photo);
  }

  /** A cheap phone's upload (CDP network emulation), then two taps on "Gửi tin" 150 ms apart. */
  async function doubleTapThrottled(page: Page) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: 200 * KB, uploadThroughput: 40 * KB });
    const button = page.getByRole("button", { name: /Gửi tin/ });
    await button.scrollIntoViewIfNeeded();
    const box = (await button.boundingBox())!;
    proxy.reset();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(150);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  }

  /** The receipt codes on the page once it shows one (a second code would mean a second tip). */
  async function receiptCodes(page: Page): Promise<string[]> {
    await page.waitForSelector(".receipt-code", { timeout: 90_000 });
    return (await page.textContent(".receipt-code"))!.match(RECEIPT) ?? [];
  }

  it("when a tipster on a 360×640 phone at 40 KB/s up taps “Gửi tin” twice quickly with a photo, then “Đang gửi…” shows the upload's progress, the page ends on one receipt page and one tip is stored", async () => {
    const before = { tips: await tips(), photos: await photos() };
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => void (/Content Security Policy|error/i.test(m.text()) && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(e.message));
      const posts: string[] = [];
      page.on("request", (r) => void (r.method() === "POST" && posts.push(r.resourceType())));
      await fillReport(page, files.medium.file);
      const started = Date.now();
      await doubleTapThrottled(page);

      assert.equal(await page.isDisabled(".form-submit button"), true, "the button is disabled while sending");
      await page.waitForFunction(() => /Đang gửi… [1-9]\d*%/.test(document.getElementById("send-status")?.textContent ?? ""));
      await screenshot(page, "05-report-sending-phone", ".form-submit");
      const codes = await receiptCodes(page);
      const seconds = (Date.now() - started) / 1000;

      assert.equal(codes.length, 1, "one receipt code on the page");
      assert.deepEqual(posts, ["xhr"], "the second tap sent nothing");
      assert.match((await page.textContent("h1"))!, /Đã gửi tin/);
      assert.equal(await page.locator(".error-summary, form.report-form").count(), 0, "no form sent back with an error (expired, still sending)");
      assert.equal(await tips(), before.tips + 1, "exactly one tip in PostgreSQL");
      assert.equal(await photos(), before.photos + 1, "its one photo");
      assert.ok(seconds > files.medium.bytes / (40 * KB), `the upload was throttled (${seconds.toFixed(1)} s)`);
      assert.deepEqual(problems, []);
      console.log(`      double tap at 40 KB/s: photo ${(files.medium.bytes / KB).toFixed(0)} KB, ${(proxy.sent() / KB).toFixed(0)} KB sent, receipt after ${seconds.toFixed(1)} s`);
      assert.equal(await page.getAttribute("a.done-link", "aria-disabled"), "true", "app.js runs on the receipt page the script wrote (Done locked until ticked)");
    } finally {
      await browser.close();
    }
  });

  it("when the connection drops after the tip was stored, then the form stays and says so, and tapping “Gửi tin” again shows that tip's receipt without a second tip", async () => {
    const before = await tips();
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      await fillReport(page, files.medium.file);
      proxy.dropNextAnswer();
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      await page.waitForFunction(() => /mất kết nối/.test(document.getElementById("send-status")?.textContent ?? ""));
      assert.equal(await tips(), before + 1, "the first post was stored before its answer was lost");
      assert.equal(await page.isEnabled(".form-submit button"), true, "the button can be tapped again");
      assert.equal(await page.inputValue("#description"), "Có một vườn cần sa khoảng ba mươi cây phía sau nhà hoang gần trường.");
      await screenshot(page, "07-report-connection-dropped-phone", ".form-submit");
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      assert.equal((await receiptCodes(page)).length, 1);
      assert.equal(await tips(), before + 1, "still one tip");
    } finally {
      await browser.close();
    }
  });

  it("when the server sends the form back with an error, then that page replaces the form with its error summary, and the corrected form is sent by script again", async () => {
    const before = await tips();
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      const posts: string[] = [];
      page.on("request", (r) => void (r.method() === "POST" && posts.push(r.resourceType())));
      await fillReport(page, files.medium.file);
      // Long enough for the browser's minlength, too short once the server trims it.
      await page.fill("#description", "Quá ngắn" + " ".repeat(20));
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      await page.waitForSelector("#description-error");
      assert.equal(await page.evaluate(() => document.activeElement?.className), "error-summary", "app.js moved focus to the summary");
      assert.equal(await tips(), before);
      await page.fill("#description", "Có một vườn cần sa khoảng ba mươi cây phía sau nhà hoang gần trường.");
      await page.setInputFiles("#photos", files.medium.file);
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      assert.equal((await receiptCodes(page)).length, 1);
      assert.deepEqual(posts, ["xhr", "xhr"], "the page written by the script sends by script too");
      assert.equal(await tips(), before + 1);
    } finally {
      await browser.close();
    }
  });

  it("when a 4000×3000 camera photo is attached, then the browser shrinks it to under 1 MB before upload, and the receipt page follows", async () => {
    assert.ok(files.large.bytes > 3 * KB * KB, `the test photo is camera-sized (${files.large.bytes} bytes)`);
    const before = await photos();
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      await fillReport(page, files.large.file);
      proxy.reset();
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      assert.equal((await receiptCodes(page)).length, 1);
      const sent = proxy.sent();
      assert.ok(sent < KB * KB, `sent ${sent} bytes, under 1 MB`);
      assert.equal(await photos(), before + 1, "the shrunk photo was stored");
      console.log(`      4000×3000 photo: ${(files.large.bytes / KB).toFixed(0)} KB on the phone, ${(sent / KB).toFixed(0)} KB sent (${((100 * sent) / files.large.bytes).toFixed(0)}%)`);
    } finally {
      await browser.close();
    }
  });

  it("when a file that is not a photo is attached, then it is refused next to the field before anything is sent", async () => {
    const before = await tips();
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      await fillReport(page, files.text.file);
      await assertNotAPhotoRefused(page, proxy, () => page.getByRole("button", { name: /Gửi tin/ }).click(), ".form-submit button");
      assert.equal(await tips(), before);
    } finally {
      await browser.close();
    }
  });

  it("when JavaScript is off, then the same form with the camera photo is a plain post that still ends on a receipt (the photo goes whole)", async () => {
    const before = await tips();
    const browser = await launch({ phone: true, javaScript: false });
    try {
      const page = await browser.context.newPage();
      await fillReport(page, files.large.file);
      proxy.reset();
      await page.getByRole("button", { name: /Gửi tin/ }).click();
      assert.equal((await receiptCodes(page)).length, 1);
      assert.ok(proxy.sent() > files.large.bytes, "the photo was sent as it was");
      assert.equal(await tips(), before + 1);
      console.log(`      without JavaScript: ${(proxy.sent() / KB).toFixed(0)} KB sent`);
    } finally {
      await browser.close();
    }
  });

  it("when JavaScript is off and the tipster taps “Gửi tin” twice at 40 KB/s up, then the plain post ends on one receipt page and one tip", async () => {
    const before = await tips();
    const browser = await launch({ phone: true, javaScript: false });
    try {
      const page = await browser.context.newPage();
      await fillReport(page, files.medium.file);
      await doubleTapThrottled(page);
      assert.equal((await receiptCodes(page)).length, 1);
      assert.equal(await page.locator(".error-summary, form.report-form").count(), 0);
      assert.equal(await tips(), before + 1);
      console.log(`      double tap without JavaScript: ${(proxy.sent() / KB).toFixed(0)} KB sent for a ${(files.medium.bytes / KB).toFixed(0)} KB photo`);
    } finally {
      await browser.close();
    }
  });
});
