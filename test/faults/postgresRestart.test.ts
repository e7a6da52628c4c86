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
});
