/**
 * PostgreSQL restarted under a small burst of tips, against a PostgreSQL of
 * the test's own (never the shared one): the web process survives its lost
 * connections, answers 503 not_ready with Retry-After (never 500) while the
 * database is away, gives back the HTML form with what was typed, reports
 * 503 on /readyz, and takes tips again once the database is back, without a
 * restart. Every 201 is a stored tip.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";
import { clientAddress, UNLIMITED, within } from "../support/caseDesk.js";
import { ownPostgres, type OwnService } from "../support/ownServices.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a PostgreSQL restart under a burst of tips", function () {
  this.timeout(180_000);
  let pg: OwnService;
  let app: TestApp;

  before(async () => {
    pg = await ownPostgres();
    app = await startTestApp({ role: "web", env: { ...UNLIMITED, DATABASE_URL: pg.url } });
    await anAdministrator(app.ctx);
  });
  after(async () => {
    await app?.stop();
    await pg?.dispose();
  });

  it("when PostgreSQL stops and starts again while tips keep coming, then each answer is 201 or 503 not_ready with Retry-After, every 201 is stored, and intake recovers without a restart", async () => {
    const form = await request(app.url).get("/report");
    const token = /name="formToken" value="([^"]+)"/.exec(form.text)?.[1];
    assert.ok(token, "the form has a token");

    const answers: { status: number; code?: string; retryAfter?: string }[] = [];
    let sending = true;
    let n = 0;
    const sender = async (lane: number) => {
      while (sending) {
        const res = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", clientAddress(lane * 10_000 + n++)).send(aTip());
        answers.push({ status: res.status, code: res.body?.error?.code, retryAfter: res.headers["retry-after"] });
        await sleep(40);
      }
    };
    const lanes = [1, 2, 3, 4].map(sender);
    await sleep(500);

    await pg.stop();
    const down = answers.length;
    await sleep(1_500);
    const ready = await request(app.url).get("/readyz");
    assert.equal(ready.status, 503, "/readyz says 503 while PostgreSQL is down");
    assert.equal(ready.body.database, "unavailable");

    const description = "Có người bán ma túy ở quán cà phê đầu hẻm mỗi tối thứ bảy.";
    const html = await request(app.url)
      .post("/report")
      .type("form")
      .send({ formToken: token, category: "selling", districtCode: "831", communeCode: "28801", description });
    assert.equal(html.status, 503, "the HTML form answers 503");
    assert.ok(html.headers["retry-after"], "with Retry-After");
    assert.ok(html.text.includes(description), "and gives back what was typed");
    assert.match(html.text, /CHƯA được gửi/, "and says the tip was not sent");

    await pg.start();
    await within(30_000, "a tip accepted again after the restart", async () => answers.slice(down).some((a) => a.status === 201), 100);
    await sleep(500);
    sending = false;
    await Promise.all(lanes);

    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    const summary = JSON.stringify(Object.fromEntries(byStatus));
    assert.deepEqual([...byStatus.keys()].filter((s) => s !== 201 && s !== 503), [], `only 201 and 503: ${summary}`);
    assert.ok((byStatus.get(503) ?? 0) > 0, `some tips met the outage: ${summary}`);
    for (const a of answers.filter((x) => x.status === 503)) {
      assert.equal(a.code, "not_ready");
      assert.ok(Number(a.retryAfter) > 0, "503 carries Retry-After");
    }
    const { rows } = await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips");
    assert.equal(rows[0]!.n, byStatus.get(201), `every 201 is a stored tip, nothing else is: ${summary}`);
    assert.equal((await request(app.url).get("/readyz")).status, 200, "ready again");
    assert.ok(!app.logs.some((l) => l.includes("unhandled error")), "no unhandled error was logged");
  });
  it("when PostgreSQL is away as a signed-in tipster sends a reply, then the reply form comes back (503, Retry-After) with what was typed and the same token, and the same post stores it once the database is back", async () => {
    const sent = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", clientAddress(90_001)).send(aTip());
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const tipster = request.agent(app.url);
    assert.equal((await tipster.post("/follow-up").set("X-Forwarded-For", clientAddress(90_002)).type("form").send({ receipt: sent.body.receipt })).status, 303);
    const page = await tipster.get("/follow-up/tip");
    const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
    const csrf = field(page.text, "_csrf");
    const formToken = field(page.text, "formToken");
    assert.ok(csrf && formToken, "the reply form carries its tokens");
    const text = "Họ chuyển sang bán ở bến đò, khoảng 9 giờ tối.";
    const reply = () => tipster.post("/follow-up/messages").field("_csrf", csrf).field("formToken", formToken).field("text", text);
    const messages = async () => (await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tip_items WHERE kind = 'message'")).rows[0].n as number;

    await pg.stop();
    try {
      const away = await reply();
      assert.equal(away.status, 503, away.text.slice(0, 300));
      assert.ok(Number(away.headers["retry-after"]) > 0, "with Retry-After");
      assert.ok(away.text.includes(text), "what was typed comes back");
      assert.equal(field(away.text, "formToken"), formToken, "with the same form token");
      assert.match(away.text, /tin nhắn của bạn CHƯA được gửi/, "and says the message was not sent");
    } finally {
      await pg.start();
    }
    await within(30_000, "the database answers again", async () => (await request(app.url).get("/readyz")).status === 200, 200);
    const back = await reply();
    assert.equal(back.status, 303, back.text.slice(0, 300));
    assert.equal(await messages(), 1, "the same post stored the message once");
    assert.equal((await reply()).status, 303, "and a further tap is its repeat");
    assert.equal(await messages(), 1);
  });
});
