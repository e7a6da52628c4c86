/**
 * Tipster follow-up: the receipt signs in, the conversation is encrypted both
 * ways, a wrong receipt looks and takes the same, and nothing of a message is
 * stored or logged in the clear.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import request from "supertest";
import sharp from "sharp";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";
import { dumpDatabase, dumpRedis, decodeHexRuns, findEverywhere } from "../support/leakScan.js";
import { photoWithGps, CANARY_CAMERA } from "../support/photos.js";
import { services } from "../support/services.js";
import { registerCanary } from "../support/canaries.js";
import { addTipsterMessage } from "../../src/commands/tipsterMessageCreator.js";

describe("tipster follow-up with the receipt", function () {
  this.timeout(120_000);
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  async function submitted() {
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831", "lien.lac@example.org");
    const res = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(res.status, 201);
    const staff = await signIn(app, "lien.lac@example.org");
    const item = await within(10_000, "the case in the liaison's list", async () => (await staff.agent.get("/api/v1/cases")).body.cases?.[0]);
    return { receipt: res.body.receipt as string, staff, caseId: item.id as string, liaison };
  }

  it("when the liaison asks a question and the tipster answers with a photo, then both sides read the conversation", async () => {
    const { receipt, staff, caseId } = await submitted();
    const marker = registerCanary(`ANSWER-${randomBytes(6).toString("hex")}`);
    const asked = await staff.agent.post(`/api/v1/cases/${caseId}/messages`).set("X-CSRF-Token", staff.csrf).send({ text: "Nhà có cổng màu xanh phải không?", purpose: "question" });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.result, "asked");
    assert.equal((await staff.agent.get(`/api/v1/cases/${caseId}`)).body.case.status, "needs_info");

    const tipster = request.agent(app.url);
    const signIn = await tipster.post("/api/v1/tipster/session").send({ receipt: receipt.replace(/ /g, "") });
    assert.equal(signIn.status, 200);
    assert.match(String(signIn.headers["set-cookie"]), /HttpOnly/i);
    assert.match(String(signIn.headers["set-cookie"]), /SameSite=Strict/i);
    const view = await tipster.get("/api/v1/tipster/tip");
    assert.equal(view.body.status, "in_review");
    assert.equal(view.body.questionPending, true);
    assert.equal(view.body.messages[0].text, "Nhà có cổng màu xanh phải không?");
    assert.equal(view.body.messages[0].from, "staff");
    assert.ok(!JSON.stringify(view.body).includes("lien.lac"), "the tipster never sees who handles the case");

    const answer = await tipster.post("/api/v1/tipster/messages").field("text", `Đúng, cổng xanh. ${marker}`).attach("photos", await photoWithGps(), { filename: "x.jpg", contentType: "image/jpeg" });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.match(new Date((await tipster.get("/api/v1/tipster/tip")).body.messages[1].hour).toISOString(), /T\d\d:00:00\.000Z$/, "kept to the hour");

    const detail = await staff.agent.get(`/api/v1/cases/${caseId}`);
    assert.equal(detail.body.case.status, "assigned", "the answer puts the case back on the liaison's desk");
    const reply = detail.body.content.messages.find((m: { author: string }) => m.author === "tipster");
    assert.ok(reply.text.includes(marker));
    assert.equal(reply.photoIds.length, 1);
    const photo = await staff.agent.get(`/api/v1/cases/${caseId}/photos/${reply.photoIds[0]}`).buffer(true);
    assert.equal(photo.status, 200);
    assert.equal((await sharp(photo.body as Buffer).metadata()).exif, undefined);
    const notes = await staff.agent.get("/api/v1/notifications");
    assert.ok(notes.body.notifications.some((n: { kind: string }) => n.kind === "tipster_message"));

    const dump = await dumpDatabase(services().databaseUrl);
    const places = { db: dump.text, bytes: decodeHexRuns(dump.text), redis: await dumpRedis(services().redisUrl, services().redisPrefix), logs: app.logs.join("\n") };
    for (const needle of [marker, receipt, receipt.replace(/ /g, ""), CANARY_CAMERA, "cổng màu xanh"]) assert.deepEqual(findEverywhere(needle, places), [], `${needle} must appear nowhere`);
  });

  it("when a wrong receipt is typed, then the answer is the same 401 and takes about as long as a right one", async () => {
    const { receipt } = await submitted();
    const time = async (r: string) => {
      const t0 = process.hrtime.bigint();
      const res = await request(app.url).post("/api/v1/tipster/session").set("X-Forwarded-For", `203.0.113.${Math.floor(Math.random() * 200)}`).send({ receipt: r });
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, res };
    };
    const right: number[] = [];
    const wrong: number[] = [];
    let wrongBody = "";
    for (let i = 0; i < 8; i++) {
      right.push((await time(receipt)).ms);
      const w = await time("1111 2222 3333 4444");
      assert.equal(w.res.status, 401);
      wrongBody = JSON.stringify(w.res.body);
      wrong.push(w.ms);
    }
    const bad = await time("not a receipt");
    assert.equal(bad.res.status, 401);
    assert.equal(JSON.stringify(bad.res.body), wrongBody, "malformed and unknown receipts get the same body");
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const bound = 0.5 * median(right) + 25;
    assert.ok(Math.abs(median(right) - median(wrong)) < bound, `right ${median(right).toFixed(1)} ms vs wrong ${median(wrong).toFixed(1)} ms (bound ${bound.toFixed(1)})`);
  });

  it("when the case is resolved, then the tipster sees 'Đã xử lý xong' and no internal state, and a closed case takes no more messages", async () => {
    const { receipt, caseId } = await submitted();
    await app.ctx.database.pool.query("UPDATE tips SET status = 'closed', outcome = 'plants_destroyed' WHERE id = $1", [caseId]);
    const page = request.agent(app.url);
    const form = await page.post("/follow-up").type("form").send({ receipt });
    assert.equal(form.status, 303);
    const html = await page.get(form.headers.location!);
    assert.equal(html.status, 200);
    assert.ok(html.text.includes("Đã xử lý xong"));
    assert.ok(!html.text.includes("plants_destroyed") && !html.text.includes("closed"));
    const more = await page.post("/api/v1/tipster/messages").send({ text: "thêm" });
    assert.equal(more.status, 409);
  });

  it("when the case moves while the tipster's answer is being written, then the answer is stored on the case's new state, not refused with 409", async () => {
    const { staff, caseId } = await submitted();
    const asked = await staff.agent.post(`/api/v1/cases/${caseId}/messages`).set("X-CSRF-Token", staff.csrf).send({ text: "Mấy giờ thì có người tụ tập?", purpose: "question" });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    // Another change (here: the case taken back to the liaison's desk, as the needs-info deadline
    // does) holds the row while the answer is written, and commits first.
    const other = await app.ctx.database.pool.connect();
    try {
      await other.query("BEGIN");
      await other.query("SELECT 1 FROM tips WHERE id = $1 FOR UPDATE", [caseId]);
      await other.query("UPDATE tips SET status = 'assigned', version = version + 1 WHERE id = $1", [caseId]);
      const answering = addTipsterMessage(app.ctx, caseId, "Khoảng 9 giờ tối.", []);
      const settled = answering.then(() => "stored", (err: unknown) => err);
      await new Promise((r) => setTimeout(r, 300));
      await other.query("COMMIT");
      assert.equal(await settled, "stored");
    } finally {
      other.release();
    }
    const detail = await staff.agent.get(`/api/v1/cases/${caseId}`);
    assert.equal(detail.body.case.status, "assigned");
    const answers = detail.body.content.messages.filter((m: { author: string }) => m.author === "tipster");
    assert.deepEqual(answers.map((m: { text: string }) => m.text), ["Khoảng 9 giờ tối."], "stored once");
  });
});
