/**
 * Staff sessions in Redis: the idle timeout is the key's TTL (refreshed on
 * use), the absolute limit counts from creation, logout destroys the record,
 * state-changing requests need the CSRF token, signing in always issues a new
 * session id, and Redis alone holds no usable private key.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { Redis } from "ioredis";
import * as crypto from "../../src/crypto/index.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import { unlockStaffKey } from "../../src/tips/tipReader.js";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, PASSWORD } from "../support/factories.js";
import { dumpRedis, findEverywhere } from "../support/leakScan.js";
import { services } from "../support/services.js";
import { sessionCookieFrom, sessionRedisKey, signIn, totpSecretOf, withCookie, type SignedIn } from "../support/accountsApi.js";

const IDLE_MINUTES = 7;
const IP = "203.0.113.13";
const HOUR = 3_600_000;

describe("staff sessions", function () {
  this.timeout(60_000);
  let app: TestApp;
  let redis: Redis;
  let liaison: { id: string; email: string };
  let adminEmail = "";

  const keyOf = (cookie: string) => sessionRedisKey(services().redisPrefix, cookie);
  const asLiaison = () => signIn(app, liaison.email, PASSWORD, { ip: IP });
  const meWith = (cookie: string) => withCookie(app, cookie).get("/api/v1/me");
  /** Rewrite the session record's creation time, keeping its TTL. */
  const setCreatedAt = async (cookie: string, createdAt: number) => {
    const raw = await redis.get(keyOf(cookie));
    assert.ok(raw, "the session record exists");
    await redis.set(keyOf(cookie), JSON.stringify({ ...JSON.parse(raw), createdAt }), "KEEPTTL");
  };

  before(async () => {
    app = await startTestApp({ env: { SESSION_IDLE_MINUTES: String(IDLE_MINUTES), LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
    await resetData(app);
    redis = new Redis(services().redisUrl);
    adminEmail = (await anAdministrator(app.ctx, "admin.sessions@example.org")).email;
    liaison = await aStaffMember(app.ctx, "liaison", "831", "liaison.sessions@example.org");
  });
  after(async () => {
    redis?.disconnect();
    await app?.stop();
  });

  describe("expiry", () => {
    it("when a staff member signs in, then the cookie is HttpOnly and SameSite=Strict, and the Redis record lives for the idle timeout", async () => {
      const agent = request.agent(app.url);
      const r = await agent.post("/api/v1/auth/login").set("X-Forwarded-For", IP).send({ email: liaison.email, password: PASSWORD });
      assert.equal(r.status, 200);
      const setCookie = ([] as string[]).concat(r.headers["set-cookie"] ?? []).find((c) => c.startsWith("homthu_staff="));
      assert.ok(setCookie);
      assert.match(setCookie, /;\s*HttpOnly/i);
      assert.match(setCookie, /;\s*SameSite=Strict/i);
      assert.match(setCookie, /;\s*Path=\//i);
      assert.doesNotMatch(setCookie, /;\s*(Expires|Max-Age)=/i, "a session cookie: gone when the browser closes");
      const ttl = await redis.pttl(keyOf(sessionCookieFrom(r)!));
      assert.ok(ttl > IDLE_MINUTES * 60_000 - 5_000 && ttl <= IDLE_MINUTES * 60_000, `PTTL ${ttl} ≈ ${IDLE_MINUTES} min`);
    });

    it("when the session is used, then its idle timer starts again", async () => {
      const s = await asLiaison();
      await redis.pexpire(keyOf(s.cookie), 5_000);
      assert.equal((await s.agent.get("/api/v1/me")).status, 200);
      const ttl = await redis.pttl(keyOf(s.cookie));
      assert.ok(ttl > IDLE_MINUTES * 60_000 - 5_000, `PTTL ${ttl} was refreshed`);
    });

    it("when the idle timeout has passed (the Redis record expired), then the cookie gets 401", async () => {
      const s = await asLiaison();
      assert.equal((await s.agent.get("/api/v1/me")).status, 200);
      await redis.del(keyOf(s.cookie));
      const r = await s.agent.get("/api/v1/me");
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "not_authenticated");
    });

    it("when a session is older than the absolute limit (12 h), then it gets 401 even if used all along, and its record is removed", async () => {
      const s = await asLiaison();
      await setCreatedAt(s.cookie, Date.now() - 11 * HOUR);
      assert.equal((await meWith(s.cookie)).status, 200, "11 hours old: still valid");
      await setCreatedAt(s.cookie, Date.now() - 13 * HOUR);
      assert.equal((await meWith(s.cookie)).status, 401, "13 hours old: expired");
      assert.equal(await redis.exists(keyOf(s.cookie)), 0);
    });

    it("when a staff member logs out, then the session is destroyed: the same cookie gets 401 afterwards", async () => {
      const s = await asLiaison();
      const noCsrf = await s.agent.post("/api/v1/auth/logout").send({});
      assert.equal(noCsrf.status, 403, "logging out is a state change too");
      assert.equal((await meWith(s.cookie)).status, 200);
      const out = await s.agent.post("/api/v1/auth/logout").set("X-CSRF-Token", s.csrf).send({});
      assert.equal(out.status, 204);
      assert.match(([] as string[]).concat(out.headers["set-cookie"] ?? []).join("\n"), /homthu_staff=;.*Expires=Thu, 01 Jan 1970/i, "the cookie is cleared");
      assert.equal(await redis.exists(keyOf(s.cookie)), 0);
      const replay = await meWith(s.cookie);
      assert.equal(replay.status, 401, "a copy of the cookie is worth nothing after logout");
    });

    it("when a cookie's session id is right but its key part is forged, then 401", async () => {
      const s = await asLiaison();
      const [id] = s.cookie.split(".");
      assert.equal((await meWith(`${id}.${Buffer.from(randomBytes(32)).toString("base64url")}`)).status, 401);
    });
  });

  describe("CSRF", () => {
    let admin: SignedIn;
    before(async () => (admin = await signIn(app, adminEmail, PASSWORD, { ip: IP })));

    it("when a liaison changes the password without X-CSRF-Token or with a wrong one, then 403 csrf_failed (and with the right one the request gets through)", async () => {
      const s = await asLiaison();
      const other = await asLiaison();
      const body = { oldPassword: "wrong old password", newPassword: "Một mật khẩu mới rất dài" };
      const without = await s.agent.post("/api/v1/me/password").send(body);
      assert.equal(without.status, 403);
      assert.equal(without.body.error.code, "csrf_failed");
      for (const token of ["wrong-token", other.csrf, `${s.csrf}x`]) {
        const wrong = await s.agent.post("/api/v1/me/password").set("X-CSRF-Token", token).send(body);
        assert.equal(wrong.status, 403, `token ${token}`);
        assert.equal(wrong.body.error.code, "csrf_failed");
      }
      const right = await s.agent.post("/api/v1/me/password").set("X-CSRF-Token", s.csrf).send(body);
      assert.equal(right.status, 400, "past the CSRF check, the wrong old password is what stops it");
      assert.ok(right.body.error.fields?.oldPassword);
    });

    it("when an administrator creates a police unit without X-CSRF-Token or with a wrong one, then 403 csrf_failed and nothing is created", async () => {
      const count = async () => Number((await app.ctx.database.pool.query<{ n: string }>("SELECT count(*) AS n FROM police_units")).rows[0]!.n);
      const before = await count();
      const body = { name: "Công an huyện Chợ Lách", districtCode: "832" };
      const without = await admin.agent.post("/api/v1/admin/police-units").send(body);
      assert.equal(without.status, 403);
      assert.equal(without.body.error.code, "csrf_failed");
      const wrong = await admin.agent.post("/api/v1/admin/police-units").set("X-CSRF-Token", "forged").send(body);
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error.code, "csrf_failed");
      assert.equal(await count(), before);
      const right = await admin.agent.post("/api/v1/admin/police-units").set("X-CSRF-Token", admin.csrf).send(body);
      assert.equal(right.status, 201, JSON.stringify(right.body));
      assert.equal(await count(), before + 1);
    });

    it("when GET /api/v1/me is asked, then it answers the session's current CSRF token", async () => {
      const s = await asLiaison();
      const me = await s.agent.get("/api/v1/me");
      assert.equal(me.body.csrfToken, s.csrf);
    });
  });

  describe("session fixation", () => {
    it("when a cookie is planted before sign-in, then sign-in issues a different one", async () => {
      const planted = `${Buffer.from(randomBytes(32)).toString("base64url")}.${Buffer.from(randomBytes(32)).toString("base64url")}`;
      const agent = request.agent(app.url);
      const r = await agent.post("/api/v1/auth/login").set("Cookie", `homthu_staff=${planted}`).set("X-Forwarded-For", IP).send({ email: liaison.email, password: PASSWORD });
      assert.equal(r.status, 200);
      const issued = sessionCookieFrom(r);
      assert.ok(issued);
      assert.notEqual(issued, planted);
      assert.notEqual(issued.split(".")[0], planted.split(".")[0], "not even the session id is kept");
      assert.equal((await meWith(planted)).status, 401);
    });

    it("when someone plants their own valid session and the victim signs in over it, then the victim gets a new session and the planted one dies", async () => {
      const attacker = await asLiaison();
      const victimAgent = request.agent(app.url);
      const r = await victimAgent.post("/api/v1/auth/login").set("Cookie", `homthu_staff=${encodeURIComponent(attacker.cookie)}`).set("X-Forwarded-For", IP).send({ email: liaison.email, password: PASSWORD });
      assert.equal(r.status, 200);
      const issued = sessionCookieFrom(r)!;
      assert.notEqual(issued.split(".")[0], attacker.cookie.split(".")[0]);
      assert.equal((await meWith(attacker.cookie)).status, 401);
      assert.equal((await meWith(issued)).status, 200);
    });

    it("when a staff member finishes TOTP enrolment, then the half-signed-in session is replaced by a new one", async () => {
      const admin2 = "admin2.sessions@example.org";
      await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: admin2, role: "admin", districtCode: null, password: PASSWORD }));
      const agent = request.agent(app.url);
      const first = await agent.post("/api/v1/auth/login").set("X-Forwarded-For", IP).send({ email: admin2, password: PASSWORD });
      assert.equal(first.body.status, "totp_enrollment_required");
      const enrolCookie = sessionCookieFrom(first)!;
      const s = await signIn(app, admin2, PASSWORD, { ip: IP, agent });
      assert.notEqual(s.cookie.split(".")[0], enrolCookie.split(".")[0]);
      assert.equal(await redis.exists(keyOf(enrolCookie)), 0, "the enrolment-stage session is gone");
    });
  });

  describe("what Redis holds", () => {
    it("when a Redis dump is taken while staff are signed in, then no private key, in any encoding, is in it, and a session's wrapped key does not open without the cookie", async () => {
      const l = await asLiaison();
      const a = await signIn(app, adminEmail, PASSWORD, { ip: IP });
      const liaisonKey = (await unlockStaffKey(app.ctx.database.db, liaison.id, PASSWORD)).privateKey;
      const adminKey = (await unlockStaffKey(app.ctx.database.db, a.user.id, PASSWORD)).privateKey;
      const dump = await dumpRedis(services().redisUrl, services().redisPrefix);
      const places = { "redis (utf8)": dump, "redis (bytes)": Buffer.from(dump, "latin1") };

      assert.ok(dump.includes(keyOf(l.cookie)) && dump.includes(liaison.id), "the dump holds the live sessions (sanity check of the search)");
      for (const [who, key] of [["liaison", liaisonKey], ["admin", adminKey]] as const) {
        const b = Buffer.from(key);
        for (const [form, needle] of [["raw", b], ["hex", b.toString("hex")], ["HEX", b.toString("hex").toUpperCase()], ["base64", b.toString("base64")], ["base64url", b.toString("base64url")]] as const)
          assert.deepEqual(findEverywhere(needle, places), [], `the ${who}'s private key (${form}) is in the Redis dump`);
      }
      const totpSecret = totpSecretOf(adminEmail);
      assert.ok(totpSecret);
      assert.deepEqual(findEverywhere(totpSecret, places), [], "the TOTP secret is not left in Redis after enrolment");
      for (const cookie of [l.cookie, a.cookie]) {
        assert.ok(!dump.includes(cookie.split(".")[0]!) && !dump.includes(cookie.split(".")[1]!), "neither half of a cookie is in Redis");
      }

      // The record's wrapped key: the cookie opens it; nothing found in Redis does.
      const record = JSON.parse((await redis.get(keyOf(l.cookie)))!) as { wrappedKey: string; csrf: string };
      const wrapped = Buffer.from(record.wrappedKey, "hex");
      const [id, keyPart] = l.cookie.split(".") as [string, string];
      assert.deepEqual(Buffer.from(crypto.unwrapWithKey(wrapped, Buffer.from(keyPart, "base64url"), `session:${id}`)), Buffer.from(liaisonKey), "with the cookie, the key opens (sanity)");
      const hashedId = keyOf(l.cookie).split(":").pop()!;
      const candidates = [Buffer.from(hashedId, "hex"), Buffer.from(record.csrf, "base64url").subarray(0, 24), randomBytes(32)].map((k) => Buffer.concat([k, Buffer.alloc(32)]).subarray(0, 32));
      for (const candidate of candidates)
        for (const label of [`session:${id}`, `session:${hashedId}`]) assert.throws(() => crypto.unwrapWithKey(wrapped, candidate, label), "a key guessed from Redis does not open the wrap");
      const flipped = Buffer.from(keyPart, "base64url");
      flipped[0] = flipped[0]! ^ 1;
      assert.throws(() => crypto.unwrapWithKey(wrapped, flipped, `session:${id}`));
    });
  });
});
