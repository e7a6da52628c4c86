/**
 * Guessing in parallel: attempts are reserved atomically before the
 * password is checked, so sending many at once does not get more tries past
 * the backoff than sending them one by one.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { aStaffMember } from "../support/factories.js";

describe("login throttling under parallel guessing", function () {
  this.timeout(60_000);
  const app = useTestApp({ env: { LOGIN_LOCK_AFTER: "6", LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
  before(async () => {
    await resetData(app);
  });

  it("when 12 wrong passwords are sent at once, then only the 3 free attempts are checked and the rest wait (429)", async () => {
    await aStaffMember(app.ctx, "liaison", "831", "song-song@example.org");
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => request(app.url).post("/api/v1/auth/login").set("X-Forwarded-For", "203.0.113.201").send({ email: "song-song@example.org", password: "sai mật khẩu rồi nhé" })),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.equal(statuses.filter((s) => s === 401).length, 3, `statuses: ${statuses.join(",")}`);
    assert.equal(statuses.filter((s) => s === 429).length, 9);
  });
});
