/**
 * POST /api/v1/tips through the running app: what a tipster's app or script
 * sees (status, JSON, language), and what ends up in the database — a tip on
 * success, nothing at all on any refusal.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import request from "supertest";
import sharp from "sharp";
import { translator } from "../../src/i18n/index.js";
import { openTipByReceipt } from "../../src/tips/tipReader.js";
import { useTestApp, startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { CANARY_GPS, photoWithGps } from "../support/photos.js";

const vi = translator("vi");
const en = translator("en");

// ---------- photos made at test time ----------

/** A JPEG whose stored pixels have a red band on top and blue below, with camera EXIF, an ICC profile and XMP. */
async function cameraJpeg(opts: { orientation?: number; width?: number; height?: number } = {}): Promise<Buffer> {
  const { width = 320, height = 240 } = opts;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw[(y * width + x) * 3 + (y < height / 6 ? 0 : 2)] = 255;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg()
    .withExif({ IFD0: { Make: "TipsterPhone", Model: "TP-1", Software: "homthu-test" } })
    .withMetadata({ orientation: opts.orientation ?? 1 })
    .withIccProfile("p3")
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="TipsterTool"/></rdf:RDF></x:xmpmeta>')
    .toBuffer();
}

/** Random pixels, so the encoder cannot compress them away. */
function noise(width: number, height: number) {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
}

const png = () => sharp({ create: { width: 64, height: 48, channels: 3, background: "#1565c0" } }).png().toBuffer();

// ---------- helpers ----------

/** Rows in the two tables a tip writes to. */
async function stored(app: TestApp): Promise<{ tips: number; items: number }> {
  const { rows } = await app.ctx.database.pool.query<{ tips: number; items: number }>(
    "SELECT (SELECT count(*) FROM tips)::int AS tips, (SELECT count(*) FROM tip_items)::int AS items",
  );
  return rows[0]!;
}

/** A multipart tip: the fields of `tip` plus the given photos. */
function multipartTip(app: TestApp, tip: Record<string, unknown>, photos: Array<{ data: Buffer; filename: string; contentType: string }>, path = "/api/v1/tips") {
  let req = request(app.url).post(path);
  for (const [name, value] of Object.entries(tip)) req = req.field(name, String(value));
  for (const p of photos) req = req.attach("photos", p.data, { filename: p.filename, contentType: p.contentType });
  return req;
}

const jpegFile = (data: Buffer, filename = "IMG_0001.jpg") => ({ data, filename, contentType: "image/jpeg" });

/** A fresh documentation-range address, so each rate-limit test has its own counter. */

