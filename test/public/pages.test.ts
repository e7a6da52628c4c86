/**
 * The public pages as a tipster's browser sees them: the home page in both
 * languages, the report form posted without JavaScript, its token, the
 * receipt page, the error pages, and the headers that keep a phone clean.
 * Expected text is read from the locale files, never typed here.
 */
import assert from "node:assert/strict";
import request from "supertest";
import sharp from "sharp";
import { mac, randomBytes } from "../../src/crypto/index.js";
import { translator } from "../../src/i18n/index.js";
import { openTipByReceipt } from "../../src/tips/tipReader.js";
import { useTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";

const vi = translator("vi");
const en = translator("en");

/** Text as nunjucks autoescape writes it into the page. */
const html = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The hidden form token of a rendered report form. */
function formTokenIn(page: string): string {
  const m = /<input type="hidden" name="formToken" value="([^"]+)">/.exec(page);
  assert.ok(m, "the page carries a form token");
  return m[1]!;
}

/** The receipt shown on a receipt page. */
function receiptIn(page: string): string {
  const m = /class="receipt-code"[^>]*>\s*(\d{4} \d{4} \d{4} \d{4})\s*</.exec(page);
  assert.ok(m, "the page shows a receipt");
  return m[1]!;
}

async function tipCount(app: TestApp): Promise<number> {
  return (await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips")).rows[0]!.n;
}

describe("public pages", function () {
  this.timeout(60_000);
  const app = useTestApp();

  beforeEach(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831");
  });

  /** GET /report (optionally ?lang=…) and return its fresh token. */
  async function freshToken(query = ""): Promise<string> {
    const res = await request(app.url).get(`/report${query}`);
    assert.equal(res.status, 200);
    return formTokenIn(res.text);
  }

  /** Post the report form as a browser does: multipart, one field per input. */
  function postForm(fields: Record<string, unknown>, photo?: Buffer) {
    let req = request(app.url).post("/report").set("Sec-Fetch-Site", "same-origin");
    for (const [name, value] of Object.entries(fields)) req = req.field(name, String(value));
    if (photo) req = req.attach("photos", photo, { filename: "IMG_2024.jpg", contentType: "image/jpeg" });
    return req;
  }

  describe("GET /", () => {
    it("when a tipster opens the home page, then it is in Vietnamese with the report button, safety advice and quick exit", async () => {
      const res = await request(app.url).get("/");
      assert.equal(res.status, 200);
      assert.match(res.headers["content-type"]!, /text\/html/);
      assert.match(res.text, /<html lang="vi">/);
      for (const key of ["home.reportButton", "home.heading", "home.who.title", "home.anonymity.title", "home.safety.privateWindow", "home.safety.sharedDevice", "home.safety.noFaces", "layout.quickExit"])
        assert.ok(res.text.includes(html(vi(key))), `the page shows ${key}`);
      assert.match(res.text, /href="\/report"/);
      assert.ok(res.text.includes(`href="${app.ctx.config.quickExitUrl}"`), "the quick exit leads to the neutral site");
    });

    it("when a tipster opens /?lang=en, then the page is in English and links keep the language", async () => {
      const res = await request(app.url).get("/?lang=en");
      assert.equal(res.status, 200);
      assert.match(res.text, /<html lang="en">/);
      assert.ok(res.text.includes(html(en("home.reportButton"))));
      assert.ok(res.text.includes(html(en("home.safety.privateWindow"))));
      assert.ok(!res.text.includes(html(vi("home.heading"))), "no Vietnamese heading on the English page");
      assert.match(res.text, /href="\/report\?lang=en"/);
    });

    it("when a tipster looks for the other language, then a visible switch leads to it", async () => {
      const viPage = await request(app.url).get("/");
      assert.ok(viPage.text.includes(`href="/?lang=en"`) && viPage.text.includes(html(vi("layout.otherLanguage"))));
      const enPage = await request(app.url).get("/?lang=en");
      assert.ok(enPage.text.includes(`href="/"`) && enPage.text.includes(html(en("layout.otherLanguage"))));
    });
  });

  describe("GET /report", () => {
    it("when a tipster opens the form, then it carries a form token, every category and the communes grouped by district", async () => {
      const res = await request(app.url).get("/report");
      assert.equal(res.status, 200);
      assert.match(formTokenIn(res.text), /^\d+\.[0-9a-f]{32}\.\S+$/);
      assert.match(res.text, /<form[^>]+method="post"[^>]+action="\/report"[^>]+enctype="multipart\/form-data"/);
      for (const c of ["selling", "using", "storage", "cultivation", "luring_minors", "help_request", "other"]) {
        assert.ok(res.text.includes(`value="${c}"`), `category ${c}`);
        assert.ok(res.text.includes(html(vi(`categories.${c}`))));
      }
      assert.match(res.text, /<select id="communeCode" name="communeCode"/);
      assert.match(res.text, /<optgroup label="Huyện Châu Thành" data-district="831">[\s\S]*?<option value="28801">Thị trấn Châu Thành<\/option>/);
      assert.equal((res.text.match(/<optgroup /g) ?? []).length, 9, "one group per district, so it works without JavaScript");
      assert.ok(res.text.includes(html(vi("report.submit"))));
    });

    it("when a tipster opens the form twice, then each time gets its own token", async () => {
      assert.notEqual(await freshToken(), await freshToken());
    });

    it("when no recovery key exists yet, then the form says the tip line is not open (503)", async () => {
      await resetData(app);
      const res = await request(app.url).get("/report");
      assert.equal(res.status, 503);
      assert.ok(res.text.includes(html(vi("notReady.title"))));
      assert.ok(res.text.includes(html(vi("notReady.body"))));
      assert.ok(!res.text.includes('name="formToken"'), "no form is offered");
    });

    it("when a form is posted while no recovery key exists, then it is refused with the not-ready page and nothing is stored", async () => {
      const formToken = await freshToken();
      await resetData(app);
      const res = await postForm({ formToken, ...aTip() });
      assert.equal(res.status, 503);
      assert.ok(res.text.includes(html(vi("notReady.body"))));
      assert.equal(await tipCount(app), 0);
    });
  });

  describe("POST /report", () => {
    it("when a tipster fills in the form with a photo, then a 201 page shows the receipt, and the receipt opens the tip", async () => {
      const photo = await sharp({ create: { width: 120, height: 90, channels: 3, background: "#4caf50" } }).jpeg().toBuffer();
      const tip = aTip({ urgent: "true", observedAt: "2024-05-01" });
      const res = await postForm({ formToken: await freshToken(), ...tip }, photo);
      assert.equal(res.status, 201, res.text.slice(0, 2000));
      for (const key of ["receipt.title", "receipt.codeLabel", "receipt.onlyWay", "receipt.writeDown", "receipt.confirm"]) assert.ok(res.text.includes(html(vi(key))), key);
      assert.ok(!res.text.includes(html(vi("receipt.help.title"))), "no counselling list for an ordinary tip");
      const opened = await openTipByReceipt(app.ctx.database.db, receiptIn(res.text), app.ctx.keys.receiptSalt);
      assert.equal(opened?.report.description, tip.description);
      assert.equal(opened?.photos.length, 1);
      assert.equal((await app.ctx.database.pool.query("SELECT urgent FROM tips")).rows[0].urgent, true);
    });

    it("when the form was opened in English, then the receipt page is in English too", async () => {
      const res = await postForm({ formToken: await freshToken("?lang=en"), lang: "en", ...aTip() });
      assert.equal(res.status, 201, res.text.slice(0, 2000));
      assert.match(res.text, /<html lang="en">/);
      assert.ok(res.text.includes(html(en("receipt.onlyWay"))));
    });

    it("when someone asks for help to quit, then the receipt page lists the counselling and treatment services", async () => {
      const res = await postForm({ formToken: await freshToken(), ...aTip({ category: "help_request", description: "Em trai tôi muốn cai nghiện nhưng không biết bắt đầu từ đâu." }) });
      assert.equal(res.status, 201, res.text.slice(0, 2000));
      for (const item of ["title", "intro", "youthUnion", "communeHealth", "districtHealth", "treatment", "hotline"])
        assert.ok(res.text.includes(html(vi(`receipt.help.${item}`))), `receipt.help.${item}`);
      receiptIn(res.text);
    });

    it("when the same form token is posted again, then the same receipt page comes back (twice at most), then form_expired, and one tip is stored", async () => {
      const formToken = await freshToken();
      const first = await postForm({ formToken, ...aTip() });
      assert.equal(first.status, 201);
      for (let i = 0; i < 2; i++) {
        const again = await postForm({ formToken, ...aTip() });
        assert.equal(again.status, 201, "a repeat of the same form gets the same receipt page");
        assert.equal(receiptIn(again.text), receiptIn(first.text));
      }
      const replay = await postForm({ formToken, ...aTip() });
      assert.equal(replay.status, 400);
      assert.ok(replay.text.includes(html(vi("errors.form_expired"))));
      assert.notEqual(formTokenIn(replay.text), formToken, "a fresh token comes with the re-shown form");
      assert.equal(await tipCount(app), 1);
    });

    it("when the form token is forged, then it is refused like an expired one", async () => {
      for (const formToken of ["", "not-a-token", `${Date.now()}.${"ab".repeat(16)}.${"cd".repeat(16)}`]) {
        const res = await postForm({ formToken, ...aTip() });
        assert.equal(res.status, 400, `token ${JSON.stringify(formToken)}`);
        assert.ok(res.text.includes(html(vi("errors.form_expired"))));
      }
      assert.equal(await tipCount(app), 0);
    });

    it("when the form token is missing, then the form is refused", async () => {
      const res = await postForm({ ...aTip() });
      assert.equal(res.status, 400);
      assert.ok(res.text.includes(html(vi("errors.form_expired"))));
      assert.equal(await tipCount(app), 0);
    });

    it("when an authentic token has expired, then the form is refused with form_expired", async () => {
      const issued = Date.now() - app.ctx.config.limits.formTokenTtlMs - 60_000;
      const payload = `${issued}.${Buffer.from(randomBytes(16)).toString("hex")}`;
      const res = await postForm({ formToken: `${payload}.${mac(app.ctx.keys.formToken, payload)}`, ...aTip() });
      assert.equal(res.status, 400);
      assert.ok(res.text.includes(html(vi("errors.form_expired"))));
      assert.equal(await tipCount(app), 0);
    });

    it("when the input is invalid, then the form comes back (400) with the typed values kept and each message next to its field", async () => {
      const typed = { location: `Gần chợ "Bình Đại" <số 5>`, description: "Quá ngắn & vội" };
      const res = await postForm({ formToken: await freshToken(), ...aTip({ ...typed, observedAt: "2099-01-01", urgent: "true" }) });
      assert.equal(res.status, 400);
      assert.ok(res.text.includes(`value="${html(typed.location)}"`), "location kept (escaped)");
      assert.ok(res.text.includes(`>${html(typed.description)}</textarea>`), "description kept (escaped)");
      assert.ok(res.text.includes('value="2099-01-01"'), "date kept");
      assert.match(res.text, /<input type="radio" name="category" id="category-cultivation" value="cultivation" required checked/);
      assert.match(res.text, /<option value="831" selected>/);
      assert.match(res.text, /<option value="28801" selected>/);
      assert.match(res.text, /<input type="checkbox" id="urgent" name="urgent" value="true" checked/);
      assert.ok(res.text.includes(`<p class="field-error" id="description-error">${html(vi("errors.description_too_short"))}</p>`));
      assert.ok(res.text.includes(`<p class="field-error" id="observedAt-error">${html(vi("errors.date_in_future"))}</p>`));
      assert.match(res.text, /id="description"[^>]*aria-invalid="true"/);
      assert.ok(res.text.includes(html(vi("layout.errorSummaryTitle"))), "an error summary on top");
      assert.equal(await tipCount(app), 0);
    });

    it("when the input is invalid in English, then the messages are English", async () => {
      const res = await postForm({ formToken: await freshToken("?lang=en"), lang: "en", ...aTip({ communeCode: "28756" }) });
      assert.equal(res.status, 400);
      assert.ok(res.text.includes(`<p class="field-error" id="communeCode-error">${html(en("errors.commune_not_in_district"))}</p>`));
      assert.match(res.text, /<input type="hidden" name="lang" value="en">/, "the language survives the next post");
    });

    it("when the photo is not an image, then the form comes back with the photo message", async () => {
      const res = await postForm({ formToken: await freshToken(), ...aTip() }, Buffer.from("<html>not a photo</html>"));
      assert.equal(res.status, 400);
      assert.ok(res.text.includes(`<p class="field-error" id="photos-error">${html(vi("errors.photo_bad_type"))}</p>`));
      assert.ok(res.text.includes(html(vi("report.photos.reselect"))), "the tipster is told to choose the photo again");
      assert.equal(await tipCount(app), 0);
    });

    it("when the post comes from another site (Sec-Fetch-Site: cross-site), then it is refused with 403 and nothing is stored", async () => {
      let req = request(app.url).post("/report").set("Sec-Fetch-Site", "cross-site");
      for (const [name, value] of Object.entries({ formToken: await freshToken(), ...aTip() })) req = req.field(name, String(value));
      const res = await req;
      assert.equal(res.status, 403);
      assert.ok(res.text.includes(html(vi("errors.forbidden"))));
      assert.equal(await tipCount(app), 0);
    });

    it("when the post carries another site's Origin, then it is refused with 403", async () => {
      const res = await request(app.url).post("/report").set("Origin", "https://evil.example").field("formToken", await freshToken()).field("category", "selling");
      assert.equal(res.status, 403);
      assert.equal(await tipCount(app), 0);
    });
  });

  describe("headers", () => {
    const pages: Array<[string, () => request.Test]> = [
      ["GET /", () => request(app.url).get("/")],
      ["GET /report", () => request(app.url).get("/report")],
      ["POST /api/v1/tips", () => request(app.url).post("/api/v1/tips").send({})],
      ["GET /healthz", () => request(app.url).get("/healthz")],
    ];
    for (const [name, send] of pages) {
      it(`when a browser loads ${name}, then the CSP is strict, no referrer is sent and the server is not named`, async () => {
        const res = await send();
        const csp = res.headers["content-security-policy"];
        assert.ok(csp, "a Content-Security-Policy is sent");
        assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), csp);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.match(csp, /default-src 'self'/);
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.ok(!/https?:|\*/.test(csp), `no other origin: ${csp}`);
        assert.equal(res.headers["referrer-policy"], "no-referrer");
        assert.equal(res.headers["x-powered-by"], undefined);
      });
    }

    for (const path of ["/", "/report"]) {
      it(`when a shared phone loads ${path}, then the page is not cached (Cache-Control: no-store)`, async () => {
        const res = await request(app.url).get(path);
        assert.equal(res.status, 200);
        assert.match(res.headers["cache-control"] ?? "", /no-store/);
      });
    }

    it("when the pages are rendered, then they hold no inline script, event handler or style", async () => {
      for (const path of ["/", "/report", "/?lang=en"]) {
        const { text } = await request(app.url).get(path);
        assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(text), `${path}: inline <script>`);
        assert.ok(!/\son[a-z]+\s*=/i.test(text), `${path}: inline event handler`);
        assert.ok(!/\sstyle\s*=|<style/i.test(text), `${path}: inline style`);
        const withoutQuickExit = text.split(app.ctx.config.quickExitUrl).join("");
        assert.ok(!/(src|href)="(https?:)?\/\//i.test(withoutQuickExit), `${path}: a link or resource on another origin`);
      }
    });
  });

  describe("health, static files and unknown paths", () => {
    it("when a monitor asks /healthz, then it answers 200", async () => {
      const res = await request(app.url).get("/healthz");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: "ok" });
    });

    it("when a load balancer asks /readyz, then it answers 200 with database and redis ok", async () => {
      const res = await request(app.url).get("/readyz");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: "ok", database: "ok", redis: "ok" });
    });

    it("when the page loads its stylesheet and script, then the app serves them itself", async () => {
      const css = await request(app.url).get("/static/css/app.css");
      assert.equal(css.status, 200);
      assert.match(css.headers["content-type"]!, /text\/css/);
      assert.ok(css.text.length > 100);
      const js = await request(app.url).get("/static/js/app.js");
      assert.equal(js.status, 200);
      assert.match(js.headers["content-type"]!, /javascript/);
    });

    it("when a static file does not exist, then the answer is the app's own 404 page, without a stack trace", async () => {
      const res = await request(app.url).get("/static/css/missing.css");
      assert.equal(res.status, 404);
      assert.ok(!/node_modules|Template render error|\bat \S+ \(/.test(res.text), `internals leaked: ${res.text.slice(0, 300)}`);
      assert.ok(res.text.includes(html(vi("errorPage.title"))), "the page is homthu's error page");
      assert.match(res.headers["content-security-policy"] ?? "", /frame-ancestors 'none'/, "the app's own CSP, not a fallback handler's");
    });

    it("when a tipster opens an unknown page, then a 404 page in their language says so", async () => {
      const res = await request(app.url).get("/no-such-page");
      assert.equal(res.status, 404);
      assert.match(res.headers["content-type"]!, /text\/html/);
      assert.ok(res.text.includes(html(vi("errors.not_found"))));
      const english = await request(app.url).get("/no-such-page?lang=en");
      assert.equal(english.status, 404);
      assert.ok(english.text.includes(html(en("errors.not_found"))));
    });

    it("when a client calls an unknown API path, then it gets 404 JSON", async () => {
      const res = await request(app.url).get("/api/unknown");
      assert.equal(res.status, 404);
      assert.match(res.headers["content-type"]!, /application\/json/);
      assert.equal(res.body.error.code, "not_found");
      assert.equal(res.body.error.message, vi("errors.not_found"));
    });
  });
});
