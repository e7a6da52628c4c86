/**
 * Hostile bodies answer 4xx with field messages, never 500: JSON nested
 * 30,000 levels deep (64 KB), lone surrogates, and bytes that are not UTF-8
 * (which the parsers would turn into U+FFFD) are refused, not stored.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";
import { UNLIMITED } from "../support/caseDesk.js";
import { rawInputProblems } from "../../src/validation/fields.js";
import { bucketEnd } from "../../src/time/coarse.js";

describe("hostile input", function () {
  this.timeout(120_000);
  const app = useTestApp({ role: "web", env: UNLIMITED });
  const tipCount = async () => (await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tips")).rows[0].n as number;

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
  });

  it("when a field holds 30,000 nested arrays (64 KB), then every JSON route answers 400 with a field error, not 500", async () => {
    const deep = "[".repeat(30_000) + "]".repeat(30_000);
    const tip = JSON.stringify(aTip()).replace(/}$/, `,"description":${deep}}`).replace(/"description":"[^"]*",/, "");
    assert.ok(tip.length < 64 * 1024);
    const res = await request(app.url).post("/api/v1/tips").set("Content-Type", "application/json").send(tip);
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.error.code, "invalid_tip");
    assert.ok(res.body.error.fields.description, "the field is named");
    for (const path of ["/api/v1/auth/login", "/api/v1/tipster/session"]) {
      const r = await request(app.url).post(path).set("Content-Type", "application/json").send(`{"email":${deep}}`);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
    }
    const whole = await request(app.url).post("/api/v1/tips").set("Content-Type", "application/json").send(deep);
    assert.ok(whole.status >= 400 && whole.status < 500, `a bare deep array: ${whole.status}`);
    assert.equal(await tipCount(), 0);
  });

  it("when a field holds a lone surrogate or bytes that are not UTF-8, then the tip is refused with that field's error and nothing is stored", async () => {
    const lone = await request(app.url)
      .post("/api/v1/tips")
      .set("Content-Type", "application/json")
      .send(JSON.stringify(aTip()).replace(/"location":"/, '"location":"\\ud800'));
    assert.equal(lone.status, 400);
    assert.ok(lone.body.error.fields.location, JSON.stringify(lone.body));

    const body = Buffer.concat([Buffer.from(JSON.stringify(aTip()).replace(/"description":"/, '"description":"')), Buffer.alloc(0)]);
    const i = body.indexOf(Buffer.from('"description":"')) + '"description":"'.length;
    const invalid = Buffer.concat([body.subarray(0, i), Buffer.from([0xc3, 0x28, 0xff]), body.subarray(i)]);
    const bad = await request(app.url).post("/api/v1/tips").set("Content-Type", "application/json; charset=utf-8").send(invalid);
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.fields.description, JSON.stringify(bad.body));

    // The HTML form (url-encoded and multipart) gives the form back with the field's message.
    const form = await request(app.url).get("/report");
    const token = /name="formToken" value="([^"]+)"/.exec(form.text)![1]!;
    const encoded = `formToken=${encodeURIComponent(token)}&category=selling&districtCode=831&communeCode=28801&description=${encodeURIComponent("Có người bán ma túy ở quán đầu hẻm, mỗi tối")}%C3%28%FF`;
    const page = await request(app.url).post("/report").type("form").send(encoded);
    assert.equal(page.status, 400);
    assert.match(page.text, /không phải chữ Unicode/);
    assert.equal(await tipCount(), 0);
  });

  it("walks input iteratively: depth, keys, U+FFFD and surrogate pairs", () => {
    let v: unknown = "x";
    for (let i = 0; i < 200_000; i++) v = [v];
    assert.deepEqual(rawInputProblems({ a: v }), { a: "errors.too_deep" });
    assert.deepEqual(rawInputProblems({ a: { b: "ok" }, c: "emoji 🌴 fine" }), {});
    assert.deepEqual(rawInputProblems({ ["k\ufffd"]: "x" }), { ["k\ufffd"]: "errors.invalid_encoding" });
    assert.deepEqual(rawInputProblems({ a: ["\udc00"] }), { a: "errors.invalid_encoding" });
    assert.deepEqual(rawInputProblems({ a: "tab\tand\nnewline", b: "\u0007" }), { b: "errors.invalid_characters" });
  });

  it("bucketEnd is the next aligned boundary, whatever the moment inside the bucket", () => {
    const h = 3_600_000;
    const end = (g: "minute" | "hour", t: number) => bucketEnd(g, new Date(t)).getTime();
    assert.equal(end("hour", 5 * h + 1), 6 * h);
    assert.equal(end("hour", 6 * h - 1), 6 * h);
    assert.equal(end("minute", 90_000), 120_000);
  });
});
