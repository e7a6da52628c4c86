/**
 * The whole life of staff accounts, through the JSON API, with invitation
 * emails received by a real SMTP server: the first administrator signs in
 * (TOTP enrolment), creates a police unit, invites a liaison and a police
 * user; they activate and sign in; a password change keeps the liaison's key;
 * an administrator's reset takes old cases away until "restore access" gives
 * them back; the recovery key is granted to a second administrator; and a
 * deactivated account is shut out at once.
 *
 * The steps form one story, so each `it` builds on the ones before it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { NoAccessError, openTipAsStaff, unlockStaffKey } from "../../src/tips/tipReader.js";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aTip, PASSWORD } from "../support/factories.js";
import { startMailbox, type Mailbox, type ReceivedMail } from "../support/smtp.js";
import { nextTotp, sessionCookieFrom, signIn, type Agent, type SignedIn } from "../support/accountsApi.js";

const IP = "203.0.113.11";
const PUBLIC_URL = "https://homthu.example.org";
const LINK = /https:\/\/homthu\.example\.org\/staff\/activate\?token=([A-Za-z0-9_-]+)/;

const ADMIN = "admin.lifecycle@example.org";
const ADMIN2 = "admin2.lifecycle@example.org";
const LIAISON = "liaison831.lifecycle@example.org";
const POLICE = "police831.lifecycle@example.org";
const LATE = "late.lifecycle@example.org";

const PW_LIAISON_1 = "Cầu Rạch Miễu lúc bình minh";
const PW_LIAISON_2 = "Chợ nổi Cái Bè, sáng thứ bảy";
const PW_LIAISON_3 = "Kẹo dừa Mỏ Cày ngọt lịm 2024";
const PW_LIAISON_4 = "Sông Hàm Luông nước lớn ròng";
const PW_POLICE = "Cồn Phụng giữa sông Tiền 99";
const PW_ADMIN2 = "Đồng Khởi 17-01-1960 Mỏ Cày";

describe("staff account lifecycle (API, real SMTP)", function () {
  this.timeout(120_000);
  let app: TestApp;
  let mailbox: Mailbox;
  let admin: SignedIn;
  const marker = `CANARY-${randomBytes(6).toString("hex")}`;
  const earlyMarker = `EARLY-${randomBytes(6).toString("hex")}`;
  let unitId = "";
  let liaisonToken = "";
  let policeToken = "";
  let liaisonId = "";
  let policeId = "";
  let tipId = "";

  const db = () => app.ctx.database.db;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => app.ctx.database.pool.query<T>(text, params).then((r) => r.rows);
  const post = (who: SignedIn, path: string, body: object = {}) => who.agent.post(path).set("X-CSRF-Token", who.csrf).send(body);
  const activate = (token: string, password: string) => request(app.url).post("/api/v1/activate").set("X-Forwarded-For", IP).send({ token, password });
  const login = (email: string, password: string, agent: Agent = request.agent(app.url)) => agent.post("/api/v1/auth/login").set("X-Forwarded-For", IP).send({ email, password });
  const usersList = async () => {
    const r = await admin.agent.get("/api/v1/admin/users");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.users as Array<{ id: string; email: string; role: string; active: boolean; needsRestore: boolean }>;
  };
  /** The next activation email to `to` arriving after `since` messages, and the token its link carries. */
  const mailTo = async (to: string, since: number): Promise<{ mail: ReceivedMail; token: string }> => {
    const mail = await mailbox.waitForMail((m) => mailbox.messages.indexOf(m) >= since && m.to.includes(to) && LINK.test(m.text));
    const token = LINK.exec(mail.text)?.[1];
    assert.ok(token, `the email carries an activation link on ${PUBLIC_URL}: ${mail.text}`);
    return { mail, token };
  };
  const tipKeysAs = async (userId: string, password: string) => unlockStaffKey(db(), userId, password);

  before(async () => {
    mailbox = await startMailbox();
    app = await startTestApp({ env: { SMTP_URL: mailbox.url, PUBLIC_URL, LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
    await resetData(app);
    await anAdministrator(app.ctx, ADMIN);
    // A tip of another district received before any invitation: its content must never reach an email.
    const tree = await app.ctx.units.tree();
    const commune832 = [...tree.communeDistrict.entries()].find(([, d]) => d === "832")?.[0];
    const early = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", IP).send(aTip({ districtCode: "832", communeCode: commune832, description: `Mua bán trái phép gần bến phà, ${earlyMarker}.`, location: `Bến phà ${earlyMarker}` }));
    assert.equal(early.status, 201, JSON.stringify(early.body));
  });
  after(async () => {
    await app?.stop();
    await mailbox?.stop();
  });

  it("when the first administrator signs in, then TOTP enrolment is required before any staff page answers", async () => {
    const agent = request.agent(app.url);
    const first = await login(ADMIN, PASSWORD, agent);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, "totp_enrollment_required");
    assert.match(first.body.otpauthUrl, /^otpauth:\/\/totp\//);
    assert.equal((await agent.get("/api/v1/me")).status, 401, "a half-signed-in session (enrolment pending) is not a session");
    const secret = new URL(first.body.otpauthUrl).searchParams.get("secret")!;
    const wrong = await agent.post("/api/v1/auth/totp/enroll").set("X-CSRF-Token", first.body.csrfToken).send({ code: "000000" });
    assert.equal(wrong.status, 400, "a wrong first code does not finish the enrolment");
    const enrolled = await agent.post("/api/v1/auth/totp/enroll").set("X-CSRF-Token", first.body.csrfToken).send({ code: await nextTotp(secret) });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    assert.equal(enrolled.body.user.totpEnabled, true);
    const me = await agent.get("/api/v1/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.user.role, "admin");
    admin = { agent, csrf: me.body.csrfToken, cookie: sessionCookieFrom(enrolled)!, user: me.body.user };
  });

  it("when the administrator creates a police unit for district 831, then it is listed", async () => {
    const created = await post(admin, "/api/v1/admin/police-units", { name: "Công an huyện Châu Thành", districtCode: "831" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    unitId = created.body.id;
    const list = await admin.agent.get("/api/v1/admin/police-units");
    assert.ok(list.body.policeUnits.some((u: { id: string; districtCode: string }) => u.id === unitId && u.districtCode === "831"));
  });

  it("when the administrator invites a liaison of 831 and a police user of that unit, then each gets an email with a one-time link and nothing about any tip", async () => {
    const since = mailbox.messages.length;
    const inviteLiaison = await post(admin, "/api/v1/admin/invitations", { email: LIAISON, role: "liaison", districtCode: "831" });
    assert.equal(inviteLiaison.status, 201, JSON.stringify(inviteLiaison.body));
    assert.equal(inviteLiaison.body.emailed, true);
    assert.equal(inviteLiaison.body.activationUrl, undefined, "with email on, the link goes only to the invited person");
    const invitePolice = await post(admin, "/api/v1/admin/invitations", { email: POLICE, role: "police", policeUnitId: unitId });
    assert.equal(invitePolice.status, 201, JSON.stringify(invitePolice.body));

    const l = await mailTo(LIAISON, since);
    const p = await mailTo(POLICE, since);
    liaisonToken = l.token;
    policeToken = p.token;
    assert.notEqual(liaisonToken, policeToken);
    assert.ok(liaisonToken.length >= 40, "the token is long and random");
    for (const { mail } of [l, p]) {
      assert.match(mail.subject, /activate/i);
      for (const secret of [earlyMarker, "Mua bán", "Bến phà", "cultivation", "trafficking"]) assert.ok(!mail.raw.includes(secret) && !mail.text.includes(secret), `the email does not mention "${secret}"`);
    }
    const stored = await sql<{ hashed: string; plain: string }>(
      "SELECT count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))) AS hashed, count(*) FILTER (WHERE token_hash = convert_to($1, 'UTF8')) AS plain FROM invitations",
      [liaisonToken],
    );
    assert.deepEqual(stored[0], { hashed: "1", plain: "0" }, "only the token's SHA-256 is stored");
  });

  it("when the liaison chooses a common password or one of 11 characters, then 400 names the password field, and the link still works afterwards", async () => {
    const common = await activate(liaisonToken, "password1234");
    assert.equal(common.status, 400, JSON.stringify(common.body));
    assert.ok(common.body.error.fields?.password, "a password on the common list is refused");
    assert.equal([..."Bến Tre 202"].length, 11);
    const short = await activate(liaisonToken, "Bến Tre 202");
    assert.equal(short.status, 400, JSON.stringify(short.body));
    assert.ok(short.body.error.fields?.password, "an 11-character password is refused");
  });

  it("when the liaison opens the link with a good password, then the account exists, and a second use of the same link is refused", async () => {
    const r = await activate(liaisonToken, PW_LIAISON_1);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    liaisonId = r.body.user.userId;
    assert.equal(r.body.user.email, LIAISON);
    const again = await activate(liaisonToken, PW_LIAISON_2);
    assert.equal(again.status, 400);
    assert.equal(again.body.error.code, "invalid_token");
    const listed = (await usersList()).find((u) => u.email === LIAISON);
    assert.equal(listed?.role, "liaison");
    assert.equal(listed?.needsRestore, false, "no tip of 831 existed before, so nothing to restore");

    const p = await activate(policeToken, PW_POLICE);
    assert.equal(p.status, 201, JSON.stringify(p.body));
    policeId = p.body.user.userId;
  });

  it("when an activation link has expired, then it is refused with invalid_token (and only because of the expiry)", async () => {
    const since = mailbox.messages.length;
    assert.equal((await post(admin, "/api/v1/admin/invitations", { email: LATE, role: "supervisor", districtCode: "831" })).status, 201);
    const { token } = await mailTo(LATE, since);
    await sql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = $1", [LATE]);
    const expired = await activate(token, PW_LIAISON_1);
    assert.equal(expired.status, 400);
    assert.equal(expired.body.error.code, "invalid_token");
    await sql("UPDATE invitations SET expires_at = now() + interval '1 hour' WHERE email = $1", [LATE]);
    assert.equal((await activate(token, PW_LIAISON_1)).status, 201, "the same link, not expired, works");
  });

  it("when the same address is invited twice and both links are used, then the second is refused with a 400, not a server error", async () => {
    const email = "twice.lifecycle@example.org";
    const since = mailbox.messages.length;
    const first = await post(admin, "/api/v1/admin/invitations", { email, role: "liaison", districtCode: "831" });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await post(admin, "/api/v1/admin/invitations", { email, role: "liaison", districtCode: "832" });
    if (second.status === 400) return; // refusing the second invitation is a correct answer too
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const linksTo = () => mailbox.messages.filter((m) => mailbox.messages.indexOf(m) >= since && m.to.includes(email) && LINK.test(m.text));
    await mailbox.waitForMail(() => linksTo().length >= 2);
    const [t1, t2] = linksTo().map((m) => LINK.exec(m.text)![1]!);
    assert.equal((await activate(t1!, PW_LIAISON_1)).status, 201);
    const again = await activate(t2!, PW_LIAISON_2);
    assert.equal(again.status, 400, `the second link of an address that now has an account: ${again.status} ${JSON.stringify(again.body)}`);
  });

  it("when the police user signs in, then TOTP enrolment comes first, and afterwards every sign-in asks for a code", async () => {
    const agent = request.agent(app.url);
    const first = await login(POLICE, PW_POLICE, agent);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, "totp_enrollment_required");
    assert.equal(first.body.user, undefined, "no user until the second factor is set up");
    assert.equal((await agent.get("/api/v1/me")).status, 401, "enrolment pending: not signed in yet");
    const secret = new URL(first.body.otpauthUrl).searchParams.get("secret")!;
    const enrolled = await agent.post("/api/v1/auth/totp/enroll").set("X-CSRF-Token", first.body.csrfToken).send({ code: await nextTotp(secret) });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const me = await agent.get("/api/v1/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.user.role, "police");
    assert.equal(me.body.user.policeUnitId, unitId);
    assert.equal((await agent.get("/api/v1/cases")).status, 200, "the police user can work");

    // Without a valid code the answer is exactly that of a wrong password: a guess never confirms the password.
    const wrongPassword = await login(POLICE, "not the password at all");
    assert.equal(wrongPassword.status, 401);
    assert.equal(wrongPassword.body.error.code, "invalid_credentials");
    // (two failures: a third would start the slow-down and delay the sign-in below)
    const withoutCode = await login(POLICE, PW_POLICE);
    for (const r of [withoutCode]) {
      assert.equal(r.status, wrongPassword.status);
      assert.deepEqual(r.body, wrongPassword.body);
      assert.equal(r.headers["set-cookie"], undefined, "no session, not even a partial one");
    }
    const withCode = await request(app.url).post("/api/v1/auth/login").set("X-Forwarded-For", IP).send({ email: POLICE, password: PW_POLICE, totp: await nextTotp(secret) });
    assert.equal(withCode.status, 200, JSON.stringify(withCode.body));
    assert.equal(withCode.body.user.id, policeId);
  });

  it("when the liaison signs in, then no TOTP is asked (not required for liaisons by default)", async () => {
    const agent = request.agent(app.url);
    const r = await login(LIAISON, PW_LIAISON_1, agent);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, undefined);
    assert.equal(r.body.user.id, liaisonId);
    assert.equal(r.body.user.totpEnabled, false);
    assert.ok(r.body.csrfToken);
    assert.equal((await agent.get("/api/v1/me")).status, 200);
  });

  it("when the liaison changes the password, then the same private key still opens a tip received before, and the old password opens nothing", async () => {
    const sent = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", IP).send(aTip({ description: `Vườn cần sa sau nhà, ${marker}.` }));
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    tipId = (await sql<{ id: string }>("SELECT id FROM tips WHERE district_code = '831' ORDER BY received_at DESC LIMIT 1"))[0]!.id;
    const before = await openTipAsStaff(db(), tipId, liaisonId, await tipKeysAs(liaisonId, PW_LIAISON_1));
    assert.ok(before.report.description.includes(marker), "the liaison holds the tip (sanity)");

    const liaison = await signIn(app, LIAISON, PW_LIAISON_1, { ip: IP });
    const wrongOld = await post(liaison, "/api/v1/me/password", { oldPassword: "not my password at all", newPassword: PW_LIAISON_2 });
    assert.equal(wrongOld.status, 400);
    assert.ok(wrongOld.body.error.fields?.oldPassword);
    const weakNew = await post(liaison, "/api/v1/me/password", { oldPassword: PW_LIAISON_1, newPassword: "password1234" });
    assert.equal(weakNew.status, 400);
    assert.ok(weakNew.body.error.fields?.newPassword);
    const changed = await post(liaison, "/api/v1/me/password", { oldPassword: PW_LIAISON_1, newPassword: PW_LIAISON_2 });
    assert.equal(changed.status, 204, JSON.stringify(changed.body));

    const opened = await openTipAsStaff(db(), tipId, liaisonId, await tipKeysAs(liaisonId, PW_LIAISON_2));
    assert.ok(opened.report.description.includes(marker));
    await assert.rejects(tipKeysAs(liaisonId, PW_LIAISON_1), "the old password no longer unwraps the key");
    assert.equal((await liaison.agent.get("/api/v1/me")).status, 200, "the current session goes on");
    const old = await login(LIAISON, PW_LIAISON_1);
    assert.equal(old.status, 401);
    assert.equal(old.body.error.code, "invalid_credentials");
    assert.equal((await login(LIAISON, PW_LIAISON_2)).status, 200);
  });

  it("when an administrator resets the liaison, then the new password gives a new key that opens no old tip until access is restored", async () => {
    const liaison = await signIn(app, LIAISON, PW_LIAISON_2, { ip: IP });
    const since = mailbox.messages.length;
    const reset = await post(admin, `/api/v1/admin/users/${liaisonId}/reset`);
    assert.equal(reset.status, 201, JSON.stringify(reset.body));
    assert.equal(reset.body.emailed, true);
    const { token } = await mailTo(LIAISON, since);

    const done = await activate(token, PW_LIAISON_3);
    assert.equal(done.status, 201, JSON.stringify(done.body));
    assert.equal(done.body.user.userId, liaisonId, "the same account, not a new one");
    assert.equal((await liaison.agent.get("/api/v1/me")).status, 401, "the reset ends the sessions opened with the old key");
    assert.equal((await login(LIAISON, PW_LIAISON_2)).status, 401, "the previous password is gone");

    const newKeys = await tipKeysAs(liaisonId, PW_LIAISON_3);
    await assert.rejects(openTipAsStaff(db(), tipId, liaisonId, newKeys), NoAccessError);
    assert.equal((await usersList()).find((u) => u.id === liaisonId)?.needsRestore, true);

    const restored = await post(admin, `/api/v1/admin/users/${liaisonId}/restore-access`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.ok(restored.body.restored >= 1);
    const opened = await openTipAsStaff(db(), tipId, liaisonId, newKeys);
    assert.ok(opened.report.description.includes(marker));
    assert.equal((await usersList()).find((u) => u.id === liaisonId)?.needsRestore, false);
    const earlyTip = (await sql<{ id: string }>("SELECT id FROM tips WHERE district_code = '832'"))[0]!.id;
    await assert.rejects(openTipAsStaff(db(), earlyTip, liaisonId, newKeys), NoAccessError, "restoring gives back only the liaison's own district");
  });

  it("when the recovery key is granted to a second administrator, then that administrator can restore access too", async () => {
    const since = mailbox.messages.length;
    assert.equal((await post(admin, "/api/v1/admin/invitations", { email: ADMIN2, role: "admin" })).status, 201);
    const { token } = await mailTo(ADMIN2, since);
    assert.equal((await activate(token, PW_ADMIN2)).status, 201);
    const admin2 = await signIn(app, ADMIN2, PW_ADMIN2, { ip: IP });
    assert.equal(admin2.user.totpEnabled, true, "an administrator enrols TOTP first");

    const sinceReset = mailbox.messages.length;
    assert.equal((await post(admin, `/api/v1/admin/users/${liaisonId}/reset`)).status, 201);
    const reset = await mailTo(LIAISON, sinceReset);
    assert.equal((await activate(reset.token, PW_LIAISON_4)).status, 201);

    const refused = await post(admin2, `/api/v1/admin/users/${liaisonId}/restore-access`);
    assert.equal(refused.status, 403, "without the recovery key, no restore");
    assert.equal(refused.body.error.code, "not_recovery_holder");
    const notAdmin = await post(admin, `/api/v1/admin/users/${liaisonId}/grant-recovery`);
    assert.equal(notAdmin.status, 400, "the recovery key goes to administrators only");

    const granted = await post(admin, `/api/v1/admin/users/${admin2.user.id}/grant-recovery`);
    assert.equal(granted.status, 204, JSON.stringify(granted.body));
    const restored = await post(admin2, `/api/v1/admin/users/${liaisonId}/restore-access`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    const opened = await openTipAsStaff(db(), tipId, liaisonId, await tipKeysAs(liaisonId, PW_LIAISON_4));
    assert.ok(opened.report.description.includes(marker));
  });

  it("when an administrator deactivates the liaison, then the live session gets 401 at once, the key wraps are gone and sign-in fails", async () => {
    const liaison = await signIn(app, LIAISON, PW_LIAISON_4, { ip: IP });
    assert.equal((await liaison.agent.get("/api/v1/me")).status, 200);
    const wrapsBefore = await sql<{ n: string }>("SELECT count(*) AS n FROM tip_key_wraps WHERE user_id = $1", [liaisonId]);
    assert.ok(Number(wrapsBefore[0]!.n) > 0, "the liaison holds wraps before (sanity)");

    const off = await post(admin, `/api/v1/admin/users/${liaisonId}/deactivate`);
    assert.equal(off.status, 204, JSON.stringify(off.body));
    const me = await liaison.agent.get("/api/v1/me");
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, "not_authenticated");
    const wrapsAfter = await sql<{ n: string }>("SELECT count(*) AS n FROM tip_key_wraps WHERE user_id = $1", [liaisonId]);
    assert.equal(wrapsAfter[0]!.n, "0");
    const again = await login(LIAISON, PW_LIAISON_4);
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, "invalid_credentials");
    assert.equal((await usersList()).find((u) => u.id === liaisonId)?.active, false);
    const self = await post(admin, `/api/v1/admin/users/${admin.user.id}/deactivate`);
    assert.equal(self.status, 409, "an administrator cannot lock themselves out");
  });

  it("when the story is over, then no email ever sent carries tip content", () => {
    assert.ok(mailbox.messages.length >= 6, `emails received: ${mailbox.messages.length}`);
    for (const m of mailbox.messages) for (const secret of [marker, earlyMarker, "cần sa", "Mua bán"]) assert.ok(!m.raw.includes(secret) && !m.text.includes(secret), `an email to ${m.to.join(",")} mentions "${secret}"`);
  });
});