describe("POST /api/v1/tips", function () {
  this.timeout(60_000);
  const app = useTestApp();

  beforeEach(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831");
  });

  describe("a valid tip", () => {
    it("when a tipster sends a JSON tip, then they get 201 with a receipt, and the tip is stored with its routing fields", async () => {
      const res = await request(app.url).post("/api/v1/tips").send(aTip({ urgent: true }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(res.body.receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
      assert.equal(res.body.status, "received");
      const { rows } = await app.ctx.database.pool.query("SELECT category, district_code, commune_code, urgent, no_liaison FROM tips");
      assert.deepEqual(rows, [{ category: "cultivation", district_code: "831", commune_code: "28801", urgent: true, no_liaison: false }]);
      assert.deepEqual(await stored(app), { tips: 1, items: 1 }, "one tip with its encrypted report");
    });

    it("when a tipster sends the tip with ?lang=en, then it is accepted the same way", async () => {
      const res = await request(app.url).post("/api/v1/tips?lang=en").send(aTip());
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(res.body.receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
    });

    it("when a tipster sends a multipart tip with two photos, then it is stored with two photo items", async () => {
      const res = await multipartTip(app, aTip({ urgent: "on" }), [jpegFile(await cameraJpeg(), "a.jpg"), jpegFile(await cameraJpeg(), "b.jpg")]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { rows } = await app.ctx.database.pool.query<{ kind: string; position: number }>("SELECT kind, position FROM tip_items ORDER BY kind, position");
      assert.deepEqual(rows, [
        { kind: "photo", position: 0 },
        { kind: "photo", position: 1 },
        { kind: "report", position: 0 },
      ]);
      const urgent = await app.ctx.database.pool.query("SELECT urgent FROM tips");
      assert.equal(urgent.rows[0].urgent, true, "a form-style urgent=on is read as true");
    });

    it("when a tipster attaches a PNG named .jpg, then it is accepted (the type comes from the bytes)", async () => {
      const res = await multipartTip(app, aTip(), [jpegFile(await png(), "holiday.jpg")]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(await stored(app), { tips: 1, items: 2 });
    });

    it("when a WebP photo is attached, then it is accepted", async () => {
      const webp = await sharp({ create: { width: 40, height: 40, channels: 3, background: "#ff0000" } }).webp().toBuffer();
      const res = await multipartTip(app, aTip(), [{ data: webp, filename: "x.webp", contentType: "image/webp" }]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    });
  });

  describe("language of the answers", () => {
    const shortTip = aTip({ description: "quá ngắn" });

    it("when a tip is refused without ?lang, then the field messages are Vietnamese", async () => {
      const res = await request(app.url).post("/api/v1/tips").send(shortTip);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.fields.description, vi("errors.description_too_short"));
      assert.equal(res.body.error.message, vi("errors.invalid_input"));
    });

    it("when a tip is refused with ?lang=en, then the field messages are English", async () => {
      const res = await request(app.url).post("/api/v1/tips?lang=en").send(shortTip);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.fields.description, en("errors.description_too_short"));
      assert.equal(res.body.error.message, en("errors.invalid_input"));
      assert.notEqual(en("errors.description_too_short"), vi("errors.description_too_short"), "the two languages differ (sanity)");
    });
  });

  describe("every validation failure answers 400 invalid_tip and stores nothing", () => {
    const { description: _d, ...withoutDescription } = aTip();
    const { districtCode: _c, ...withoutDistrict } = aTip();
    const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const cases: Array<{ when: string; body: unknown; field: string; key: string }> = [
      { when: "an unknown category", body: aTip({ category: "gossip" }), field: "category", key: "errors.invalid_category" },
      { when: "no district", body: withoutDistrict, field: "districtCode", key: "errors.required" },
      { when: "a district that does not exist", body: aTip({ districtCode: "999" }), field: "districtCode", key: "errors.invalid_district" },
      { when: "a commune of another district", body: aTip({ communeCode: "28756" }), field: "communeCode", key: "errors.commune_not_in_district" },
      { when: "an unknown commune", body: aTip({ communeCode: "11111" }), field: "communeCode", key: "errors.invalid_commune" },
      { when: "a location over 500 characters", body: aTip({ location: "x".repeat(501) }), field: "location", key: "errors.location_too_long" },
      { when: "a garbage date", body: aTip({ observedAt: "last Tuesday" }), field: "observedAt", key: "errors.invalid_date" },
      { when: "a date in the future", body: aTip({ observedAt: inAWeek }), field: "observedAt", key: "errors.date_in_future" },
      { when: "no description", body: withoutDescription, field: "description", key: "errors.required" },
      { when: "a description under 20 characters", body: aTip({ description: "Có người bán." }), field: "description", key: "errors.description_too_short" },
      { when: "a description over 5000 characters", body: aTip({ description: "x".repeat(5001) }), field: "description", key: "errors.description_too_long" },
      { when: "urgent that is not a boolean", body: aTip({ urgent: "very" }), field: "urgent", key: "errors.invalid_boolean" },
      { when: "an unknown field", body: aTip({ phoneNumber: "0909000000" }), field: "phoneNumber", key: "errors.unknown_field" },
    ];
    for (const c of cases) {
      it(`when a tipster sends ${c.when}, then fields.${c.field} says so and nothing is stored`, async () => {
        const before = await stored(app);
        const res = await request(app.url).post("/api/v1/tips").send(c.body as object);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, "invalid_tip");
        assert.deepEqual(res.body.error.fields, { [c.field]: vi(c.key) });
        assert.deepEqual(await stored(app), before);
      });
    }

    it("when the JSON body is an array, then it is refused and nothing is stored", async () => {
      const res = await request(app.url).post("/api/v1/tips").send([aTip()]);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_tip");
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when a multipart tip has a bad field and a bad photo, then both are reported and nothing is stored", async () => {
      const res = await multipartTip(app, aTip({ description: "ngắn" }), [jpegFile(Buffer.from("not a photo at all"), "x.jpg")]);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.fields, { description: vi("errors.description_too_short"), photos: vi("errors.photo_bad_type") });
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when a valid multipart tip has one good and one bad photo, then it is refused whole", async () => {
      const res = await multipartTip(app, aTip(), [jpegFile(await cameraJpeg()), jpegFile(Buffer.from("<html></html>"), "b.jpg")]);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.fields.photos, vi("errors.photo_bad_type"));
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });
  });

  describe("the body itself", () => {
    it("when the JSON body is over 64 KB, then the answer is 413 and nothing is stored", async () => {
      const res = await request(app.url).post("/api/v1/tips").send(aTip({ description: "x".repeat(70 * 1024) }));
      assert.equal(res.status, 413);
      assert.equal(res.body.error.code, "payload_too_large");
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when the body is text/plain, then the answer is 415", async () => {
      const res = await request(app.url).post("/api/v1/tips").set("Content-Type", "text/plain").send(JSON.stringify(aTip()));
      assert.equal(res.status, 415);
      assert.equal(res.body.error.code, "unsupported_media_type");
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when the body is url-encoded, then the answer is 415 (the API takes JSON or multipart)", async () => {
      const res = await request(app.url).post("/api/v1/tips").type("form").send(new URLSearchParams(Object.entries(aTip()).map(([k, v]): [string, string] => [k, String(v)])).toString());
      assert.equal(res.status, 415);
    });

    it("when the JSON is malformed, then the answer is 400 invalid_json", async () => {
      const res = await request(app.url).post("/api/v1/tips").set("Content-Type", "application/json").send('{"category": "selling",');
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_json");
      assert.equal(res.body.error.message, vi("errors.invalid_json"));
    });

    it("when a multipart body is cut off before its closing boundary, then the answer is a 4xx, never a 5xx", async () => {
      const boundary = "----homthuTruncated";
      const body = [`--${boundary}`, 'Content-Disposition: form-data; name="category"', "", "selling", `--${boundary}`, 'Content-Disposition: form-data; name="description"', "", "Có người bán ma túy ở đầu hẻm"].join("\r\n");
      const res = await request(app.url).post("/api/v1/tips").set("Content-Type", `multipart/form-data; boundary=${boundary}`).send(body);
      assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when a multipart body has no boundary at all, then the answer is a 4xx, never a 5xx", async () => {
      const res = await request(app.url).post("/api/v1/tips").set("Content-Type", "multipart/form-data").send("category=selling");
      assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}: ${JSON.stringify(res.body)}`);
    });
  });

  describe("photos that are refused", () => {
    it("when six photos are attached, then fields.photos says at most five and nothing is stored", async () => {
      const photo = await png();
      const res = await multipartTip(app, aTip(), Array.from({ length: 6 }, (_, i) => jpegFile(photo, `p${i}.jpg`)));
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "invalid_tip");
      assert.equal(res.body.error.fields.photos, vi("errors.too_many_photos", { max: 5 }));
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when a text file is named .jpg, then fields.photos is photo_bad_type", async () => {
      const res = await multipartTip(app, aTip(), [jpegFile(Buffer.from("Đây là một tệp văn bản, không phải ảnh.\n".repeat(20)), "photo.jpg")]);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.fields, { photos: vi("errors.photo_bad_type") });
    });

    it("when an SVG is attached, then fields.photos is photo_bad_type", async () => {
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>');
      const res = await multipartTip(app, aTip(), [{ data: svg, filename: "x.svg", contentType: "image/svg+xml" }]);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.fields, { photos: vi("errors.photo_bad_type") });
    });

    it("when an HTML file claims to be image/png, then fields.photos is photo_bad_type", async () => {
      const html = Buffer.from("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>");
      const res = await multipartTip(app, aTip(), [{ data: html, filename: "x.png", contentType: "image/png" }]);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.fields, { photos: vi("errors.photo_bad_type") });
    });

    it("when a JPEG is cut off halfway through its image data, then fields.photos is photo_unreadable", async () => {
      const whole = await noise(640, 480).jpeg({ quality: 90 }).toBuffer();
      const res = await multipartTip(app, aTip(), [jpegFile(whole.subarray(0, Math.floor(whole.length / 2)))]);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(res.body.error.fields, { photos: vi("errors.photo_unreadable") });
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when photos are sent under another field name, then that field is refused as unknown", async () => {
      const res = await request(app.url)
        .post("/api/v1/tips")
        .field("category", "selling")
        .attach("picture", await png(), { filename: "a.png", contentType: "image/png" });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.fields.picture, vi("errors.unknown_field"));
    });
  });

  describe("with MAX_PHOTO_MB=1", () => {
    let small: TestApp;
    before(async () => {
      small = await startTestApp({ role: "web", env: { MAX_PHOTO_MB: "1" } });
    });
    after(async () => small?.stop());

    it("when a tipster attaches a 1.5 MB photo, then fields.photos names the 1 MB limit and nothing is stored", async () => {
      const big = await noise(800, 700).png({ compressionLevel: 0 }).toBuffer();
      assert.ok(big.length > 1.2 * 1024 * 1024 && big.length < 2 * 1024 * 1024, `fixture is ${big.length} bytes`);
      const res = await multipartTip(small, aTip(), [{ data: big, filename: "big.png", contentType: "image/png" }]);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "invalid_tip");
      assert.equal(res.body.error.fields.photos, vi("errors.photo_too_large", { maxMb: 1 }));
      assert.deepEqual(await stored(app), { tips: 0, items: 0 });
    });

    it("when the photo is under the limit, then the same app accepts it", async () => {
      const res = await multipartTip(small, aTip(), [jpegFile(await cameraJpeg())]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    });
  });

  describe("with TIP_RATE_LIMIT_PER_HOUR=2", () => {
    let limited: TestApp;
    before(async () => {
      // Everyone's per-minute limit out of the way: its counter is shared by every app of this test process, and
      // other files' bursts in the same minute must not be what refuses these tips.
      limited = await startTestApp({ role: "web", env: { TIP_RATE_LIMIT_PER_HOUR: "2", TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: "1000000" } });
    });
    after(async () => limited?.stop());

    it("when the same address sends a third tip within the hour, then it gets 429, and another address still gets through", async () => {
      // Addresses no other test sends tips from: the hour's counters too are shared by every app of this process.
      const address = "203.0.113.251";
      const from = (ip: string) => request(limited.url).post("/api/v1/tips").set("X-Forwarded-For", ip).send(aTip());
      assert.equal((await from(address)).status, 201);
      assert.equal((await from(address)).status, 201);
      const third = await from(address);
      assert.equal(third.status, 429);
      assert.equal(third.body.error.code, "rate_limited");
      assert.equal(third.body.error.message, vi("errors.rate_limited"));

      assert.equal((await from("203.0.113.252")).status, 201, "a different address has its own counter");
      assert.equal((await stored(app)).tips, 3, "the refused tip was not stored");
    });
  });

  describe("what is stored, decrypted", () => {
    it("when the tipster opens the tip with the receipt, then the description comes back exactly", async () => {
      const description = `Nhà số 12 có người bán ma túy, mã kiểm tra ${randomBytes(6).toString("hex")}.`;
      const res = await request(app.url).post("/api/v1/tips").send(aTip({ description, observedAt: "2024-05-01" }));
      assert.equal(res.status, 201);
      const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
      assert.ok(opened, "the receipt opens the tip");
      assert.equal(opened.report.description, description);
      assert.equal(opened.report.observedAt, "2024-05-01");
      assert.equal(opened.report.location, aTip().location);
      assert.equal(await openTipByReceipt(app.ctx.database.db, "0000 0000 0000 0000", app.ctx.keys.receiptSalt), null, "another receipt opens nothing");
    });

    it("when a photo carries EXIF, ICC and XMP, then the stored photo has none of them", async () => {
      const photo = await cameraJpeg();
      const before = await sharp(photo).metadata();
      assert.ok(before.exif && before.icc && before.xmp, "the fixture does carry all three (sanity)");
      const res = await multipartTip(app, aTip(), [jpegFile(photo)]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
      assert.equal(opened?.photos.length, 1);
      const jpeg = Buffer.from(opened!.photos[0]!.jpeg);
      const meta = await sharp(jpeg).metadata();
      assert.equal(meta.format, "jpeg");
      assert.equal(meta.exif, undefined);
      assert.equal(meta.icc, undefined);
      assert.equal(meta.xmp, undefined);
      assert.ok(!jpeg.includes("TipsterPhone") && !jpeg.includes("TipsterTool"), "no camera or software name in the bytes");
    });

    it("when a photo was taken sideways (EXIF orientation 6), then the stored photo is upright without the tag", async () => {
      const res = await multipartTip(app, aTip(), [jpegFile(await cameraJpeg({ orientation: 6, width: 320, height: 240 }))]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
      const jpeg = Buffer.from(opened!.photos[0]!.jpeg);
      const meta = await sharp(jpeg).metadata();
      assert.equal(meta.orientation, undefined, "no orientation tag left");
      assert.deepEqual([meta.width, meta.height], [240, 320], "the rotation is applied to the pixels");
      // The red band was on top of the stored pixels; turned 90° clockwise it is on the right.
      const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      const red = (x: number, y: number) => data[(y * info.width + x) * info.channels]! > 200 && data[(y * info.width + x) * info.channels + 2]! < 60;
      assert.ok(red(info.width - 5, info.height / 2), "right edge is red");
      assert.ok(!red(5, info.height / 2), "left edge is not red");
    });

    it("when the tipster ticks sharePhotoLocation, then the report holds the photo's GPS position", async () => {
      const res = await multipartTip(app, aTip({ sharePhotoLocation: "true" }), [jpegFile(await photoWithGps())]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
      const locations = Object.values(opened?.report.photoLocations ?? {});
      assert.equal(locations.length, 1);
      assert.ok(Math.abs(locations[0]!.lat - CANARY_GPS.lat) < 1e-4, `lat ${locations[0]!.lat}`);
      assert.ok(Math.abs(locations[0]!.lon - CANARY_GPS.lon) < 1e-4, `lon ${locations[0]!.lon}`);
      assert.deepEqual(Object.keys(opened!.report.photoLocations!), [opened!.photos[0]!.id], "keyed by the photo's item id");
      const meta = await sharp(Buffer.from(opened!.photos[0]!.jpeg)).metadata();
      assert.equal(meta.exif, undefined, "the position lives in the report, not in the image");
    });

    it("when the tipster does not tick sharePhotoLocation, then no position is kept", async () => {
      const res = await multipartTip(app, aTip(), [jpegFile(await photoWithGps())]);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
      assert.equal(opened?.report.photoLocations, undefined);
      assert.deepEqual(await stored(app), { tips: 1, items: 2 });
    });
  });
});
