import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "./support/app.js";
import { anAdministrator, aStaffMember, aTip } from "./support/factories.js";

describe("tip intake (JSON API)", () => {
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  it("when no recovery key exists yet, then a tip is refused with 503 not_ready", async () => {
    const res = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, "not_ready");
  });

  it("when a tipster submits a valid tip, then they get a 16-digit receipt in groups of four", async () => {
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831");
    const res = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
    assert.equal(res.body.status, "received");
  });
});
