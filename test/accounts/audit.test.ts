/**
 * The audit log: every step of an account's life is recorded; administrators
 * see it all, a district supervisor only the district, a liaison nothing; and
 * `audit verify` (the CLI) finds a changed or a deleted row by its id.
 *
 * This file runs against a database of its own, because it breaks the chain
 * on purpose.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import request from "supertest";
import { rowHash } from "../../src/audit/auditLog.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import { startTestApp, TEST_SECRET, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, PASSWORD } from "../support/factories.js";
import { createDatabase, dropDatabase, services } from "../support/services.js";
import { signIn, type SignedIn } from "../support/accountsApi.js";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const IP = "203.0.113.14";

interface Entry {
  id: number;
  at: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  districtCode: string | null;
  details: Record<string, unknown>;
}

describe("audit log", function () {
  this.timeout(120_000);
  const dbName = `homthu_audit_${randomBytes(4).toString("hex")}`;
  let databaseUrl = "";
  let app: TestApp;
  let admin: SignedIn;
  let adminId = "";
  let liaisonId = "";
  let unitId = "";

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => app.ctx.database.pool.query<T>(text, params).then((r) => r.rows);
  const post = (who: SignedIn, p: string, body: object = {}) => who.agent.post(p).set("X-CSRF-Token", who.csrf).send(body);
  const login = (email: string, password: string) => request(app.url).post("/api/v1/auth/login").set("X-Forwarded-For", IP).send({ email, password });
  const activate = (url: string, password: string) => request(app.url).post("/api/v1/activate").set("X-Forwarded-For", IP).send({ token: new URL(url).searchParams.get("token"), password });
  /** Every entry the signed-in person may see, following the pages. */
  const auditAs = async (who: SignedIn, query = ""): Promise<Entry[]> => {
    const all: Entry[] = [];
    for (let page = 1; ; page++) {
      const r = await who.agent.get(`/api/v1/admin/audit?page=${page}${query}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      all.push(...(r.body.entries as Entry[]));
      if (r.body.entries.length < 50) return all;
    }
  };
  /** `npm run cli -- audit verify` against this file's database. */
  const verify = async (): Promise<{ code: number; out: string }> => {
    try {
      const { stdout, stderr } = await run("npx", ["tsx", "src/cli/main.ts", "audit", "verify"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, SECRET_KEY: TEST_SECRET, REDIS_URL: services().redisUrl } });
      return { code: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  };

  before(async () => {
    databaseUrl = await createDatabase(services().adminUrl, dbName);
    app = await startTestApp({ env: { DATABASE_URL: databaseUrl, LOGIN_LOCK_AFTER: "3", LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
    adminId = (await anAdministrator(app.ctx, "admin.audit@example.org")).id;
  });
  after(async () => {
    await app?.stop();
    if (databaseUrl) await dropDatabase(services().adminUrl, dbName);
  });

  it("when the account lifecycle is run through the API, then each of its actions is in GET /api/v1/admin/audit, with who did it to whom", async () => {
    admin = await signIn(app, "admin.audit@example.org", PASSWORD, { ip: IP });
    assert.equal((await login("admin.audit@example.org", "a wrong password")).status, 401);
    assert.equal((await login("nobody.audit@example.org", "a wrong password")).status, 401);
    const unit = await post(admin, "/api/v1/admin/police-units", { name: "Công an huyện Châu Thành", districtCode: "831" });
    assert.equal(unit.status, 201);
    unitId = unit.body.id;
    const invited = await post(admin, "/api/v1/admin/invitations", { email: "liaison.audit@example.org", role: "liaison", districtCode: "831" });
    assert.equal(invited.status, 201);
    assert.ok(invited.body.activationUrl, "with email off, the administrator gets the link");
    const activated = await activate(invited.body.activationUrl, "Vàm Hồ Cổ Chiên 1957 ghe xuồng");
    assert.equal(activated.status, 201);
    liaisonId = activated.body.user.userId;
    const liaison = await signIn(app, "liaison.audit@example.org", "Vàm Hồ Cổ Chiên 1957 ghe xuồng", { ip: IP });
    assert.equal((await post(liaison, "/api/v1/me/password", { oldPassword: "Vàm Hồ Cổ Chiên 1957 ghe xuồng", newPassword: "Dừa sáp Cầu Kè béo ngậy 2025" })).status, 204);
    assert.equal((await post(liaison, "/api/v1/auth/logout")).status, 204);
    for (let i = 0; i < 3; i++) assert.equal((await login("liaison.audit@example.org", "a wrong password")).status, 401);
    assert.equal((await post(admin, `/api/v1/admin/users/${liaisonId}/unlock`)).status, 204);
    const reset = await post(admin, `/api/v1/admin/users/${liaisonId}/reset`);
    assert.equal(reset.status, 201);
    assert.equal((await activate(reset.body.activationUrl, "Bánh phồng Sơn Đốc giòn tan")).status, 201);
    assert.equal((await post(admin, `/api/v1/admin/users/${liaisonId}/restore-access`)).status, 200);
    const admin2 = await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: "admin2.audit@example.org", role: "admin", districtCode: null, password: PASSWORD }));
    assert.equal((await post(admin, `/api/v1/admin/users/${admin2.id}/grant-recovery`)).status, 204);
    assert.equal((await post(admin, `/api/v1/admin/users/${liaisonId}/deactivate`)).status, 204);

    const entries = await auditAs(admin);
    const find = (action: string, match: Partial<Entry> = {}) => entries.filter((e) => e.action === action && Object.entries(match).every(([k, v]) => JSON.stringify(e[k as keyof Entry]) === JSON.stringify(v)));
    const expectOne = (label: string, action: string, match: Partial<Entry>) => assert.ok(find(action, match).length >= 1, `${label}: no ${action} ${JSON.stringify(match)} in\n${entries.map((e) => `${e.id} ${e.action} ${e.actorId} ${e.subjectId}`).join("\n")}`);

    expectOne("administrator enrols TOTP", "auth.totp_enrolled", { actorId: adminId });
    expectOne("administrator signs in", "auth.login", { actorId: adminId, subjectId: adminId });
    expectOne("failed login, known address", "auth.login_failed", { actorId: adminId });
    assert.ok(find("auth.login_failed", { actorId: null }).some((e) => e.details.reason === "unknown_or_inactive"), "failed login, unknown address");
    expectOne("police unit creation", "police_unit.created", { actorId: adminId, subjectId: unitId, districtCode: "831" });
    expectOne("invitation", "user.invited", { actorId: adminId, subjectType: "invitation", districtCode: "831" });
    expectOne("activation", "user.activated", { actorId: liaisonId, subjectId: liaisonId });
    expectOne("liaison signs in", "auth.login", { actorId: liaisonId });
    expectOne("password change", "user.password_changed", { actorId: liaisonId, subjectId: liaisonId });
    expectOne("logout", "auth.logout", { actorId: liaisonId });
    assert.ok(find("auth.login_failed", { actorId: liaisonId }).some((e) => e.details.locked === true), "the failure that locked the account says so");
    expectOne("unlock", "user.unlocked", { actorId: adminId, subjectId: liaisonId });
    expectOne("reset", "user.reset", { actorId: adminId });
    expectOne("reset completed", "user.reset_completed", { actorId: liaisonId, subjectId: liaisonId });
    expectOne("restore access", "user.access_restored", { actorId: adminId, subjectId: liaisonId });
    expectOne("recovery key granted", "recovery.granted", { actorId: adminId, subjectId: admin2.id });
    expectOne("deactivation", "user.deactivated", { actorId: adminId, subjectId: liaisonId });
    assert.ok(!JSON.stringify(entries).includes("Vàm Hồ") && !JSON.stringify(entries).includes("a wrong password"), "no password is ever recorded");

    const failed = await auditAs(admin, "&action=auth.login_failed");
    assert.ok(failed.length >= 5 && failed.every((e) => e.action === "auth.login_failed"), "filter by action");
    const byLiaison = await auditAs(admin, `&actorId=${liaisonId}`);
    assert.ok(byLiaison.length >= 5 && byLiaison.every((e) => e.actorId === liaisonId), "filter by actor");
  });

  it("when a supervisor of district 831 reads the audit log, then only district-831 rows are shown; a liaison and a police user get 403", async () => {
    const supervisor = await aStaffMember(app.ctx, "supervisor", "831", "supervisor831.audit@example.org");
    const s = await signIn(app, supervisor.email, PASSWORD, { ip: IP });
    const seen = await auditAs(s);
    assert.ok(seen.length >= 8, `the district's rows are shown (${seen.length})`);
    assert.deepEqual([...new Set(seen.map((e) => e.districtCode))], ["831"]);
    const all = await auditAs(admin);
    assert.ok(all.some((e) => e.districtCode !== "831"), "there are rows of other scopes to hide (sanity)");

    const province = await aStaffMember(app.ctx, "supervisor", null, "supervisor.province.audit@example.org");
    const p = await signIn(app, province.email, PASSWORD, { ip: IP });
    assert.ok((await auditAs(p)).some((e) => e.districtCode === null), "a province supervisor sees the whole province");

    const liaison832 = await aStaffMember(app.ctx, "liaison", "832", "liaison832.audit@example.org");
    const l = await signIn(app, liaison832.email, PASSWORD, { ip: IP });
    const refused = await l.agent.get("/api/v1/admin/audit");
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "forbidden");
    const police = await app.ctx.database.db.transaction((tx) => createStaff(tx, { email: "police.audit@example.org", role: "police", districtCode: null, policeUnitId: unitId, password: PASSWORD }));
    const pol = await signIn(app, "police.audit@example.org", PASSWORD, { ip: IP });
    assert.equal(pol.user.id, police.id);
    assert.equal((await pol.agent.get("/api/v1/admin/audit")).status, 403);
  });

  it("when nobody has touched the table, then `audit verify` exits 0 and says the log is intact", async () => {
    const r = await verify();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /intact/);
    const rows = Number((await sql<{ n: string }>("SELECT count(*) AS n FROM audit_log"))[0]!.n);
    assert.match(r.out, new RegExp(`${rows} rows`));
  });

  it("when one row's details are changed with SQL, then `audit verify` exits 1 naming that row; put back, the log verifies again", async () => {
    const [row] = await sql<{ id: string; details: Record<string, unknown> }>("SELECT id, details FROM audit_log WHERE action = 'user.password_changed'");
    assert.ok(row);
    await sql("UPDATE audit_log SET details = $1 WHERE id = $2", [JSON.stringify({ note: "nothing happened here" }), row.id]);
    const broken = await verify();
    assert.equal(broken.code, 1, broken.out);
    assert.match(broken.out, new RegExp(`row ${row.id}\\b`));
    assert.doesNotMatch(broken.out, /intact: /);

    await sql("UPDATE audit_log SET details = $1 WHERE id = $2", [JSON.stringify(row.details), row.id]);
    const fixed = await verify();
    assert.equal(fixed.code, 0, fixed.out);
  });

  it("when an insider changes a row and recomputes its hash, then `audit verify` names the next row, whose link no longer matches", async () => {
    const [row] = await sql<{ id: string }>("SELECT id FROM audit_log WHERE action = 'user.unlocked'");
    assert.ok(row);
    const id = Number(row.id);
    const { rows } = await app.ctx.database.pool.query("SELECT id, at, actor_id, action, subject_type, subject_id, district_code, details, prev_hash, hash FROM audit_log WHERE id = $1", [id]);
    const r = rows[0] as { at: Date; actor_id: string | null; action: string; subject_type: string | null; subject_id: string | null; district_code: string | null; details: Record<string, unknown>; prev_hash: Buffer; hash: Buffer };
    const forged = { id, at: r.at, actorId: r.actor_id, action: r.action, subjectType: r.subject_type, subjectId: "00000000-0000-4000-8000-000000000000", districtCode: r.district_code, details: r.details };
    await sql("UPDATE audit_log SET subject_id = $1, hash = $2 WHERE id = $3", [forged.subjectId, Buffer.from(rowHash(new Uint8Array(r.prev_hash), forged)), id]);
    const broken = await verify();
    assert.equal(broken.code, 1, broken.out);
    assert.match(broken.out, new RegExp(`row ${id + 1}\\b`), "the forged row itself checks out, the link after it does not");
    await sql("UPDATE audit_log SET subject_id = $1, hash = $2 WHERE id = $3", [r.subject_id, r.hash, id]);
    assert.equal((await verify()).code, 0);
  });

  it("when a row in the middle is deleted, then `audit verify` exits 1 naming the missing row", async () => {
    const [{ lo, hi }] = (await sql<{ lo: string; hi: string }>("SELECT min(id) AS lo, max(id) AS hi FROM audit_log")) as [{ lo: string; hi: string }];
    const middle = Math.floor((Number(lo) + Number(hi)) / 2);
    assert.ok(middle > Number(lo) && middle < Number(hi));
    await sql("DELETE FROM audit_log WHERE id = $1", [middle]);
    const broken = await verify();
    assert.equal(broken.code, 1, broken.out);
    assert.match(broken.out, new RegExp(`row ${middle}\\b`));
  });
});
