/**
 * The staff case pages, driven like a browser without JavaScript: GET pages,
 * POST url-encoded forms with the _csrf field the page carries.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip, PASSWORD } from "../support/factories.js";
import { photoWithGps } from "../support/photos.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";
import { createPoliceUnit } from "../../src/commands/policeUnitCreator.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import type { Actor } from "../../src/policies/index.js";

type Agent = Awaited<ReturnType<typeof signIn>>["agent"];

const MARKER = "Canary-7f3e-noidung";
const XSS_SCRIPT = "<script>alert(1)</script>";
const XSS_IMG = "<img src=x onerror=alert(1)>";
const DESCRIPTION = `${MARKER}: có người bán ma túy ở quán nước đầu hẻm. ${XSS_SCRIPT} ${XSS_IMG}`;

/** The value of a hidden field in a page (the first one with that name). */
function hiddenValue(html: string, name: string): string {
  const m = html.match(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`));
  assert.ok(m, `the page carries a hidden ${name}`);
  return m[1]!;
}

/** Pages must hold no inline script or style: the CSP forbids it and the pages must not need it. */
function assertNoInlineCode(html: string): void {
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, "no inline <script>");
  assert.doesNotMatch(html, /<style\b/i, "no <style> element");
  assert.doesNotMatch(html, /<[a-z][^>]*\sstyle=/i, "no style= attribute");
  assert.doesNotMatch(html, /<[a-z][^>]*\son[a-z]+=/i, "no event handler attribute");
}

describe("staff case pages", function () {
  this.timeout(60_000);
  const app = useTestApp();
  let admin: Agent;
  let liaison: { agent: Agent; id: string };
  let otherLiaison: Agent;
  let police: Agent;
  let unitId: string;

  /** Submit a tip (with a photo) and wait until routing has given it to the liaison of 831. */
  async function aRoutedCase(description = DESCRIPTION): Promise<string> {
    let req = request(app.url).post("/api/v1/tips");
    for (const [k, v] of Object.entries(aTip({ description, sharePhotoLocation: "true" }))) req = req.field(k, String(v));
    const sent = await req.attach("photos", await photoWithGps(), { filename: "a.jpg", contentType: "image/jpeg" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const id = await within(10_000, "the new case assigned to the liaison", async () => {
      const r = await liaison.agent.get("/api/v1/cases?status=assigned&pageSize=100");
      const cases = (r.body.cases ?? []) as Array<{ id: string; assigneeId: string }>;
      return cases.find((c) => c.assigneeId === liaison.id && !seen.has(c.id))?.id;
    });
    seen.add(id);
    return id;
  }
  /** Cases earlier tests already took. */
  const seen = new Set<string>();

  /** Post one action form of the case page, with the token and version the page shows. */
  async function act(agent: Agent, id: string, action: string, fields: Record<string, string> = {}, opts: { version?: string } = {}) {
    const page = await agent.get(`/staff/cases/${id}`);
    assert.equal(page.status, 200, page.text);
    const form = { _csrf: hiddenValue(page.text, "_csrf"), version: opts.version ?? hiddenValue(page.text, "version"), ...fields };
    return agent.post(`/staff/cases/${id}/${action}`).type("form").send(form);
  }

  before(async () => {
    await resetData(app);
    const a = await anAdministrator(app.ctx);
    const l = await aStaffMember(app.ctx, "liaison", "831", "lienlac831@example.org");
    await aStaffMember(app.ctx, "liaison", "829", "lienlac829@example.org");
    const actor: Actor = { id: a.id, role: "admin", districtCode: null, policeUnitId: null };
    unitId = (await createPoliceUnit(app.ctx, actor, { name: "Công an huyện Châu Thành", districtCode: "831" })).id;
    await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: "congan831@example.org", role: "police", districtCode: null, policeUnitId: unitId, password: PASSWORD }));
    admin = (await signIn(app, a.email)).agent;
    liaison = { agent: (await signIn(app, l.email)).agent, id: l.id };
    otherLiaison = (await signIn(app, "lienlac829@example.org")).agent;
    police = (await signIn(app, "congan831@example.org")).agent;
  });

  it("when a tip is routed, then the district's liaison sees it in the inbox and another district's liaison does not", async () => {
    const id = await aRoutedCase();
    const mine = await liaison.agent.get("/staff/cases");
    assert.equal(mine.status, 200);
    assert.match(mine.headers["cache-control"] ?? "", /no-store/);
    assert.ok(mine.text.includes(`/staff/cases/${id}`), "the case is listed");
    assert.ok(mine.text.includes("Huyện Châu Thành") && mine.text.includes("Thị trấn Châu Thành"), "place names, not codes");
    assert.ok(mine.text.includes("Trồng cây có chất ma túy"), "the category is translated");
    const theirs = await otherLiaison.get("/staff/cases");
    assert.equal(theirs.status, 200);
    assert.ok(!theirs.text.includes(id), "not listed for another district");
  });

  it("when the inbox is shown, then it holds no tip content, and its filters keep the list", async () => {
    await aRoutedCase();
    const page = await liaison.agent.get("/staff/cases?status=open&category=cultivation&overdue=&urgent=");
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes(MARKER), "no description in the list");
    assert.ok(!page.text.includes("cây xăng"), "no location in the list");
    assertNoInlineCode(page.text);
    await aRoutedCase();
    const first = await liaison.agent.get("/staff/cases?status=open&pageSize=1");
    assert.ok(first.text.includes('href="/staff/cases?status=open&amp;page=2&amp;pageSize=1"'), "the next page keeps the filters");
    const bad = await liaison.agent.get("/staff/cases?status=nonsense");
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="status-error"/);
  });

  it("when the liaison opens the case, then the content shows escaped and the photo is served decrypted, never cached", async () => {
    const id = await aRoutedCase();
    const page = await liaison.agent.get(`/staff/cases/${id}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(MARKER), "the description is shown");
    assert.ok(!page.text.includes(XSS_SCRIPT) && !page.text.includes(XSS_IMG), "raw tags never reach the page");
    assert.ok(page.text.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "the tags are shown as text");
    assertNoInlineCode(page.text);
    const src = page.text.match(/<img src="(\/staff\/cases\/[^"]+\/photos\/[^"]+)"/)?.[1];
    assert.ok(src, "a photo is shown from our own route");
    const photo = await liaison.agent.get(src).buffer(true);
    assert.equal(photo.status, 200);
    assert.equal(photo.headers["content-type"], "image/jpeg");
    assert.match(photo.headers["cache-control"] ?? "", /no-store/);
    assert.equal((photo.body as Buffer).subarray(0, 2).toString("hex"), "ffd8");
    assert.equal((await otherLiaison.get(src)).status, 403, "another district gets no photo");
    assert.equal((await otherLiaison.get(`/staff/cases/${id}`)).status, 403, "nor the case");
  });

  it("when the liaison triages and forwards through the forms, then the case moves, and the police resolve it through theirs", async () => {
    const id = await aRoutedCase();
    const triaged = await act(liaison.agent, id, "triage", { outcome: "actionable", text: "", reasonCode: "", duplicateOfId: "" });
    assert.equal(triaged.status, 303, triaged.text);
    assert.equal(triaged.headers.location, `/staff/cases/${id}?done=triage_actionable`);
    assert.match((await liaison.agent.get(triaged.headers.location!)).text, /class="flash" role="status"[^>]*>Đã phân loại: cần xử lý/, "the page says what was done");
    const forwarded = await act(liaison.agent, id, "forward", { policeUnitId: unitId });
    assert.equal(forwarded.status, 303, forwarded.text);
    const after = await liaison.agent.get(`/staff/cases/${id}`);
    assert.ok(after.text.includes("Đã chuyển công an"), "the status is shown translated");
    assert.ok(after.text.includes("Công an huyện Châu Thành"));

    const list = await police.get("/staff/cases");
    assert.ok(list.text.includes(`/staff/cases/${id}`), "the police see the forwarded case");
    const seenByPolice = await police.get(`/staff/cases/${id}`);
    assert.ok(seenByPolice.text.includes(MARKER), "and can read it");
    assert.equal((await act(police, id, "acknowledge")).status, 303);
    const csrf = hiddenValue((await police.get(`/staff/cases/${id}`)).text, "_csrf");
    const review = await act(police, id, "resolve", { outcome: "plants_destroyed", plantsDestroyed: "120", areaM2: "250", peopleHandled: "", seizedGrams: "", note: "Nhổ bỏ toàn bộ, lập biên bản." });
    assert.equal(review.status, 200, "a result is shown once more before it is saved");
    assert.match(review.text, /id="result-summary"[\s\S]*Nhổ bỏ cây có chất ma túy[\s\S]*120[\s\S]*250/);
    assert.equal((await app.ctx.database.pool.query("SELECT status FROM tips WHERE id = $1", [id])).rows[0].status, "acknowledged", "nothing saved yet");
    const confirmForm = Object.fromEntries([...review.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&")]));
    assert.equal(confirmForm.confirm, "yes");
    const resolved = await police.post(`/staff/cases/${id}/resolve`).type("form").send(confirmForm);
    assert.equal(resolved.status, 303, resolved.text);
    const [row] = (await app.ctx.database.pool.query("SELECT outcome, plants_destroyed, area_m2, people_handled, seized_grams FROM tips WHERE id = $1", [id])).rows;
    assert.deepEqual(row, { outcome: "plants_destroyed", plants_destroyed: 120, area_m2: 250, people_handled: null, seized_grams: null });
    const twice = await police.post(`/staff/cases/${id}/acknowledge`).type("form").send({ _csrf: csrf });
    assert.equal(twice.status, 409, "an illegal move is refused");
    assert.ok(twice.text.includes("Không thể thực hiện thao tác này ở trạng thái hiện tại (Đã có kết quả)"), "naming the current state");
    const done = await police.get(`/staff/cases/${id}`);
    assert.ok(done.text.includes("Nhổ bỏ cây có chất ma túy"), "the outcome is shown, in the words the reports use");
    assert.ok(done.text.includes("Nhổ bỏ toàn bộ, lập biên bản."), "the result note is readable to the case's key holders");
    assert.ok(done.text.includes("Đã có kết quả"));
  });

  it("when the liaison taps \"Cần xử lý và chuyển công an\", then the case is triaged and forwarded to the rule's unit at once, and the page says so", async () => {
    const id = await aRoutedCase();
    const page = await liaison.agent.get(`/staff/cases/${id}`);
    const report = page.text.indexOf('id="report"');
    const primary = page.text.indexOf('id="action-triage-forward"');
    const history = page.text.indexOf('id="history"');
    assert.ok(report > 0 && primary > report && history > primary, "the report, then the one-tap action, then the folded history");
    assert.match(page.text, /<details class="case-more" id="history">/, "the history is folded");
    const sent = await act(liaison.agent, id, "triage-forward");
    assert.equal(sent.status, 303, sent.text);
    assert.equal(sent.headers.location, `/staff/cases/${id}?done=triage-forward`);
    const after = await liaison.agent.get(sent.headers.location!);
    assert.match(after.text, /Đã phân loại cần xử lý và chuyển công an\./);
    const [row] = (await app.ctx.database.pool.query("SELECT status, triage_outcome, forwarded_unit_id FROM tips WHERE id = $1", [id])).rows;
    assert.deepEqual(row, { status: "forwarded", triage_outcome: "actionable", forwarded_unit_id: unitId });
    const actions = (await app.ctx.database.pool.query("SELECT action FROM audit_log WHERE subject_id = $1 AND action IN ('case.triage', 'case.forward') ORDER BY id", [id])).rows.map((r) => r.action);
    assert.deepEqual(actions, ["case.triage", "case.forward"], "both steps are audited");
  });

  it("when a case looks like an earlier one, then the liaison picks the original from the suggestions (no id to paste)", async () => {
    const first = await aRoutedCase();
    const second = await aRoutedCase();
    const page = await liaison.agent.get(`/staff/cases/${second}`);
    assert.match(page.text, new RegExp(`<input type="radio" id="triage-duplicate-${first.slice(0, 8)}" name="duplicateOfId" value="${first}"`));
    assert.ok(!/<input type="text"[^>]*name="duplicateOfId"/.test(page.text), "no id field to paste into");
    const marked = await act(liaison.agent, second, "triage", { outcome: "duplicate", duplicateOfId: first });
    assert.equal(marked.status, 303, marked.text);
    assert.match((await liaison.agent.get(marked.headers.location!)).text, /Đã ghi là trùng và đóng hồ sơ\./);
    const [row] = (await app.ctx.database.pool.query("SELECT status, duplicate_of_id FROM tips WHERE id = $1", [second])).rows;
    assert.deepEqual(row, { status: "closed", duplicate_of_id: first });
  });

  it("when a liaison writes an internal note, then it is stored encrypted, shown to the case's readers with its author, audited without its text", async () => {
    const id = await aRoutedCase();
    const text = "Ghi chú-9d2a: đã hỏi trưởng ấp, chưa xác nhận.";
    const empty = await act(liaison.agent, id, "note", { text: "   " });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /id="note-text-error"/);
    const saved = await act(liaison.agent, id, "note", { text });
    assert.equal(saved.status, 303, saved.text);
    const page = (await liaison.agent.get(saved.headers.location!)).text;
    assert.match(page, /Đã lưu ghi chú nội bộ\./);
    assert.match(page, /<details class="case-more" id="notes" open>/);
    assert.ok(page.includes(text) && page.includes("lienlac831@example.org"), "the note and who wrote it");
    const stored = await app.ctx.database.pool.query("SELECT ciphertext FROM tip_items WHERE tip_id = $1 AND kind = 'note'", [id]);
    assert.equal(stored.rows.length, 1);
    assert.ok(!Buffer.from(stored.rows[0].ciphertext).toString("latin1").includes("9d2a"), "the note is not stored in the clear");
    const audit = await app.ctx.database.pool.query("SELECT details::text AS d FROM audit_log WHERE subject_id = $1 AND action = 'case.note_added'", [id]);
    assert.equal(audit.rows.length, 1);
    assert.ok(!audit.rows[0].d.includes("9d2a"));
    assert.equal((await otherLiaison.post(`/staff/cases/${id}/note`).type("form").send({ _csrf: hiddenValue((await otherLiaison.get("/staff/cases")).text, "_csrf"), text: "x" })).status, 403, "someone outside the case cannot write");
  });

  it("when a police result carries a negative or malformed quantity, then the form comes back with the message next to the field", async () => {
    const id = await aRoutedCase();
    assert.equal((await act(liaison.agent, id, "triage-forward")).status, 303);
    assert.equal((await act(police, id, "acknowledge")).status, 303);
    const bad = await act(police, id, "resolve", { outcome: "arrests_made", peopleHandled: "-2", seizedGrams: "1,555" });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="resolve-peopleHandled-error"/);
    assert.match(bad.text, /id="resolve-seizedGrams-error"/);
    const ok = await act(police, id, "resolve", { outcome: "arrests_made", peopleHandled: "2", seizedGrams: "1,5", confirm: "yes" });
    assert.equal(ok.status, 303, ok.text);
    const [row] = (await app.ctx.database.pool.query("SELECT people_handled, seized_grams::text AS g FROM tips WHERE id = $1", [id])).rows;
    assert.deepEqual(row, { people_handled: 2, g: "1.50" });
  });

  it("when a case is new to the liaison, then the home page and the inbox count it and link it; once opened it is no longer new", async () => {
    const id = await aRoutedCase();
    const home = (await liaison.agent.get("/staff")).text;
    const count = Number(/(\d+) hồ sơ mới chưa mở/.exec(home)?.[1]);
    assert.ok(count >= 1, "the home page counts new cases");
    assert.ok(home.includes(`href="/staff/cases/${id}"`), "and links the new case directly");
    const inbox = (await liaison.agent.get("/staff/cases")).text;
    assert.match(inbox, new RegExp(`href="/staff/cases/${id}">[^<]*</a>\\s*<span class="badge badge-new">Mới</span>`));
    assert.match(inbox, /<details class="case-filters-toggle">/, "the filters are folded when none is in use");
    await liaison.agent.get(`/staff/cases/${id}`);
    const after = (await liaison.agent.get("/staff/cases")).text;
    assert.doesNotMatch(after, new RegExp(`href="/staff/cases/${id}">[^<]*</a>\\s*<span class="badge badge-new">`));
    const homeAfter = (await liaison.agent.get("/staff")).text;
    assert.equal(Number(/(\d+) hồ sơ mới chưa mở/.exec(homeAfter)?.[1] ?? 0), count - 1);
    assert.match((await liaison.agent.get("/staff/cases?status=open")).text, /<details class="case-filters-toggle" open>/, "open while a filter is in use");
  });

  it("when a form carries a stale version, then the page comes back with 409 and the conflict message", async () => {
    const id = await aRoutedCase();
    const page = await liaison.agent.get(`/staff/cases/${id}`);
    const stale = hiddenValue(page.text, "version");
    assert.equal((await act(liaison.agent, id, "assign", { assigneeId: liaison.id })).status, 303);
    const lost = await act(liaison.agent, id, "triage", { outcome: "actionable" }, { version: stale });
    assert.equal(lost.status, 409);
    assert.ok(lost.text.includes("Hồ sơ vừa được người khác thay đổi"), "the conflict is explained");
    assert.match(lost.text, /id="action-triage"/, "the forms are back, with the current version");
  });

  it("when a triage misses its required text, then the page comes back with 400 and the message next to the field", async () => {
    const id = await aRoutedCase();
    const r = await act(liaison.agent, id, "triage", { outcome: "needs_info", text: "" });
    assert.equal(r.status, 400);
    assert.match(r.text, /<p class="field-error" id="triage-text-error">Bạn chưa điền/);
    assert.match(r.text, /aria-describedby="triage-text-hint triage-text-error"/);
  });

  it("when a form is posted without _csrf, then it is refused with 403 and nothing moves", async () => {
    const id = await aRoutedCase();
    const page = await liaison.agent.get(`/staff/cases/${id}`);
    const r = await liaison.agent.post(`/staff/cases/${id}/triage`).type("form").send({ outcome: "actionable", version: hiddenValue(page.text, "version") });
    assert.equal(r.status, 403);
    const again = await liaison.agent.get(`/staff/cases/${id}`);
    assert.ok(again.text.includes("Đã giao cán bộ"), "still assigned");
  });

  it("when an administrator opens the queue page, then it shows the counts; a liaison is refused", async () => {
    const page = await admin.get("/staff/admin/queues");
    assert.equal(page.status, 200);
    assert.ok(page.text.includes("route-tip") && page.text.includes("Đang chờ"));
    assertNoInlineCode(page.text);
    assert.equal((await liaison.agent.get("/staff/admin/queues")).status, 403);
    const retried = await admin.post("/staff/admin/queues/route-tip/retry").type("form").send({ _csrf: hiddenValue(page.text, "_csrf") });
    assert.equal(retried.status, 303);
    assert.ok((await admin.get(retried.headers.location!)).text.includes("Đã đưa 0 việc lỗi"));
    assert.equal((await admin.post("/staff/admin/queues/nope/retry").type("form").send({ _csrf: hiddenValue(page.text, "_csrf") })).status, 404);
  });

  it("when nobody is signed in, then the pages send to the login page and forms are refused", async () => {
    const r = await request(app.url).get("/staff/cases");
    assert.equal(r.status, 303);
    assert.match(r.headers.location ?? "", /^\/staff\/login/);
    const refused = await request(app.url).post("/staff/notifications/read").type("form").send({}).redirects(0);
    assert.equal(refused.status, 303, "a signed-out form post goes to the sign-in page");
    assert.match(refused.headers.location ?? "", /^\/staff\/login/);
    assert.equal((await request(app.url).get("/api/v1/notifications")).status, 401, "the API still answers 401");
  });

  it("when an administrator gives a commune to a unit, then the coverage page lists the exception", async () => {
    const page = await admin.get("/staff/admin/coverage");
    assert.equal(page.status, 200);
    assertNoInlineCode(page.text);
    const csrf = hiddenValue(page.text, "_csrf");
    const saved = await admin.post("/staff/admin/coverage").type("form").send({ _csrf: csrf, formName: "exception", unitCode: "28804", policeUnitId: unitId });
    assert.equal(saved.status, 303, saved.text);
    const after = await admin.get(saved.headers.location!);
    assert.ok(after.text.includes("Xã Tân Thạch (Huyện Châu Thành): Công an huyện Châu Thành"));
    const bad = await admin.post("/staff/admin/coverage").type("form").send({ _csrf: csrf, formName: "exception", unitCode: "99999", policeUnitId: unitId });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="exception-unitCode-error"/);
    assert.equal((await liaison.agent.get("/staff/admin/coverage")).status, 403);
  });

  it("when a case is assigned to someone, then they find it among their notifications, and can mark all read", async () => {
    const id = await aRoutedCase();
    const page = await liaison.agent.get("/staff/notifications");
    assert.equal(page.status, 200);
    assertNoInlineCode(page.text);
    assert.ok(page.text.includes(`/staff/cases/${id}`));
    const read = await liaison.agent.post("/staff/notifications/read").type("form").send({ _csrf: hiddenValue(page.text, "_csrf") });
    assert.equal(read.status, 303);
    assert.ok(!(await liaison.agent.get("/staff/notifications")).text.includes("Chưa đọc"));
  });

  it("when the page is asked in English, then it is English", async () => {
    const page = await liaison.agent.get("/staff/cases?lang=en");
    assert.ok(page.text.includes("Case inbox"));
  });
});
