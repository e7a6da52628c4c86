/**
 * Entries in the order they happened. A tipster's message and the audit row of
 * their answer keep only the hour, so their stored time can be earlier than an
 * exact staff event that came before them, and every message of one hour has
 * the same stored time. The conversation (staff and tipster views) and the
 * case history must follow the order of events, never the rounded time.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";

describe("conversation and case history in the order of events", function () {
  this.timeout(120_000);
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  it("when a question, the tipster's answer and a reply fall in the same hour, then every view lists them in the order they were written, whatever the rounded times", async () => {
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831", "thu.tu@example.org");
    const sent = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(sent.status, 201);
    const staff = await signIn(app, "thu.tu@example.org");
    const caseId: string = (await within(10_000, "the case in the liaison's list", async () => (await staff.agent.get("/api/v1/cases")).body.cases?.[0])).id;

    // 1. A staff question (exact time in the audit log), 2. the tipster's answer (hour only), 3. a staff reply.
    const ask = await staff.agent.post(`/api/v1/cases/${caseId}/messages`).set("X-CSRF-Token", staff.csrf).send({ text: "MỘT: nhà số mấy?", purpose: "question" });
    assert.equal(ask.status, 201, JSON.stringify(ask.body));
    const tipster = request.agent(app.url);
    assert.equal((await tipster.post("/api/v1/tipster/session").send({ receipt: sent.body.receipt.replace(/ /g, "") })).status, 200);
    assert.equal((await tipster.post("/api/v1/tipster/messages").send({ text: "HAI: nhà số 12." })).status, 201);
    const reply = await staff.agent.post(`/api/v1/cases/${caseId}/messages`).set("X-CSRF-Token", staff.csrf).send({ text: "BA: cảm ơn bạn.", purpose: "reply" });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));

    const rows = (await app.ctx.database.db.execute(sql`SELECT id, created_hour FROM tip_items WHERE tip_id = ${caseId} AND kind = 'message'`)) as unknown as { rows?: { created_hour: Date }[] };
    const hours = new Set((rows.rows ?? (rows as unknown as { created_hour: Date }[])).map((r) => new Date(r.created_hour).getTime()));
    assert.ok(hours.size <= 2, "the three messages are stored to the hour");
    // Rewrite the first message's row (as a restore or a table rewrite may): it now sits behind the others
    // in the table and its index. Only an order of events (not the rounded hour) still puts it first.
    await app.ctx.database.db.transaction(async (tx) => {
      await tx.execute(sql`CREATE TEMP TABLE first_message ON COMMIT DROP AS SELECT * FROM tip_items WHERE ctid = (SELECT ctid FROM tip_items WHERE tip_id = ${caseId} AND kind = 'message' ORDER BY ctid LIMIT 1)`);
      await tx.execute(sql`DELETE FROM tip_items WHERE id = (SELECT id FROM first_message)`);
      await tx.execute(sql`INSERT INTO tip_items SELECT * FROM first_message`);
    });

    const order = ["MỘT", "HAI", "BA"];
    const staffView = (await staff.agent.get(`/api/v1/cases/${caseId}`)).body.content.messages.map((m: { text: string }) => m.text.split(":")[0]);
    assert.deepEqual(staffView, order, "staff API");
    const tipsterView = (await tipster.get("/api/v1/tipster/tip")).body.messages.map((m: { text: string }) => m.text.split(":")[0]);
    assert.deepEqual(tipsterView, order, "tipster API");

    // The answer's audit row keeps the hour only, so by time it sorts before the question it answers.
    const audit = (await app.ctx.database.db.execute(sql`SELECT action, at FROM audit_log WHERE subject_id = ${caseId} AND action IN ('case.triage', 'case.answer') ORDER BY id`)) as unknown as { rows?: { action: string; at: Date }[] };
    const [question, answer] = audit.rows ?? (audit as unknown as { action: string; at: Date }[]);
    assert.equal(new Date(answer!.at).getTime() % 3_600_000, 0, "the answer is audited to the hour");
    assert.ok(new Date(answer!.at) <= new Date(question!.at), "so its rounded time is not after the question's");

    const page = await staff.agent.get(`/staff/cases/${caseId}`);
    assert.equal(page.status, 200);
    const at = (s: string) => page.text.indexOf(s);
    assert.ok(at("MỘT: nhà số mấy?") > 0 && at("MỘT: nhà số mấy?") < at("HAI: nhà số 12.") && at("HAI: nhà số 12.") < at("BA: cảm ơn bạn."), "staff case page");
    const history = page.text.slice(page.text.indexOf('id="history"'));
    const asked = history.indexOf("Phân loại");
    const answered = history.indexOf("Người báo tin trả lời câu hỏi");
    const replied = history.indexOf("Gửi tin nhắn cho người báo tin");
    assert.ok(asked > 0 && asked < answered && answered < replied, "case history: question, answer, reply");
    assert.match(history, /\d\d\/\d\d\/\d{4} \d\d:00 – Người báo tin: Người báo tin trả lời câu hỏi/, "the answer is the tipster's, shown to the hour, dd/mm/yyyy HH:mm");
    assert.doesNotMatch(page.text, /\d\d:\d\d:\d\d/, "no seconds anywhere on the page");

    const follow = await tipster.get("/follow-up/tip");
    assert.equal(follow.status, 200);
    const f = (s: string) => follow.text.indexOf(s);
    assert.ok(f("MỘT: nhà số mấy?") > 0 && f("MỘT: nhà số mấy?") < f("HAI: nhà số 12.") && f("HAI: nhà số 12.") < f("BA: cảm ơn bạn."), "tipster page");
  });
});
