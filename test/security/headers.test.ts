/**
 * Security headers on every route: a strict CSP (no 'unsafe-inline', no
 * framing), no referrer, no X-Powered-By, no-store on every page a staff
 * member or a tipster sees signed in; HSTS only in production mode.
 */
import assert from "node:assert/strict";
import request, { type Response } from "supertest";
import { useTestApp, startTestApp, resetData } from "../support/app.js";
import { anAdministrator, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";

function checkHeaders(res: Response, what: string, mustNotStore: boolean): void {
  const csp = String(res.headers["content-security-policy"] ?? "");
  assert.ok(csp.includes("default-src 'self'"), `${what}: CSP present`);
  assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), `${what}: no unsafe-inline`);
  assert.ok(csp.includes("frame-ancestors 'none'"), `${what}: frame-ancestors none`);
  assert.equal(res.headers["referrer-policy"], "no-referrer", `${what}: no-referrer`);
  assert.equal(res.headers["x-powered-by"], undefined, `${what}: no X-Powered-By`);
  assert.equal(res.headers["x-content-type-options"], "nosniff", `${what}: nosniff`);
  if (mustNotStore) assert.match(String(res.headers["cache-control"]), /no-store/, `${what}: Cache-Control no-store`);
}

describe("security headers on every route", function () {
  this.timeout(120_000);
  const app = useTestApp();
  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx, "headers@example.org");
  });

  it("when anyone requests a public route, then the headers are strict", async () => {
    for (const [path, noStore] of [["/", true], ["/?lang=en", true], ["/report", true], ["/follow-up", true], ["/healthz", false], ["/readyz", false], ["/static/css/app.css", false], ["/no-such-page", false], ["/api/v1/nothing", false], ["/staff/login", true]] as const) {
      const res = await request(app.url).get(path);
      checkHeaders(res, `GET ${path}`, noStore);
    }
    const tip = await request(app.url).post("/api/v1/tips").send(aTip());
    checkHeaders(tip, "POST /api/v1/tips", true);
  });

  it("when a tipster is signed in with the receipt, then every follow-up answer is no-store", async () => {
    const sent = await request(app.url).post("/api/v1/tips").send(aTip());
    assert.equal(sent.status, 201);
    const agent = request.agent(app.url);
    assert.equal((await agent.post("/api/v1/tipster/session").send({ receipt: sent.body.receipt })).status, 200);
    for (const path of ["/follow-up/tip", "/api/v1/tipster/tip"]) checkHeaders(await agent.get(path), `GET ${path}`, true);
  });

  it("when an administrator is signed in, then every staff page and API answer is no-store with the strict headers", async () => {
    const s = await signIn(app, "headers@example.org");
    const cases = await s.agent.get("/api/v1/cases");
    const caseId: string | undefined = cases.body.cases?.[0]?.id;
    const pages = ["/staff", "/staff/cases", "/staff/notifications", "/staff/admin/users", "/staff/admin/users/invite", "/staff/admin/police-units", "/staff/admin/queues", "/staff/admin/coverage", "/staff/audit", "/staff/profile/password", "/api/v1/me", "/api/v1/cases", "/api/v1/notifications", "/api/v1/admin/users", "/api/v1/admin/audit", "/api/v1/stats", ...(caseId ? [`/staff/cases/${caseId}`, `/api/v1/cases/${caseId}`] : [])];
    for (const path of pages) {
      const res = await s.agent.get(path);
      assert.ok(res.status < 500, `GET ${path} → ${res.status} ${app.logs.filter((l) => l.includes("unhandled")).slice(-1)[0] ?? ""}`);
      checkHeaders(res, `GET ${path}`, true);
    }
  });

  it("when the app runs in production mode, then HSTS is sent and cookies are Secure", async () => {
    const prod = await startTestApp({ env: { NODE_ENV: "production" } });
    try {
      const res = await request(prod.url).get("/");
      assert.match(String(res.headers["strict-transport-security"]), /max-age=\d+/);
      const login = await request(prod.url).post("/api/v1/auth/login").send({ email: "headers@example.org", password: "x".repeat(12) });
      assert.equal(login.status, 401);
      const sent = await request(prod.url).post("/api/v1/tips").send(aTip());
      const tipster = await request(prod.url).post("/api/v1/tipster/session").send({ receipt: sent.body.receipt });
      assert.match(String(tipster.headers["set-cookie"]), /Secure/);
    } finally {
      await prod.stop();
    }
    const dev = await request(app.url).get("/");
    assert.equal(dev.headers["strict-transport-security"], undefined, "no HSTS outside production (onion services and local tests use plain HTTP)");
  });
});
