/**
 * A follow-up message sent twice: the reply form posted again with the same
 * form token (a double tap on a slow phone, a reload after the connection
 * dropped), or the API repeating its Idempotency-Key, stores the message once
 * and notifies the staff once, and ends as the first one did. A refused
 * message does not use up its token; an expired one stores nothing. The claims
 * name neither the tip nor the token and expire on minute boundaries.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";
import { UNLIMITED } from "../support/caseDesk.js";
import { services } from "../support/services.js";
import { mac } from "../../src/crypto/index.js";

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];

describe("a follow-up message sent twice", function () {
  this.timeout(120_000);
  // The web role only: no sweep routes the tip, so each message notifies the one administrator.
  const app = useTestApp({ role: "web", env: UNLIMITED });
  const count = async (query: string) => (await app.ctx.database.pool.query(query)).rows[0].n as number;
  const messages = () => count(`SELECT count(*)::int AS n FROM tip_items WHERE kind = 'message' AND author = 'tipster'`);
  const notified = () => count(`SELECT count(*)::int AS n FROM notifications WHERE kind = 'tipster_message'`);

  beforeEach(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
  });

  /** A tip sent through the API, and a browser signed in with its receipt through the follow-up form. */
  async function signedIn() {
    const sent = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const agent = request.agent(app.url);
    assert.equal((await agent.post("/follow-up").type("form").send({ receipt: sent.body.receipt })).status, 303);
    return agent;
  }

  async function replyForm(agent: ReturnType<typeof request.agent>) {
    const page = await agent.get("/follow-up/tip");
    assert.equal(page.status, 200);
    const csrf = field(page.text, "_csrf");
    const formToken = field(page.text, "formToken");
    assert.ok(csrf && formToken, "the reply form carries the session's token and a form token");
    return { csrf, formToken };
  }

  it("when the reply form is posted twice at once and again later with the same token, then every post ends on the follow-up page, one message is stored and the staff are notified once", async () => {
    const agent = await signedIn();
    const { csrf, formToken } = await replyForm(agent);
    const earlier = new Set(await app.ctx.redis.keys(`${services().redisPrefix}:*`));
    const post = () => agent.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", "Họ đổi chỗ, giờ bán ở chợ cá.");
    const [a, b] = await Promise.all([post(), post()]);
    for (const r of [a, b]) {
      assert.equal(r.status, 303, r.text.slice(0, 300));
      assert.equal(r.headers.location, "/follow-up/tip");
    }
    assert.equal(await messages(), 1, "one message");
    assert.equal(await notified(), 1, "one notification");

    // Later reloads still end on the page and store nothing.
    for (let i = 0; i < 3; i++) assert.equal((await post()).status, 303);
    assert.equal(await messages(), 1);
    assert.equal(await notified(), 1);
    assert.equal((await agent.get("/follow-up/tip")).text.split("Họ đổi chỗ, giờ bán ở chợ cá.").length - 1, 1, "the page shows the message once");

    // Only the claim is kept (a reply keeps no answer); it names neither the tip nor the token, and once done
    // it lapses on an hour boundary, like everything a message leaves (it is stamped to the hour).
    const tipId = (await app.ctx.database.pool.query("SELECT id FROM tips")).rows[0].id as string;
    const ours = (await app.ctx.redis.keys(`${services().redisPrefix}:*`)).filter((k) => !earlier.has(k) && /:(claim|answer):/.test(k));
    assert.ok(ours.length > 0 && ours.every((k) => k.includes(":claim:")), `only claims are kept: ${ours.join(", ")}`);
    for (const key of ours) {
      const value = String(await app.ctx.redis.get(key));
      assert.equal(value, "d", "the claim is done");
      for (const secret of [tipId, formToken.split(".")[1]!]) assert.ok(!key.includes(secret) && !value.includes(secret), `${key} holds neither tip id nor token`);
      assert.equal(Number(await app.ctx.redis.call("PEXPIRETIME", key)) % 3_600_000, 0, `${key} expires on an hour boundary`);
    }
  });

  it("when a reply is still being processed after the wait, then the page comes back as 409 with the same token, so one more tap counts as a repeat", async () => {
    const agent = await signedIn();
    const { csrf, formToken } = await replyForm(agent);
    const tipId = (await app.ctx.database.pool.query("SELECT id FROM tips")).rows[0].id as string;
    // Another request holds the token's claim and has not finished (REPLAY_WAIT_MS, 25 s, passes while this one waits).
    const first = await app.ctx.replays.claim(`reply:form:${tipId}`, formToken, 0);
    assert.equal(first.state, "first");
    const waited = await agent.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", "Họ vẫn còn bán ở đó.");
    assert.equal(waited.status, 409, waited.text.slice(0, 300));
    assert.ok(waited.headers["retry-after"], "says when to try again");
    assert.equal(field(waited.text, "formToken"), formToken, "the page keeps the token that was posted");
    assert.equal(field(waited.text, "text"), undefined, "no input named text: the message is in the textarea");
    assert.match(waited.text, /Họ vẫn còn bán ở đó\./, "what was typed is kept");

    // The first one ends (it stored its message); the tap from the 409 page is its repeat and stores nothing.
    if (first.state === "first") await app.ctx.replays.settle(first, null, Date.now() + 3_600_000 - (Date.now() % 3_600_000));
    const again = await agent.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", "Họ vẫn còn bán ở đó.");
    assert.equal(again.status, 303, again.text.slice(0, 300));
    assert.equal(await messages(), 0, "the repeat stored nothing (the first, simulated here, would have)");
  });

  it("when a refused reply is corrected and sent with the same token, then it is stored (a refusal does not use up the token)", async () => {
    const agent = await signedIn();
    const { csrf, formToken } = await replyForm(agent);
    const empty = await agent.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", "");
    assert.equal(empty.status, 400, empty.text.slice(0, 300));
    assert.equal(await messages(), 0);
    const ok = await agent.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", "Có thêm một người nữa.");
    assert.equal(ok.status, 303, ok.text.slice(0, 300));
    assert.equal(await messages(), 1);
  });

  it("when the form token has expired or was forged, then the page comes back with the message kept and says the form expired; nothing is stored; the session's check still refuses a wrong token", async () => {
    const agent = await signedIn();
    const { csrf } = await replyForm(agent);
    const payload = `${Date.now() - 3 * 3_600_000}.${"ab".repeat(16)}`;
    for (const formToken of [`${payload}.${mac(app.ctx.keys.formToken, payload)}`, `${Date.now()}.${"cd".repeat(16)}.forged`]) {
      const r = await agent.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", "Tin nhắn với biểu mẫu cũ.");
      assert.equal(r.status, 400, r.text.slice(0, 300));
      assert.match(r.text, /Ô trả lời đã hết hạn. Nếu tin nhắn của bạn chưa có trong cuộc trao đổi ở trên/);
      assert.match(r.text, /Tin nhắn với biểu mẫu cũ\./, "what was typed is kept");
      assert.ok(field(r.text, "formToken"), "with a fresh form token");
    }
    const { formToken } = await replyForm(agent);
    const wrongCsrf = await agent.post("/follow-up/messages").field("_csrf", "not-the-session-token").field("formToken", formToken).field("text", "Không được lưu.");
    assert.equal(wrongCsrf.status, 403);
    assert.equal(await messages(), 0);
    assert.equal(await notified(), 0);
  });

  it("when the API repeats an Idempotency-Key, then both answers are 201 and one message is stored; another key stores another; a bad key is a 400 field error; another tipster's same key is their own", async () => {
    const agent = await signedIn();
    const key = "5b0c7e1a-2f44-4c1d-9e3b-7a6f2d8c1e90";
    const send = (who = agent, k = key) => who.post("/api/v1/tipster/messages").set("Idempotency-Key", k).send({ text: "Xe máy biển số kết thúc bằng 37." });
    const [a, b] = await Promise.all([send(), send()]);
    for (const r of [a, b]) {
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.deepEqual(r.body, { status: "sent" });
    }
    assert.equal(await messages(), 1);
    assert.equal(await notified(), 1);
    assert.equal((await send()).status, 201, "a later repeat too");
    assert.equal(await messages(), 1);

    assert.equal((await send(agent, "another-key-0123456789")).status, 201);
    assert.equal(await messages(), 2, "another key is another message");

    const bad = await send(agent, "short");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "invalid_idempotency_key");
    assert.ok(bad.body.error.fields["Idempotency-Key"]);

    const refused = await agent.post("/api/v1/tipster/messages").set("Idempotency-Key", "refused-then-fixed-0001").send({ text: "" });
    assert.equal(refused.status, 400);
    assert.equal((await agent.post("/api/v1/tipster/messages").set("Idempotency-Key", "refused-then-fixed-0001").send({ text: "Sửa lại rồi." })).status, 201, "a refused message frees its key");
    assert.equal(await messages(), 3);

    const other = await signedIn();
    assert.equal((await send(other)).status, 201);
    assert.equal(await messages(), 4, "the same key from another tip's session is that tip's own message");
    assert.equal(await notified(), 4);
  });
});
