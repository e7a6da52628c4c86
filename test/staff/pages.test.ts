/**
 * The staff account and administration pages, driven like a browser without
 * JavaScript: GET a page, read only what the form shows (hidden fields, the
 * secret, the link), POST it url-encoded; the agent keeps the cookie.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { generateSync } from "otplib";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, PASSWORD } from "../support/factories.js";

type Agent = ReturnType<typeof request.agent>;

const NEW_PASSWORD = "Cầu Hàm Luông dài 1.500 mét";

/** The value of a hidden field in a page (the first one with that name). */
function hiddenValue(html: string, name: string): string {
  const m = html.match(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`));
  assert.ok(m, `the page carries a hidden ${name}`);
  return m[1]!;
}

/** Pages hold no inline script or style: the CSP forbids it and the pages must not need it. */
function assertCleanPage(html: string): void {
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, "no inline <script>");
  assert.doesNotMatch(html, /<style\b/i, "no <style> element");
  assert.doesNotMatch(html, /<[a-z][^>]*\sstyle=/i, "no style= attribute");
  assert.doesNotMatch(html, /<[a-z][^>]*\son[a-z]+=/i, "no event handler attribute");
  // Links may lead away (the quick exit does); nothing the page loads may come from elsewhere.
  assert.doesNotMatch(html, /<(?:script|img|iframe)[^>]*\ssrc="(?:[a-z]+:)?\/\//i, "nothing loaded from another origin");
  assert.doesNotMatch(html, /<link[^>]*\shref="(?:[a-z]+:)?\/\//i, "no stylesheet from another origin");
}

/** A TOTP code of the next time step (the server burns each step once; it accepts one step of drift). */
const nextCode = (secret: string) => generateSync({ secret, epoch: (Math.floor(Date.now() / 30_000) + 1) * 30 });

describe("staff account and administration pages", function () {
  this.timeout(60_000);
  const app = useTestApp({ env: { LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
  let admin: Agent;
  const ADMIN = "quantri@example.org";
  const LIAISON = "lienlac831@example.org";
  let liaisonId: string;

  /** Post the login form as a person would: email and password, and the code when asked. */
  function login(agent: Agent, fields: Record<string, string>) {
    return agent.post("/staff/login").type("form").send(fields);
  }

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx, ADMIN);
    liaisonId = (await aStaffMember(app.ctx, "liaison", "831", LIAISON)).id;
  });

  it("when someone opens the login page, then it is in Vietnamese, or English with ?lang=en, uncached and without inline code", async () => {
    const vi = await request(app.url).get("/staff/login");
    assert.equal(vi.status, 200);
    assert.match(vi.text, /<html lang="vi">/);
    assert.ok(vi.text.includes("Đăng nhập cán bộ"));
    assert.ok(vi.text.includes('<link rel="stylesheet" href="/static/css/staff.css">'), "the staff stylesheet is linked in the head");
    assert.equal(vi.headers["cache-control"], "no-store");
    assert.doesNotMatch(vi.text, /name="_csrf"/, "the login form needs no CSRF token");
    assertCleanPage(vi.text);
    const en = await request(app.url).get("/staff/login?lang=en");
    assert.equal(en.status, 200);
    assert.match(en.text, /<html lang="en">/);
    assert.ok(en.text.includes("Staff sign-in"));
    assert.ok(en.text.includes('action="/staff/login?lang=en"'), "the form keeps the language");
    const css = await request(app.url).get("/static/css/staff.css");
    assert.equal(css.status, 200);
  });

  it("when the password is wrong or the address unknown, then the same generic message comes with 401, and the email is kept", async () => {
    const wrong = await login(request.agent(app.url), { email: LIAISON, password: "không phải mật khẩu này" });
    assert.equal(wrong.status, 401);
    assert.ok(wrong.text.includes("Email, mật khẩu hoặc mã xác thực không đúng."));
    assert.match(wrong.text, /role="alert"/);
    assert.ok(wrong.text.includes(`value="${LIAISON}"`), "the email is kept");
    const unknown = await login(request.agent(app.url), { email: "khongco@example.org", password: "không phải mật khẩu này" });
    assert.equal(unknown.status, 401);
    assert.ok(unknown.text.includes("Email, mật khẩu hoặc mã xác thực không đúng."));
    // Three failures are free; then each try must wait, and the page says how long.
    for (let i = 0; i < 3; i++) assert.equal((await login(request.agent(app.url), { email: "chamchap@example.org", password: "sai mật khẩu lần nữa" })).status, 401);
    const throttled = await login(request.agent(app.url), { email: "chamchap@example.org", password: "sai mật khẩu lần nữa" });
    assert.equal(throttled.status, 429);
    assert.match(throttled.text, /Vui lòng đợi \d+ giây/);
    assert.ok(throttled.headers["retry-after"]);
    const empty = await login(request.agent(app.url), { email: "", password: "" });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /id="email-error"/, "the message is next to the field");
    assert.match(empty.text, /aria-describedby="email-error"/);
  });

  it("when a liaison signs in through the form, then they reach /staff and see their role; signing out ends it", async () => {
    const agent = request.agent(app.url);
    const page = await agent.get("/staff/login");
    assert.equal(page.status, 200);
    const signedIn = await login(agent, { email: LIAISON, password: PASSWORD });
    assert.equal(signedIn.status, 303, signedIn.text);
    assert.equal(signedIn.headers.location, "/staff");
    const home = await agent.get("/staff");
    assert.equal(home.status, 200);
    assert.ok(home.text.includes(LIAISON));
    assert.ok(home.text.includes("Cán bộ Đoàn (huyện)"));
    assert.ok(home.text.includes('id="work-links"'), "the place for the case links is there");
    assert.doesNotMatch(home.text, /\/staff\/admin\/users/, "no administration links for a liaison");
    assertCleanPage(home.text);
    const password = await agent.get("/staff/profile/password");
    assert.equal(password.status, 200);
    assertCleanPage(password.text);

    assert.equal((await agent.get("/staff/admin/users")).status, 403, "a liaison may not manage users");
    assert.equal((await agent.get("/staff/audit")).status, 403, "nor read the audit log");

    const out = await agent.post("/staff/logout").type("form").send({ _csrf: hiddenValue(home.text, "_csrf") });
    assert.equal(out.status, 303);
    const after = await agent.get("/staff");
    assert.equal(after.status, 303, "signed out: back to the login page");
    assert.equal(after.headers.location, "/staff/login");
  });

  it("when an administrator signs in for the first time, then the enrolment page shows the QR code, and a code from the shown secret finishes it", async () => {
    admin = request.agent(app.url);
    const first = await login(admin, { email: ADMIN, password: PASSWORD });
    assert.equal(first.status, 303, first.text);
    assert.equal(first.headers.location, "/staff/totp/enroll");
    const page = await admin.get("/staff/totp/enroll");
    assert.equal(page.status, 200);
    assert.match(page.text, /<svg [^>]*viewBox/, "the QR code is drawn in the page");
    assertCleanPage(page.text);
    const secret = page.text.match(/<code class="secret" id="totp-secret">([A-Z2-7]+)<\/code>/)?.[1];
    assert.ok(secret, "the secret is shown as text");
    assert.equal((await admin.get("/staff")).status, 303, "not signed in fully before the code");

    const bad = await admin.post("/staff/totp/enroll").type("form").send({ _csrf: hiddenValue(page.text, "_csrf"), code: "12345" });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="code-error"/);
    const done = await admin.post("/staff/totp/enroll").type("form").send({ _csrf: hiddenValue(page.text, "_csrf"), code: generateSync({ secret }) });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, "/staff");
    const home = await admin.get("/staff?lang=en");
    assert.equal(home.status, 200);
    assert.ok(home.text.includes("Administrator"));
    for (const href of ["/staff/admin/users?lang=en", "/staff/admin/police-units?lang=en", "/staff/audit?lang=en"]) assert.ok(home.text.includes(`href="${href}"`), `links to ${href}`);

    // The code goes with the password: the form always offers the field, and the
    // right password without a code is answered exactly like a wrong one.
    const again = request.agent(app.url);
    const form = await again.get("/staff/login");
    assert.match(form.text, /name="totp"/, "the code field is always on the sign-in form");
    const wrong = await login(again, { email: ADMIN, password: "wrong password here" });
    const asked = await login(again, { email: ADMIN, password: PASSWORD });
    assert.equal(asked.status, 401);
    assert.equal(asked.status, wrong.status);
    const main = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, "");
    assert.equal(main(asked.text), main(wrong.text), "the page gives nothing away");
    assert.ok(asked.text.includes(`value="${ADMIN}"`));
    assert.doesNotMatch(asked.text, new RegExp(PASSWORD), "the password is never written back");
    const full = await login(again, { email: ADMIN, password: PASSWORD, totp: nextCode(secret) });
    assert.equal(full.status, 303, full.text);
    assert.equal(full.headers.location, "/staff");
  });

  it("when an administrator invites a liaison through the form, then the page shows the link, activation sets the password, and the liaison signs in", async () => {
    const form = await admin.get("/staff/admin/users/invite");
    assert.equal(form.status, 200);
    assertCleanPage(form.text);
    const csrf = hiddenValue(form.text, "_csrf");

    const invalid = await admin.post("/staff/admin/users/invite").type("form").send({ _csrf: csrf, email: "not-an-email", role: "liaison", districtCode: "", policeUnitId: "" });
    assert.equal(invalid.status, 400);
    assert.match(invalid.text, /id="email-error"/);
    assert.match(invalid.text, /id="districtCode-error"/, "a liaison needs a district");
    assert.ok(invalid.text.includes('value="not-an-email"'), "what was typed is kept");

    const sent = await admin.post("/staff/admin/users/invite").type("form").send({ _csrf: csrf, email: "Moi.LienLac@Example.org", role: "liaison", districtCode: "831", policeUnitId: "" });
    assert.equal(sent.status, 201, sent.text);
    assert.equal(sent.headers["cache-control"], "no-store", "the one-time link is never cached");
    assertCleanPage(sent.text);
    const url = sent.text.match(/<a href="([^"]+)" id="activation-link"/)?.[1];
    assert.ok(url, "the one-time link is shown (email is off)");
    const token = new URL(url.replace(/&amp;/g, "&")).searchParams.get("token")!;

    const activation = await request(app.url).get(`/staff/activate?token=${encodeURIComponent(token)}`);
    assert.equal(activation.status, 200);
    assert.ok(activation.text.includes("moi.lienlac@example.org"));
    assertCleanPage(activation.text);
    const mismatch = await request(app.url).post("/staff/activate").type("form").send({ token, password: NEW_PASSWORD, confirmPassword: "something else entirely" });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.text, /id="confirmPassword-error"/);
    const set = await request(app.url).post("/staff/activate").type("form").send({ token: hiddenValue(activation.text, "token"), password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(set.status, 201, set.text);
    assert.ok(set.text.includes("Tài khoản đã sẵn sàng"));
    const reused = await request(app.url).get(`/staff/activate?token=${encodeURIComponent(token)}`);
    assert.equal(reused.status, 400, "the link works once");

    const liaison = request.agent(app.url);
    const signedIn = await login(liaison, { email: "moi.lienlac@example.org", password: NEW_PASSWORD });
    assert.equal(signedIn.status, 303, signedIn.text);
    assert.equal(signedIn.headers.location, "/staff");
    assert.equal((await liaison.get("/staff")).status, 200);

    const users = await admin.get("/staff/admin/users");
    assert.equal(users.status, 200);
    assert.ok(users.text.includes("moi.lienlac@example.org"));
    assertCleanPage(users.text);
  });

  it("when an administrator deactivates an account, then a confirmation comes first, and the person's session ends", async () => {
    const victim = request.agent(app.url);
    assert.equal((await login(victim, { email: LIAISON, password: PASSWORD })).status, 303);
    const list = await admin.get("/staff/admin/users");
    const csrf = hiddenValue(list.text, "_csrf");
    assert.ok(list.text.includes(`action="/staff/admin/users/${liaisonId}/deactivate"`), "each row has its buttons");
    const ask = await admin.post(`/staff/admin/users/${liaisonId}/deactivate`).type("form").send({ _csrf: csrf });
    assert.equal(ask.status, 200);
    assert.match(ask.text, /name="confirm" value="yes"/);
    assert.equal((await victim.get("/staff")).status, 200, "nothing happened yet");
    const done = await admin.post(`/staff/admin/users/${liaisonId}/deactivate`).type("form").send({ _csrf: csrf, confirm: "yes" });
    assert.equal(done.status, 303);
    assert.equal((await victim.get("/staff")).status, 303, "the deactivated person is signed out");
  });

  it("when a form is posted without its _csrf, then it is refused with 403", async () => {
    const res = await admin.post("/staff/admin/users/invite").type("form").send({ email: "x@example.org", role: "liaison", districtCode: "831" });
    assert.equal(res.status, 403);
    const unit = await admin.post("/staff/admin/police-units").type("form").send({ name: "Công an huyện Mỏ Cày Nam", _csrf: "wrong" });
    assert.equal(unit.status, 403);
  });

  it("when an administrator adds a police unit, then it is listed", async () => {
    const page = await admin.get("/staff/admin/police-units");
    assert.equal(page.status, 200);
    const created = await admin.post("/staff/admin/police-units").type("form").send({ _csrf: hiddenValue(page.text, "_csrf"), name: "Công an huyện Châu Thành", districtCode: "831" });
    assert.equal(created.status, 303, created.text);
    const after = await admin.get("/staff/admin/police-units");
    assert.ok(after.text.includes("Công an huyện Châu Thành"));
    assertCleanPage(after.text);
  });

  it("when an administrator opens the audit log, then the sign-ins are listed with the actor's email, and filters work", async () => {
    const page = await admin.get("/staff/audit?action=auth.login");
    assert.equal(page.status, 200);
    assertCleanPage(page.text);
    assert.ok(page.text.includes('<code class="action-code">auth.login</code>'));
    assert.ok(page.text.includes(ADMIN), "the actor is named by email");
    assert.doesNotMatch(page.text, /<code class="action-code">user\.invited<\/code>/, "the filter holds");
    const empty = await admin.get("/staff/audit?action=&from=&to=");
    assert.equal(empty.status, 200, "empty filter boxes mean any");
    const bad = await admin.get("/staff/audit?from=yesterday");
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="from-error"/);
  });
});
