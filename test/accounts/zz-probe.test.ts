import assert from "node:assert/strict";
import request from "supertest";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, PASSWORD } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
describe("probe", () => {
  let app: TestApp;
  before(async () => { app = await startTestApp({ env: { LOGIN_RATE_LIMIT_PER_HOUR: "10000" } }); await resetData(app); });
  after(async () => app?.stop());
  it("double invite", async () => {
    await anAdministrator(app.ctx, "a.probe@example.org");
    const a = await signIn(app, "a.probe@example.org", PASSWORD);
    const i1 = await a.agent.post("/api/v1/admin/invitations").set("X-CSRF-Token", a.csrf).send({ email: "dup@example.org", role: "liaison", districtCode: "831" });
    const i2 = await a.agent.post("/api/v1/admin/invitations").set("X-CSRF-Token", a.csrf).send({ email: "dup@example.org", role: "liaison", districtCode: "832" });
    console.log(i1.status, i2.status);
    const t = (u: string) => new URL(u).searchParams.get("token");
    const r1 = await request(app.url).post("/api/v1/activate").send({ token: t(i1.body.activationUrl), password: "Một mật khẩu đủ dài 1" });
    const r2 = await request(app.url).post("/api/v1/activate").send({ token: t(i2.body.activationUrl), password: "Một mật khẩu đủ dài 2" });
    console.log(r1.status, r2.status, JSON.stringify(r2.body));
    const anon = await request(app.url).post("/api/v1/auth/totp/enroll").send({ code: "123456" });
    console.log("anon enroll", anon.status, JSON.stringify(anon.body));
  });
});
