/**
 * The canary test: a tip with a unique marker and a photo carrying EXIF GPS,
 * sent from a known client address. Then the database dump, every Redis key
 * and value, and every log line are searched: the marker, the address, the
 * receipt and the GPS tag appear nowhere. And yet the entitled readers get
 * the marker and a clean photo back, and nobody else does.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import request from "supertest";
import sharp from "sharp";
import { NoAccessError, openTipAsStaff, openTipByReceipt } from "../src/tips/tipReader.js";
import { useTestApp, resetData } from "./support/app.js";
import { anAdministrator, aStaffMember, aTip } from "./support/factories.js";
import { within } from "./support/poll.js";
import { decodeHexRuns, dumpDatabase, dumpRedis, findEverywhere } from "./support/leakScan.js";
import { CANARY_CAMERA, CANARY_GPS, gpsRationalBytes, photoWithGps } from "./support/photos.js";
import { services } from "./support/services.js";
import { registerCanary } from "./support/canaries.js";

const CLIENT_IP = "198.51.100.173";

describe("anonymity: nothing identifying is stored or logged", function () {
  this.timeout(120_000);
  const app = useTestApp();
  before(async () => {
    await resetData(app);
  });

  it("when a tipster submits a marked tip with a GPS-tagged photo, then the marker, address, receipt and GPS appear nowhere, yet the readers can decrypt it", async () => {
    const admin = await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const otherLiaison = await aStaffMember(app.ctx, "liaison", "832");
    const marker = registerCanary(`CANARY-${randomBytes(8).toString("hex")}`);
    const tip = aTip({ description: `Vườn cần sa phía sau nhà, mã ${marker}.` });

    const res = await request(app.url)
      .post("/api/v1/tips")
      .set("X-Forwarded-For", CLIENT_IP)
      .set("User-Agent", `CanaryAgent/${marker}`)
      .field("category", tip.category)
      .field("districtCode", tip.districtCode)
      .field("communeCode", tip.communeCode)
      .field("location", tip.location)
      .field("description", tip.description)
      .attach("photos", await photoWithGps(), { filename: `IMG_${marker}.jpg`, contentType: "image/jpeg" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const receipt: string = res.body.receipt;

    // Let the routing job run, so its traces in Redis and the logs are searched too.
    await within(10_000, "the tip assigned", async () => (await app.ctx.database.pool.query("SELECT status FROM tips")).rows[0]?.status === "assigned");

    const dump = await dumpDatabase(services().databaseUrl);
    const places = {
      [`database (${dump.tool})`]: dump.text,
      "database bytea decoded": decodeHexRuns(dump.text),
      redis: await dumpRedis(services().redisUrl, services().redisPrefix),
      logs: app.logs.join("\n"),
    };
    assert.ok(dump.text.includes("831"), "the dump holds the plaintext routing fields (sanity check of the search)");
    for (const needle of [marker, CLIENT_IP, receipt, receipt.replace(/ /g, ""), CANARY_CAMERA, "CanaryAgent", ...gpsRationalBytes()])
      assert.deepEqual(findEverywhere(needle, places), [], `${needle.toString()} must appear nowhere`);

    const tipId = (await app.ctx.database.pool.query<{ id: string }>("SELECT id FROM tips")).rows[0]!.id;
    const asLiaison = await openTipAsStaff(app.ctx.database.db, tipId, liaison.id, liaison.keys);
    assert.ok(asLiaison.report.description.includes(marker));
    assert.equal(asLiaison.photos.length, 1);
    const meta = await sharp(Buffer.from(asLiaison.photos[0]!.jpeg)).metadata();
    assert.equal(meta.format, "jpeg");
    assert.equal(meta.exif, undefined, "no EXIF survives");
    assert.equal(meta.xmp, undefined);
    assert.equal(meta.icc, undefined);
    assert.equal(asLiaison.report.photoLocations, undefined, "GPS was not shared, so it is not kept");

    const asAdmin = await openTipAsStaff(app.ctx.database.db, asLiaison.tipId, admin.id, admin.keys);
    assert.equal(asAdmin.report.description, asLiaison.report.description);
    const byReceipt = await openTipByReceipt(app.ctx.database.db, receipt, app.ctx.keys.receiptSalt);
    assert.equal(byReceipt?.report.description, asLiaison.report.description);

    await assert.rejects(openTipAsStaff(app.ctx.database.db, asLiaison.tipId, otherLiaison.id, otherLiaison.keys), NoAccessError);
    assert.equal(await openTipByReceipt(app.ctx.database.db, "0000 0000 0000 0000", app.ctx.keys.receiptSalt), null);
  });

  it("when the tipster opts in to share the photo's location, then only the position is kept, inside the encrypted report", async () => {
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const tip = aTip();
    const res = await request(app.url)
      .post("/api/v1/tips")
      .field("category", tip.category)
      .field("districtCode", tip.districtCode)
      .field("communeCode", tip.communeCode)
      .field("description", tip.description)
      .field("sharePhotoLocation", "true")
      .attach("photos", await photoWithGps(), { filename: "a.jpg", contentType: "image/jpeg" });
    assert.equal(res.status, 201);
    const opened = await openTipByReceipt(app.ctx.database.db, res.body.receipt, app.ctx.keys.receiptSalt);
    const positions = Object.values(opened?.report.photoLocations ?? {});
    assert.equal(positions.length, 1);
    assert.ok(Math.abs(positions[0]!.lat - CANARY_GPS.lat) < 1e-4 && Math.abs(positions[0]!.lon - CANARY_GPS.lon) < 1e-4);
    const meta = await sharp(Buffer.from(opened!.photos[0]!.jpeg)).metadata();
    assert.equal(meta.exif, undefined, "the image itself still carries no metadata");
    assert.ok(liaison.id);
  });
});
