/**
 * The attacks an attacker would try on files and URLs: decompression bombs,
 * images that are really HTML or SVG with script, path traversal in the file
 * routes, open redirects — a clean 4xx each time and nothing stored.
 */
import assert from "node:assert/strict";
import request from "supertest";
import zlib from "node:zlib";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";

/** A valid grayscale PNG of width×height black pixels: a few hundred KB that decode to 100 MB. */
function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((width + 1) * height); // filter byte 0 + zero pixels per row
  const idat = zlib.deflateSync(raw, { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]);
}

describe("attack surface: files and URLs", function () {
  this.timeout(120_000);
  const app = useTestApp({ env: { TIP_RATE_LIMIT_PER_HOUR: "100000" } });
  const tipRows = async () => (await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tips")).rows[0].n as number;

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
  });

  const send = (file: Buffer, name: string, type: string) => {
    const t = aTip();
    return request(app.url).post("/api/v1/tips").field("category", t.category).field("districtCode", t.districtCode).field("communeCode", t.communeCode).field("description", t.description).attach("photos", file, { filename: name, contentType: type });
  };

  it("when a decompression bomb (a small PNG that decodes to 10000×10000 pixels) is attached, then it is refused with 400 and nothing is stored", async () => {
    const bomb = pngBomb(10_000, 10_000);
    assert.ok(bomb.length < 2_000_000, `the bomb is small on the wire (${bomb.length} bytes)`);
    const before = await tipRows();
    const res = await send(bomb, "bomb.png", "image/png");
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.ok(res.body.error.fields.photos);
    assert.equal(await tipRows(), before);
  });

  for (const [name, body, type] of [
    ["an HTML page named .jpg", Buffer.from("<!doctype html><script>alert(1)</script>"), "image/jpeg"],
    ["an SVG with script", Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), "image/svg+xml"],
    ["a JPEG header followed by HTML", Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("<script>alert(1)</script>")]), "image/jpeg"],
    ["an empty file", Buffer.alloc(0), "image/jpeg"],
  ] as const) {
    it(`when ${name} is attached as a photo, then it is refused with 400 and nothing is stored`, async () => {
      const before = await tipRows();
      const res = await send(body, "x.jpg", type);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(await tipRows(), before);
    });
  }

  it("when a path traversal is tried on the static files, then nothing outside static/ is served", async () => {
    for (const p of ["/static/../package.json", "/static/..%2f..%2fpackage.json", "/static/%2e%2e/%2e%2e/config/index.ts", "/static/css/..%5c..%5cpackage.json", "/static/%00.css"]) {
      const res = await request(app.url).get(p);
      assert.ok(res.status >= 400 && res.status < 500, `${p} → ${res.status}`);
      assert.ok(!res.text.includes('"allowScripts"') && !res.text.includes("envSchema"), `${p} leaked a file`);
    }
  });

  it("when photo and case routes get ids that are paths or not ids, then they answer 4xx without leaking", async () => {
    for (const p of ["/api/v1/cases/..%2f..%2fetc%2fpasswd", "/api/v1/cases/00000000-0000-4000-8000-000000000000/photos/..%2f..%2fpackage.json", "/staff/cases/%2e%2e"]) {
      const res = await request(app.url).get(p).redirects(0);
      const toLogin = res.status === 303 && /^\/staff\/login/.test(res.headers.location ?? "");
      assert.ok(toLogin || (res.status >= 400 && res.status < 500), `${p} → ${res.status}`);
    }
  });

  it("when a redirect target is smuggled into the URL, then every redirect stays on this site", async () => {
    const probes = ["/staff?next=https://evil.example", "/staff/cases?next=//evil.example", "/follow-up/tip?return=https://evil.example", "/follow-up?redirect=https://evil.example"];
    for (const p of probes) {
      const res = await request(app.url).get(p).redirects(0);
      if (res.status >= 300 && res.status < 400) assert.match(res.headers.location ?? "", /^\/(?!\/)/, `${p} redirects to ${res.headers.location}`);
    }
  });
});
