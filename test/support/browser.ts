/**
 * A real browser for the end-to-end tests: Debian's Chromium driven by
 * playwright-core (never a downloaded browser), headless, with the flags this
 * closed network needs. One Chromium process serves a test file (it is closed
 * after each file by test/support/hooks.ts); each launch() is a new browser
 * context of it, as empty as a new profile: no cookie, storage or cache of
 * another launch.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { chromium, type Browser as Chromium, type BrowserContext, type Locator, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.resolve("test-output", "screenshots");

const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

let shared: Promise<Chromium> | undefined;

function chromiumProcess(): Promise<Chromium> {
  // A launch that failed is not kept: the next launch() tries again.
  shared ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS }).catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Close the file's Chromium, if one was started (test/support/hooks.ts, after every file). */
export async function closeSharedBrowser(): Promise<void> {
  const b = shared;
  shared = undefined;
  if (b) await (await b).close().catch(() => undefined);
}

/** A new empty browser context of the file's Chromium; `javaScript: false` is Tor Browser's safest mode. */
export async function launch(opts: { javaScript?: boolean; phone?: boolean } = {}): Promise<Browser> {
  const context = await (await chromiumProcess()).newContext({
    javaScriptEnabled: opts.javaScript ?? true,
    viewport: opts.phone ? { width: 360, height: 640 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale: "vi-VN",
  });
  return { context, close: () => context.close() };
}

export async function screenshot(page: Page, name: string, selector?: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Serious and critical axe-core violations of the page (axe injected by the test through DevTools, not the page). */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

/** True when the page is wider than the viewport (horizontal scrolling). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

export const browserAvailable = () => fs.existsSync(CHROMIUM);

/**
 * Whether an image shows a picture. Photos are loading="lazy", so they do not hold up the page's load event:
 * wait until the browser is done with this one (`complete` is true for a broken image too), then look.
 */
export async function imageLoads(img: Locator, timeout = 15_000): Promise<boolean> {
  await img.scrollIntoViewIfNeeded();
  await img.page().waitForFunction((el) => (el as HTMLImageElement).complete, await img.elementHandle(), { timeout });
  return img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0);
}
