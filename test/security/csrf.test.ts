/**
 * CSRF on every staff form: a signed-in administrator's browser posting any
 * state-changing staff form without the session's token (or with another
 * session's token) is refused with 403 and changes nothing. Sign-in and
 * activation, which have no session yet, refuse cross-site posts instead.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";

describe("CSRF on every staff form", function () {
  this.timeout(120_000);
  const app = useTestApp();
  before(async () => {
    await resetData(app);
  });

  it("when any staff form is posted without the session's token, then it is refused with 403 and the audit log does not grow", async () => {
    await anAdministrator(app.ctx, "csrf-admin@example.org");
    const other = await aStaffMember(app.ctx, "liaison", "831", "csrf-liaison@example.org");
    const admin = await signIn(app, "csrf-admin@example.org");
    const liaison = await signIn(app, "csrf-liaison@example.org");
    const someId = other.id;
    const forms: Array<[string, Record<string, string>]> = [
      ["/staff/admin/coverage", { unitCode: "831", policeUnitId: "" }],
      ["/staff/admin/police-units", { name: "Công an thử", districtCode: "831" }],
      ["/staff/admin/queues/route-tip/retry", {}],
      ["/staff/admin/settings", { publicFigures: "true" }],
      [`/staff/admin/users/${someId}/deactivate`, { confirm: "yes" }],
      [`/staff/admin/users/${someId}/unlock`, {}],
      ["/staff/admin/pending-access", {}],
      ["/staff/admin/users/invite", { email: "moi@example.org", role: "liaison", districtCode: "831" }],
      [`/staff/cases/${someId}/triage`, { outcome: "actionable" }],
      ["/staff/logout", {}],
      ["/staff/model-communes", { districtCode: "831", year: "2026", communeCode: "28801", content: "x", startDate: "2026-01-01", plannedEndDate: "2026-12-31" }],
      [`/staff/model-communes/${someId}/progress`, { progress: "x" }],
      ["/staff/notifications/read", {}],
      ["/staff/profile/password", { oldPassword: "a", newPassword: "b", confirmPassword: "b" }],
    ];
    const auditRows = async () => (await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM audit_log")).rows[0].n as number;
    const before = await auditRows();
    for (const [path, body] of forms) {
      const missing = await admin.agent.post(path).type("form").send(body).redirects(0);
      assert.equal(missing.status, 403, `POST ${path} without a token → ${missing.status}`);
      const foreign = await admin.agent.post(path).type("form").send({ ...body, _csrf: liaison.csrf }).redirects(0);
      assert.equal(foreign.status, 403, `POST ${path} with another session's token → ${foreign.status}`);
    }
    assert.equal(await auditRows(), before, "nothing was done");
    assert.equal((await admin.agent.get("/api/v1/me")).status, 200, "the session survived the forged logout");
  });

  it("when the sign-in or activation form is posted from another site, then it is refused", async () => {
    for (const path of ["/staff/login", "/staff/activate", "/report", "/follow-up"]) {
      const res = await request(app.url).post(path).set("Sec-Fetch-Site", "cross-site").type("form").send({ email: "a@b.c", password: "x", token: "t", receipt: "1" }).redirects(0);
      assert.equal(res.status, 403, `${path} → ${res.status}`);
    }
  });
});
