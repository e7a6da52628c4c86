/**
 * Setup that cannot strand a tip: tips sent before a district has its liaison
 * reach that liaison as soon as someone who holds their keys (and may share
 * them) signs in, or at once from the admin home's button — audited, one row
 * per newcomer per batch. A case page without the key offers no action and
 * names who can give it. A reset account is not served this way (the
 * administrator restores it), and nobody gets a tip outside their remit.
 */
import assert from "node:assert/strict";
import { NoAccessError, openTipAsStaff } from "../../src/tips/tipReader.js";
import { pendingAccess } from "../../src/staff/pendingAccessQueries.js";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { aStaffMember, anAdministrator, aTip } from "../support/factories.js";
import { signIn, type SignedIn } from "../support/accountsApi.js";
import { submitAndFind, UNLIMITED } from "../support/caseDesk.js";

describe("pending read access for newcomers", function () {
  this.timeout(120_000);
  let app: TestApp;
  /** The administrator's session from the first test's last sign-in (a third sign-in within one TOTP step would wait up to 30 s for the next). */
  let adminSession: SignedIn;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => app.ctx.database.pool.query<T>(text, params).then((r) => r.rows);

  before(async () => {
    app = await startTestApp({ env: UNLIMITED });
    await resetData(app);
  });
  after(async () => {
    await app?.stop();
  });

  it("when a liaison joins after tips of their district arrived, then the next administrator sign-in gives them those tips and only those", async () => {
    const admin = await anAdministrator(app.ctx, "admin.pending@example.org");
    // The admin signs in once first (TOTP enrolment) so later sign-ins are ordinary.
    await signIn(app, admin.email);
    const early = await submitAndFind(app, aTip({ description: "Tin gửi trước khi huyện có cán bộ phụ trách." }));
    const other = await submitAndFind(app, aTip({ districtCode: "832", communeCode: (await app.ctx.units.tree()).districts.find((d) => d.code === "832")!.communes[0]!.code }));

    const liaison = await aStaffMember(app.ctx, "liaison", "831", "liaison831.pending@example.org");
    const outsider = await aStaffMember(app.ctx, "liaison", "832", "liaison832.pending@example.org");
    await assert.rejects(openTipAsStaff(app.ctx.database.db, early, liaison.id, liaison.keys), NoAccessError);
    const waiting = await pendingAccess(app.ctx.database.db);
    assert.deepEqual(waiting.map((w) => [w.email, w.tips]).sort(), [["liaison831.pending@example.org", 1], ["liaison832.pending@example.org", 1]]);

    // The liaison's case page: no action, and the administrator named as the one who can grant.
    const desk = await signIn(app, liaison.email);
    const page = await desk.agent.get(`/staff/cases/${early}`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('id="action-triage"'), "no triage form without the key");
    assert.ok(!page.text.includes('id="action-message"'), "no message form without the key");
    assert.match(page.text, /id="no-key-who">[^<]*admin\.pending@example\.org/);
    const home = await desk.agent.get("/staff");
    assert.match(home.text, /1 hồ sơ thuộc phạm vi của bạn chưa đọc được/);

    adminSession = await signIn(app, admin.email);
    const opened = await openTipAsStaff(app.ctx.database.db, early, liaison.id, liaison.keys);
    assert.match(opened.report.description, /trước khi huyện có cán bộ/);
    await assert.rejects(openTipAsStaff(app.ctx.database.db, other, liaison.id, liaison.keys), NoAccessError, "a tip of another district is never sealed to this liaison");
    const opened832 = await openTipAsStaff(app.ctx.database.db, other, outsider.id, outsider.keys);
    assert.ok(opened832.report.description.length > 0);
    assert.deepEqual(await pendingAccess(app.ctx.database.db), []);

    const rows = await sql<{ actor_id: string; subject_id: string; details: { tips: number; trigger: string } }>("SELECT actor_id, subject_id, details FROM audit_log WHERE action = 'user.pending_access_granted' ORDER BY id");
    assert.deepEqual(rows.map((r) => [r.actor_id, r.subject_id, r.details.tips, r.details.trigger]).sort(), [[admin.id, liaison.id, 1, "sign_in"], [admin.id, outsider.id, 1, "sign_in"]].sort());

    const after = await desk.agent.get(`/staff/cases/${early}`);
    assert.ok(after.text.includes('id="action-triage"'), "with the key, the triage form is back");
  });

  it("when the admin home lists people waiting, then one tap grants them and the page says so", async () => {
    const admin = adminSession;
    assert.equal(admin.user.email, "admin.pending@example.org");
    const tip = await submitAndFind(app, aTip({ districtCode: "831" }));
    const late = await aStaffMember(app.ctx, "liaison", "831", "late831.pending@example.org");
    const home = await admin.agent.get("/staff");
    assert.match(home.text, /1 người đang chờ quyền đọc/);
    assert.match(home.text, /late831\.pending@example\.org/);
    const granted = await admin.agent.post("/staff/admin/pending-access").type("form").send({ _csrf: admin.csrf });
    assert.equal(granted.status, 303);
    const landed = await admin.agent.get(granted.headers.location!);
    assert.match(landed.text, /Đã cấp quyền đọc 2 hồ sơ cho 1 người\./);
    assert.ok(!/người đang chờ quyền đọc/.test(landed.text), "nobody is left waiting");
    await openTipAsStaff(app.ctx.database.db, tip, late.id, late.keys);
    const [row] = await sql<{ details: { tips: number; trigger: string } }>("SELECT details FROM audit_log WHERE action = 'user.pending_access_granted' AND subject_id = $1", [late.id]);
    assert.deepEqual(row?.details, { tips: 2, trigger: "admin" }, "both tips of 831 from before they joined");
  });

  it("when a liaison of the same district signs in, then a newcomer of that district gets the keys; a reset account does not", async () => {
    const tip = await submitAndFind(app, aTip({ districtCode: "831" }));
    const newcomer = await aStaffMember(app.ctx, "liaison", "831", "new831.pending@example.org");
    const reset = await aStaffMember(app.ctx, "liaison", "831", "reset831.pending@example.org");
    await sql("UPDATE staff_users SET needs_restore = true WHERE id = $1", [reset.id]);
    await sql("DELETE FROM tip_key_wraps WHERE user_id = $1", [reset.id]);
    await signIn(app, "liaison831.pending@example.org");
    await openTipAsStaff(app.ctx.database.db, tip, newcomer.id, newcomer.keys);
    await assert.rejects(openTipAsStaff(app.ctx.database.db, tip, reset.id, reset.keys), NoAccessError, "a reset account waits for the administrator's restore");
  });

  it("when someone without the right to share signs in, then nothing is granted (a police officer of another unit, a supervisor)", async () => {
    const tip = await submitAndFind(app, aTip({ districtCode: "831" }));
    const newcomer = await aStaffMember(app.ctx, "liaison", "831", "new2-831.pending@example.org");
    await aStaffMember(app.ctx, "supervisor", null, "sup.pending@example.org");
    const before = await sql("SELECT 1 FROM tip_key_wraps WHERE user_id = $1", [newcomer.id]);
    await signIn(app, "sup.pending@example.org");
    const after = await sql("SELECT 1 FROM tip_key_wraps WHERE user_id = $1", [newcomer.id]);
    assert.equal(after.length, before.length);
    await assert.rejects(openTipAsStaff(app.ctx.database.db, tip, newcomer.id, newcomer.keys), NoAccessError);
  });
});
