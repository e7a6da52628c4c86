import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";
import { anAdministrator, aStaffMember, aTip, PASSWORD } from "../support/factories.js";
import { createPoliceUnit } from "../../src/commands/policeUnitCreator.js";
import { createStaff } from "../../src/commands/staffCreator.js";

describe("case workflow (smoke)", () => {
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  it("when a tip is submitted, then it is routed to the liaison, triaged, forwarded, acknowledged and resolved", async () => {
    const admin = await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831", "liaison831@example.org");
    const unit = await createPoliceUnit(app.ctx, { id: admin.id, role: "admin", districtCode: null, policeUnitId: null }, { name: "Công an huyện Châu Thành", districtCode: "831" });
    await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: "police831@example.org", role: "police", districtCode: null, policeUnitId: unit.id, password: PASSWORD }));
    const sent = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(sent.status, 201);

    const l = await signIn(app, "liaison831@example.org");
    const listed = await within(10_000, "the case assigned to the liaison, in their list", async () => {
      const r = await l.agent.get("/api/v1/cases");
      return r.body.cases?.[0]?.assigneeId === liaison.id ? r.body.cases[0] : undefined;
    });
    assert.equal(listed.status, "assigned");
    const detail = await l.agent.get(`/api/v1/cases/${listed.id}`);
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.equal(detail.body.content.report.description, aTip().description);
    const t = await l.agent.post(`/api/v1/cases/${listed.id}/triage`).set("X-CSRF-Token", l.csrf).send({ outcome: "actionable", version: detail.body.case.version });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const stale = await l.agent.post(`/api/v1/cases/${listed.id}/triage`).set("X-CSRF-Token", l.csrf).send({ outcome: "actionable", version: detail.body.case.version });
    assert.equal(stale.status, 409);
    const f = await l.agent.post(`/api/v1/cases/${listed.id}/forward`).set("X-CSRF-Token", l.csrf).send({});
    assert.equal(f.status, 200, JSON.stringify(f.body));

    const p = await signIn(app, "police831@example.org");
    const pd = await p.agent.get(`/api/v1/cases/${listed.id}`);
    assert.equal(pd.status, 200, JSON.stringify(pd.body));
    assert.equal(pd.body.content.report.description, aTip().description);
    assert.equal((await p.agent.post(`/api/v1/cases/${listed.id}/acknowledge`).set("X-CSRF-Token", p.csrf).send({})).status, 200);
    const done = await p.agent.post(`/api/v1/cases/${listed.id}/resolve`).set("X-CSRF-Token", p.csrf).send({ outcome: "plants_destroyed" });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.case.status, "resolved");
    const illegal = await p.agent.post(`/api/v1/cases/${listed.id}/acknowledge`).set("X-CSRF-Token", p.csrf).send({});
    assert.equal(illegal.status, 409);
    assert.equal(illegal.body.error.currentStatus, "resolved");
  });
});
