/**
 * The tipster is never misled: the follow-up page shows what they sent (their
 * report and photos, decrypted with the receipt's key), the status words only
 * move forward, a wrong receipt says it was not found, a hint says when to
 * come back, and the public figures are linked when they are on.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";
import { photoWithGps } from "../support/photos.js";
import { triageCase } from "../../src/commands/caseTriager.js";
import { reopenCase } from "../../src/commands/caseClosure.js";

describe("the tipster's follow-up page", function () {
  this.timeout(120_000);
  const app = useTestApp();
  let adminId: string;
  let liaisonId: string;
  before(async () => {
    await resetData(app);
    adminId = (await anAdministrator(app.ctx)).id;
    liaisonId = (await aStaffMember(app.ctx, "liaison", "831", "lien.lac.trang@example.org")).id;
  });

  async function sendWithPhoto(description: string) {
    let req = request(app.url).post("/api/v1/tips");
    for (const [k, v] of Object.entries(aTip({ description, observedAt: "2026-11-28" }))) req = req.field(k, String(v));
    const sent = await req.attach("photos", await photoWithGps(), { filename: "a.jpg", contentType: "image/jpeg" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    return sent.body.receipt as string;
  }
  async function signInWith(receipt: string) {
    const agent = request.agent(app.url);
    const r = await agent.post("/follow-up").type("form").send({ receipt });
    assert.equal(r.status, 303, r.text);
    return agent;
  }

  it("when the tipster signs in, then they see their own report and photos, a hint on when to come back, and no GPS", async () => {
    const receipt = await sendWithPhoto("Vườn cần sa sau nhà hoang, khoảng ba mươi cây (trang-7c1).");
    const agent = await signInWith(receipt);
    const page = (await agent.get("/follow-up/tip")).text;
    assert.match(page, /Tin bạn đã gửi[\s\S]*khoảng ba mươi cây \(trang-7c1\)/);
    assert.match(page, /Ngày thấy sự việc<\/dt><dd>28\/11\/2026</, "the date as dd/mm/yyyy");
    assert.match(page, /id="check-back">Cán bộ Đoàn thường xem tin trong vòng 1 ngày/);
    assert.ok(!/vĩ độ|latitude/i.test(page), "no GPS position on the tipster's screen");
    assert.ok(!page.includes('id="figures-link"'), "no figures link while the page is off");
    const src = /<img src="(\/follow-up\/photos\/[^"]+)"/.exec(page)?.[1];
    assert.ok(src, "their photo is shown");
    const photo = await agent.get(src).buffer(true);
    assert.equal(photo.status, 200);
    assert.equal(photo.headers["content-type"], "image/jpeg");
    assert.match(photo.headers["cache-control"] ?? "", /no-store/);
    const other = await signInWith(await sendWithPhoto("Một tin khác, ở xã bên cạnh, có người bán."));
    assert.equal((await other.get(src)).status, 404, "another receipt opens no photo of this tip");
    assert.equal((await request(app.url).get(src)).status, 303, "without a receipt session, back to the receipt form");
  });

  it("when the receipt is wrong, then the page says it was not found (not a typing rule)", async () => {
    const r = await request(app.url).post("/follow-up").type("form").send({ receipt: "1234 5678 9012 3456" });
    assert.equal(r.status, 401);
    assert.match(r.text, /Không tìm thấy tin nào với mã biên nhận này/);
  });

  it("when the liaison asked a question and the tipster answered, then the status stays \"Đang xem xét\", never back to \"Đã tiếp nhận\"; the figures are linked once on", async () => {
    const receipt = await sendWithPhoto("Tin để hỏi thêm: có người lạ bán hàng ở bến đò.");
    const staff = await signIn(app, "lien.lac.trang@example.org");
    const caseId = await within(10_000, "the asked case in the liaison's list", async () => {
      const cases = (await staff.agent.get("/api/v1/cases?status=assigned&pageSize=100")).body.cases as Array<{ id: string }>;
      for (const c of cases) {
        const d = await staff.agent.get(`/api/v1/cases/${c.id}`);
        if (JSON.stringify(d.body).includes("Tin để hỏi thêm: có người lạ")) return c.id;
      }
      return undefined;
    });
    const agent = await signInWith(receipt);
    assert.match((await agent.get("/follow-up/tip")).text, /class="status-word status-received"/);
    const asked = await staff.agent.post(`/api/v1/cases/${caseId}/messages`).set("X-CSRF-Token", staff.csrf).send({ text: "Cổng màu gì?", purpose: "question" });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.match((await agent.get("/follow-up/tip")).text, /class="status-word status-in_review"/);
    const answered = await agent.post("/api/v1/tipster/messages").field("text", "Cổng xanh.");
    assert.equal(answered.status, 201, JSON.stringify(answered.body));
    assert.equal((await staff.agent.get(`/api/v1/cases/${caseId}`)).body.case.status, "assigned", "back on the liaison's desk");
    const after = (await agent.get("/follow-up/tip")).text;
    assert.match(after, /class="status-word status-in_review"/, "the tipster's word does not go backwards");
    await app.ctx.database.pool.query(`INSERT INTO settings (key, value) VALUES ('publicFigures', 'true') ON CONFLICT (key) DO UPDATE SET value = 'true'`);
    assert.match((await agent.get("/follow-up/tip")).text, /id="figures-link"><a href="\/figures">/);
  });

  it("when a closed case is reopened, then the tipster still reads \"Đã xử lý xong\": what they were told is never taken back", async () => {
    const receipt = await sendWithPhoto("Tin sẽ được mở lại: có người tụ tập hút chích ở bãi cát.");
    const staff = await signIn(app, "lien.lac.trang@example.org");
    const caseId = await within(10_000, "the case to reopen in the liaison's list", async () => {
      for (const c of (await staff.agent.get("/api/v1/cases?pageSize=100")).body.cases as Array<{ id: string }>) {
        if (JSON.stringify((await staff.agent.get(`/api/v1/cases/${c.id}`)).body).includes("Tin sẽ được mở lại")) return c.id;
      }
      return undefined;
    });
    const agent = await signInWith(receipt);
    await triageCase(app.ctx, { id: liaisonId, role: "liaison", districtCode: "831", policeUnitId: null }, caseId, { outcome: "not_actionable", reasonCode: "insufficient", text: "Chưa đủ thông tin." });
    assert.match((await agent.get("/follow-up/tip")).text, /class="status-word status-done"/);
    await reopenCase(app.ctx, { id: adminId, role: "admin", districtCode: null, policeUnitId: null }, caseId, "Có thêm thông tin từ nơi khác.");
    assert.equal((await staff.agent.get(`/api/v1/cases/${caseId}`)).body.case.status, "assigned", "the staff see it open again");
    assert.match((await agent.get("/follow-up/tip")).text, /class="status-word status-done"/, "the tipster's word does not go back");
    assert.equal((await agent.get("/api/v1/tipster/tip")).body.status, "done", "nor through the API");
  });
});
