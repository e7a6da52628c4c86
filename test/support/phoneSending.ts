/**
 * What the browser tests of sending from a phone share (the report form in
 * test/e2e/reportSending.test.ts, the follow-up reply in
 * test/e2e/followUpSending.test.ts): an app with an administrator and a liaison
 * of 831, a TCP proxy in front of it that counts the uploaded bytes, throttles
 * and can drop a connection, and the files to attach, in a temporary folder.
 * `stop()` takes all of it down again, whatever part was made.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startTestApp, resetData, type TestApp } from "./app.js";
import { anAdministrator, aStaffMember } from "./factories.js";
import { browserAvailable } from "./browser.js";
import { tcpProxy, type TcpProxy } from "./tcpProxy.js";
import { tempFiles } from "./photos.js";
import { UNLIMITED } from "./caseDesk.js";

export interface PhoneSending<K extends string> {
  app: TestApp;
  proxy: TcpProxy;
  files: Record<K, { file: string; bytes: number }>;
  stop(): Promise<void>;
}

export async function startPhoneSending<K extends string>(prefix: string, contents: Record<K, { name: string; data: Buffer }>): Promise<PhoneSending<K>> {
  if (!browserAvailable()) throw new Error("Chromium is missing at /usr/bin/chromium (.ci/run installs the chromium package)");
  const app = await startTestApp({ env: UNLIMITED });
  let proxy: TcpProxy | undefined;
  try {
    await resetData(app);
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831");
    proxy = await tcpProxy(app.url);
    const made = tempFiles(prefix, contents);
    const running = proxy;
    return {
      app,
      proxy: running,
      files: made.files,
      stop: async () => {
        await running.close();
        await app.stop();
        made.remove();
      },
    };
  } catch (err) {
    await proxy?.close();
    await app.stop();
    throw err;
  }
}

/**
 * A file that is not a photo, already attached on `page`: the form's script refuses it next to the field
 * when the form is sent (`submit`), keeps the button (`button`) usable, and nothing leaves the phone.
 */
export async function assertNotAPhotoRefused(page: Page, proxy: TcpProxy, submit: () => Promise<void>, button: string): Promise<void> {
  await page.waitForSelector("#photos-error");
  proxy.reset();
  await submit();
  assert.match((await page.textContent("#photos-error"))!, /JPEG, PNG hoặc WebP/);
  assert.equal(await page.getAttribute("#photos", "aria-invalid"), "true");
  assert.equal(await page.isEnabled(button), true);
  await page.waitForTimeout(500);
  assert.equal(proxy.sent(), 0, "nothing was sent");
}
