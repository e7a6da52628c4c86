/**
 * A tap sent twice: the same form posted again (at once, or after the first
 * answer was lost) ends on the same receipt page and one tip; so does an API
 * client repeating its Idempotency-Key. The kept answer is encrypted, expires
 * on an hour boundary, and is gone after two replays.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";
import { UNLIMITED } from "../support/caseDesk.js";
import { services } from "../support/services.js";
import { ReplayStore, type FirstClaim } from "../../src/redis/replayStore.js";

const receiptOf = (html: string) => /class="receipt-code"[^>]*>([^<]+)</.exec(html)?.[1]?.replace(/\D/g, "");

describe("a submission sent twice", function () {
  this.timeout(120_000);
  const app = useTestApp({ role: "web", env: UNLIMITED });
  const tipCount = async () => (await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tips")).rows[0].n as number;
  const keysNow = async () => {
    const prefix = services().redisPrefix;
    const out: { key: string; value: string; expireAt: number }[] = [];
    for (const key of await app.ctx.redis.keys(`${prefix}:*`)) {
      if (!/:(claim|answer|rl):/.test(key)) continue;
      const type = await app.ctx.redis.type(key);
      const value = type === "hash" ? JSON.stringify(await app.ctx.redis.hgetall(key)) : String(await app.ctx.redis.get(key));
      out.push({ key, value, expireAt: Number(await app.ctx.redis.call("PEXPIRETIME", key)) });
    }
    return out;
  };

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
  });

  it("when the same form is posted twice at once and again later, then every answer is the same receipt page, one tip is stored, and the third repeat finds the form used", async () => {
    // Answers kept by other files of the same run share the key prefix; only the ones this test makes count.
    const earlier = new Set((await keysNow()).map((k) => k.key));
    const ours = async () => (await keysNow()).filter((k) => !earlier.has(k.key));
    const form = await request(app.url).get("/report");
    const token = /name="formToken" value="([^"]+)"/.exec(form.text)![1]!;
    const fields = { formToken: token, category: "selling", districtCode: "831", communeCode: "28801", description: "Có người bán ma túy ở quán cà phê đầu hẻm mỗi tối thứ bảy." };
    const post = () => request(app.url).post("/report").type("form").send(fields);
    const [a, b] = await Promise.all([post(), post()]);
    assert.equal(a.status, 201, a.text.slice(0, 300));
    assert.equal(b.status, 201, b.text.slice(0, 300));
    const receipt = receiptOf(a.text);
    assert.ok(receipt && receipt.length === 16, `a receipt on the page: ${receipt}`);
    assert.equal(receiptOf(b.text), receipt, "the second tap shows the same receipt");
    assert.equal(await tipCount(), 1, "one tip");

    // Nothing in Redis holds the receipt or the token in the clear, and every expiry is a minute or hour boundary.
    const kept = await ours();
    assert.ok(kept.some((k) => k.key.includes(":answer:")), "an answer is kept");
    for (const k of kept) {
      assert.ok(!k.value.includes(receipt!) && !k.key.includes(token.split(".")[1]!) && !k.value.includes(token.split(".")[1]!), `${k.key} holds neither receipt nor token`);
      assert.equal(k.expireAt % 60_000, 0, `${k.key} expires on a minute boundary (${k.expireAt})`);
    }
    const answer = kept.find((k) => k.key.includes(":answer:"))!;
    assert.equal(answer.expireAt % 3_600_000, 0, "the kept answer expires at the end of its hour");

    const c = await post();
    assert.equal(c.status, 201);
    assert.equal(receiptOf(c.text), receipt, "a later reload still gets it");
    assert.ok(!(await ours()).some((k) => k.key.includes(":answer:")), "shown twice again: deleted");
    const d = await post();
    assert.equal(d.status, 400, "then the form counts as used");
    assert.match(d.text, /formToken|hết hạn/);
    assert.equal(await tipCount(), 1);
  });

  it("when a refused form is posted again, corrected, with the same token, then it is accepted (a refusal does not use up the token)", async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    const form = await request(app.url).get("/report");
    const token = /name="formToken" value="([^"]+)"/.exec(form.text)![1]!;
    const base = { formToken: token, category: "selling", districtCode: "831", communeCode: "28801" };
    const short = await request(app.url).post("/report").type("form").send({ ...base, description: "ngắn" });
    assert.equal(short.status, 400);
    const ok = await request(app.url).post("/report").type("form").send({ ...base, description: "Có người bán ma túy ở quán cà phê đầu hẻm mỗi tối thứ bảy." });
    assert.equal(ok.status, 201);
    assert.equal(await tipCount(), 1);
  });

  it("when the first answer is kept between the repeat's two reads (no answer yet, then the claim done), then the repeat gets that answer, not 'used'", async () => {
    // The race the chaos run met (5 of 53 double taps answered 422 idempotency_key_used): the repeat finds no answer,
    // the first submission settles (answer and claim "d" in one MULTI), the repeat then reads the claim.
    const prefix = `${services().redisPrefix}:race-${Date.now()}`;
    const redis = app.ctx.redis;
    let first: FirstClaim | undefined;
    let settled = false;
    const racing = new Proxy(redis, {
      get(target, name, receiver) {
        if (name !== "hget") return Reflect.get(target, name, receiver);
        return async (...args: [string, string]) => {
          const value = await target.hget(...args);
          if (!settled && first) {
            settled = true;
            await store.settle(first, { receipt: "1234567812345678", helpRequest: false }, Date.now() + 60_000);
          }
          return value;
        };
      },
    });
    const store = new ReplayStore(racing, prefix, app.ctx.keys.replay);
    const claim = await store.claim("api", "race-key-0123456789", 5_000);
    assert.equal(claim.state, "first");
    first = claim as FirstClaim;
    const repeat = await store.claim("api", "race-key-0123456789", 5_000);
    assert.ok(settled, "the first settled between the repeat's reads");
    assert.deepEqual(repeat, { state: "replay", answer: { receipt: "1234567812345678", helpRequest: false } });
  });

  it("when an API client repeats its Idempotency-Key, then it gets the same 201 body and one tip is stored; a bad key is a 400 field error", async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    const key = "3f1d2c4b-5a69-4e7f-8a9b-0c1d2e3f4a5b";
    const send = () => request(app.url).post("/api/v1/tips").set("Idempotency-Key", key).send(aTip());
    const [a, b] = await Promise.all([send(), send()]);
    assert.equal(a.status, 201);
    assert.deepEqual(b.body, a.body);
    assert.equal(b.status, 201);
    assert.equal(await tipCount(), 1);
    const other = await request(app.url).post("/api/v1/tips").set("Idempotency-Key", "another-key-0123456789").send(aTip());
    assert.equal(other.status, 201);
    assert.notEqual(other.body.receipt, a.body.receipt);
    const bad = await request(app.url).post("/api/v1/tips").set("Idempotency-Key", "short").send(aTip());
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.fields["Idempotency-Key"]);
    assert.equal(await tipCount(), 2);
  });
});
