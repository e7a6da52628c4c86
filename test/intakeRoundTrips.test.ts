/**
 * Intake's PostgreSQL round trips, counted on the wire: every query any pg
 * client of the process sends while one POST /api/v1/tips is answered. The
 * web role only (no worker in this process, whose jobs would add queries).
 * A tip costs one statement once the recipients are cached, two on a cold
 * cache, three when the cache turned out stale (a change made by "another
 * process", here raw SQL that bypasses the in-process invalidation), and the
 * stale cache never seals a tip to someone who may no longer read it.
 */
import assert from "node:assert/strict";
import pg from "pg";
import request from "supertest";
import sharp from "sharp";
import { randomBytes } from "node:crypto";
import { openSealed } from "../src/crypto/index.js";
import { openTipByReceipt } from "../src/tips/tipReader.js";
import { invalidateIntakeRecipients } from "../src/tips/intakeRecipients.js";
import { createTip } from "../src/commands/tipCreator.js";
import { openDatabase } from "../src/db/client.js";
import type { TipInput } from "../src/validation/tip.js";
import { useTestApp, resetData, type TestApp } from "./support/app.js";
import { anAdministrator, aStaffMember, aTip } from "./support/factories.js";

/** Run `fn` and return how many queries pg clients sent meanwhile, with their first words. */
async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; count: number; texts: string[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const texts: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    const text = typeof q === "string" ? q : ((q as { text?: string })?.text ?? "");
    texts.push(text.replace(/\s+/g, " ").slice(0, 60));
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, count: texts.length, texts };
  } finally {
    proto.query = original;
  }
}

async function wrapUsers(app: TestApp, tipId: string): Promise<string[]> {
  const { rows } = await app.ctx.database.pool.query<{ user_id: string }>("SELECT user_id FROM tip_key_wraps WHERE tip_id = $1 ORDER BY user_id", [tipId]);
  return rows.map((r) => r.user_id);
}

async function tipIdOf(app: TestApp, receipt: string): Promise<string> {
  const opened = await openTipByReceipt(app.ctx.database.db, receipt, app.ctx.keys.receiptSalt);
  assert.ok(opened, "the receipt opens the tip");
  return opened.tipId;
}

