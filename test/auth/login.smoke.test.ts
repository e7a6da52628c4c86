import assert from "node:assert/strict";
import request from "supertest";
import { generateSync } from "otplib";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, PASSWORD } from "../support/factories.js";

describe("staff sign-in (smoke)", () => {
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  it("when an administrator signs in for the first time, then TOTP enrolment is required, and after it /me answers", async () => {
    await anAdministrator(app.ctx, "boss@example.org");
    const agent = request.agent(app.url);
    const first = await agent.post("/api/v1/auth/login").send({ email: "boss@example.org", password: PASSWORD });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, "totp_enrollment_required");
    const secret = new URL(first.body.otpauthUrl).searchParams.get("secret")!;
    const enrolled = await agent.post("/api/v1/auth/totp/enroll").set("X-CSRF-Token", first.body.csrfToken).send({ code: generateSync({ secret }) });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const me = await agent.get("/api/v1/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, "boss@example.org");
    const wrong = await request(app.url).post("/api/v1/auth/login").send({ email: "nobody@example.org", password: "x".repeat(12) });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, "invalid_credentials");
  });
});
