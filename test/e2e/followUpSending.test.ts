/**
 * Sending a reply with photos from the follow-up page on a phone, in Chromium
 * at 360×640, as test/e2e/reportSending.test.ts does for the report form: with
 * JavaScript the reply form shows "Đang gửi…", shrinks a camera-sized photo
 * before it is sent and refuses a file of the wrong type before upload, and
 * the follow-up page with the new message follows; without JavaScript the
 * plain post still adds the message (the photo goes whole). A TCP proxy
 * between the browser and the app counts the uploaded bytes.
 */
import assert from "node:assert/strict";
import request from "supertest";
import type { Page } from "playwright-core";
import type { TestApp } from "../support/app.js";
import { aTip } from "../support/factories.js";
import { launch } from "../support/browser.js";
import type { TcpProxy } from "../support/tcpProxy.js";
import { cameraLikePhoto } from "../support/photos.js";
import { assertNotAPhotoRefused, startPhoneSending, type PhoneSending } from "../support/phoneSending.js";

const KB = 1024;
const TEXT = "Tối nay họ lại tụ tập ở bến đò, em gửi thêm ảnh chụp từ xa.";

describe("sending a reply with photos from the follow-up page (Chromium)", function () {
  this.timeout(180_000);
  let app: TestApp;
  let proxy: TcpProxy;
  let receipt: string;
  let files: Record<"large" | "text", { file: string; bytes: number }>;
  let phone: PhoneSending<"large" | "text"> | undefined;
  const count = async (sql: string) => (await app.ctx.database.pool.query(sql)).rows[0].n as number;
  const messages = () => count("SELECT count(*)::int AS n FROM tip_items WHERE kind = 'message' AND author = 'tipster'");
  const photos = () => count("SELECT count(*)::int AS n FROM tip_items WHERE kind = 'photo'");

  before(async function () {
    phone = await startPhoneSending("homthu-reply-", {
      large: { name: "IMG_20261201_201533.jpg", data: await cameraLikePhoto(4000, 3000) },
      text: { name: "notes.txt", data: Buffer.from("không phải ảnh") },
    });
    ({ app, proxy, files } = phone);
    const sent = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    receipt = sent.body.receipt as string;
  });
  after(async () => phone?.stop());

  /** Sign in with the receipt, then type a reply and attach `photo` on the follow-up page. */
  async function fillReply(page: Page, photo: string) {
    await page.goto(proxy.url + "/follow-up");
    await page.fill("#receipt", receipt);
    await page.getByRole("button", { name: /Xem trạng thái/ }).click();
    await page.waitForSelector("form.reply-form");
    await page.fill("#text", TEXT);
    await page.setInputFiles("#photos", photo);
  }

  const send = (page: Page) => page.locator("form.reply-form button[type=submit]").click();

  it("when a tipster attaches a 4000×3000 camera photo to a reply, then the browser shrinks it to under 1 MB before upload and the page shows the message with its photo", async () => {
    assert.ok(files.large.bytes > 3 * KB * KB, `the test photo is camera-sized (${files.large.bytes} bytes)`);
    const before = { messages: await messages(), photos: await photos() };
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => void (/Content Security Policy|error/i.test(m.text()) && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(e.message));
      const posts: string[] = [];
      await fillReply(page, files.large.file);
      page.on("request", (r) => void (r.method() === "POST" && posts.push(r.resourceType())));
      proxy.reset();
      await send(page);
      assert.equal(await page.isDisabled("form.reply-form button[type=submit]"), true, "the button is disabled while sending");
      assert.match((await page.textContent("#send-status"))!, /Đang (thu nhỏ ảnh|gửi)/);
      await page.locator(".conversation", { hasText: TEXT }).waitFor({ timeout: 90_000 });
      const sent = proxy.sent();
      assert.deepEqual(posts, ["xhr"], "sent by script");
      assert.ok(sent < KB * KB, `sent ${sent} bytes, under 1 MB`);
      assert.match((await page.textContent(".conversation"))!, /1 ảnh đính kèm/);
      assert.equal(await messages(), before.messages + 1, "one message stored");
      assert.equal(await photos(), before.photos + 1, "the shrunk photo was stored");
      assert.deepEqual(problems, []);
      console.log(`      reply with a 4000×3000 photo: ${(files.large.bytes / KB).toFixed(0)} KB on the phone, ${(sent / KB).toFixed(0)} KB sent`);
    } finally {
      await browser.close();
    }
  });

  it("when a file that is not a photo is attached to a reply, then it is refused next to the field before anything is sent", async () => {
    const before = await messages();
    const browser = await launch({ phone: true });
    try {
      const page = await browser.context.newPage();
      await fillReply(page, files.text.file);
      await assertNotAPhotoRefused(page, proxy, () => send(page), "form.reply-form button[type=submit]");
      assert.equal(await messages(), before);
    } finally {
      await browser.close();
    }
  });

  it("when JavaScript is off, then the same reply with the camera photo is a plain post that still adds the message (the photo goes whole)", async () => {
    const before = { messages: await messages(), photos: await photos() };
    const browser = await launch({ phone: true, javaScript: false });
    try {
      const page = await browser.context.newPage();
      await fillReply(page, files.large.file);
      proxy.reset();
      await send(page);
      await page.locator(".conversation", { hasText: TEXT }).waitFor({ timeout: 90_000 });
      assert.ok(proxy.sent() > files.large.bytes, "the photo was sent as it was");
      assert.equal(await messages(), before.messages + 1);
      assert.equal(await photos(), before.photos + 1);
      console.log(`      reply without JavaScript: ${(proxy.sent() / KB).toFixed(0)} KB sent`);
    } finally {
      await browser.close();
    }
  });
});