describe("intake round trips to PostgreSQL", () => {
  const app = useTestApp({ role: "web" });
  beforeEach(async () => {
    await resetData(app);
    invalidateIntakeRecipients();
  });

  it("when the recipients are cached, then a tip with photos and a contact costs one statement, and a cold cache two", async () => {
    const admin = await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    await aStaffMember(app.ctx, "liaison", "832"); // another district: never a recipient here
    const photo = await sharp(randomBytes(64 * 48 * 3), { raw: { width: 64, height: 48, channels: 3 } }).jpeg().toBuffer();
    const post = () =>
      request(app.url)
        .post("/api/v1/tips")
        .field("category", "cultivation")
        .field("districtCode", "831")
        .field("communeCode", "28801")
        .field("description", "Có một vườn trồng cây cần sa sau nhà, khoảng hai mươi cây.")
        .field("contact", "0900 000 000")
        .attach("photos", photo, { filename: "a.jpg", contentType: "image/jpeg" })
        .attach("photos", photo, { filename: "b.jpg", contentType: "image/jpeg" });

    const cold = await countQueries(() => post());
    assert.equal(cold.result.status, 201, JSON.stringify(cold.result.body));
    assert.ok(cold.count <= 3, `cold cache: ${cold.count} round trips: ${cold.texts.join(" | ")}`);

    const warm = await countQueries(() => post());
    assert.equal(warm.result.status, 201, JSON.stringify(warm.result.body));
    assert.equal(warm.count, 1, `warm cache: ${warm.texts.join(" | ")}`);

    const tipId = await tipIdOf(app, warm.result.body.receipt);
    assert.deepEqual(await wrapUsers(app, tipId), [admin.id, liaison.id].sort());
    const { rows } = await app.ctx.database.pool.query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM tip_items WHERE tip_id = $1 GROUP BY kind ORDER BY kind", [tipId]);
    assert.deepEqual(rows, [
      { kind: "contact", n: 1 },
      { kind: "photo", n: 2 },
      { kind: "report", n: 1 },
    ]);
    const opened = await openTipByReceipt(app.ctx.database.db, warm.result.body.receipt, app.ctx.keys.receiptSalt);
    assert.match(JSON.stringify(opened), /vườn trồng cây cần sa/);
  });

  it("when another process deactivates the district's liaison, then the next tip is not sealed to them, in at most 3 round trips", async () => {
    const admin = await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const first = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(first.status, 201);
    assert.deepEqual(await wrapUsers(app, await tipIdOf(app, first.body.receipt)), [admin.id, liaison.id].sort());

    // Raw SQL: nothing in this process hears of it.
    await app.ctx.database.pool.query("UPDATE staff_users SET active = false WHERE id = $1", [liaison.id]);
    const stale = await countQueries(() => request(app.url).post("/api/v1/tips").send(aTip()));
    assert.equal(stale.result.status, 201, JSON.stringify(stale.result.body));
    assert.ok(stale.count <= 3, `stale cache: ${stale.count} round trips: ${stale.texts.join(" | ")}`);
    const tipId = await tipIdOf(app, stale.result.body.receipt);
    assert.deepEqual(await wrapUsers(app, tipId), [admin.id]);
    const { rows } = await app.ctx.database.pool.query<{ no_liaison: boolean }>("SELECT no_liaison FROM tips WHERE id = $1", [tipId]);
    assert.equal(rows[0]?.no_liaison, true);
  });

  it("when another process gives a liaison a new key, then the next tip is sealed to the new key", async () => {
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    assert.equal((await request(app.url).post("/api/v1/tips").send(aTip())).status, 201);
    const other = await aStaffMember(app.ctx, "liaison", "832");
    invalidateIntakeRecipients();
    assert.equal((await request(app.url).post("/api/v1/tips").send(aTip())).status, 201); // cache warm again
    // The liaison of 831 now holds the key pair of the one in 832 (as after a reset in another process).
    await app.ctx.database.pool.query("UPDATE staff_users SET public_key = (SELECT public_key FROM staff_users WHERE id = $2) WHERE id = $1", [liaison.id, other.id]);
    const res = await countQueries(() => request(app.url).post("/api/v1/tips").send(aTip()));
    assert.equal(res.result.status, 201);
    assert.ok(res.count <= 3, `${res.count} round trips`);
    const tipId = await tipIdOf(app, res.result.body.receipt);
    const { rows } = await app.ctx.database.pool.query<{ sealed_private_key: Buffer }>("SELECT sealed_private_key FROM tip_key_wraps WHERE tip_id = $1 AND user_id = $2", [tipId, liaison.id]);
    assert.ok(rows[0], "sealed to the liaison");
    assert.doesNotThrow(() => openSealed(rows[0]!.sealed_private_key, other.keys), "sealed to the new public key");
  });

  it("when the recovery key disappears, then a tip with a warm cache is refused with 503 and nothing is stored", async () => {
    await anAdministrator(app.ctx);
    assert.equal((await request(app.url).post("/api/v1/tips").send(aTip())).status, 201);
    await app.ctx.database.pool.query("TRUNCATE recovery_key_holders, recovery_key");
    const res = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(res.status, 503);
    const { rows } = await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips");
    assert.equal(rows[0]?.n, 1);
  });

  it("when the server has lost the prepared INSERT (a pooler that does not track prepared statements), then the tip is still stored, from the statement's text", async () => {
    await anAdministrator(app.ctx);
    // One connection, so that DEALLOCATE reaches the connection pg prepared the statement on.
    const single = openDatabase(app.ctx.config.databaseUrl!, 1);
    try {
      const ctx = { ...app.ctx, database: single };
      const input = { category: "selling", districtCode: "831", communeCode: "28801", description: "Có người bán ma túy ở quán nước gần bến phà.", urgent: false, sharePhotoLocation: false } as TipInput;
      const first = await createTip(ctx, input, []);
      await single.pool.query("DEALLOCATE ALL");
      const second = await countQueries(() => createTip(ctx, input, []));
      assert.equal(second.texts.filter((t) => t.startsWith("WITH cur")).length, 2, "the named statement, then its text");
      const third = await countQueries(() => createTip(ctx, input, []));
      assert.equal(third.count, 1, "the text straight away from then on");
      for (const created of [first, second.result, third.result]) assert.equal(await tipIdOf(app, created.receipt), created.tipId);
    } finally {
      await single.close();
    }
  });
});
