/**
 * The authorization matrix: every staff route of the auth and admin APIs (and
 * the case routes that depend on jurisdiction) called as every role, from
 * inside and outside the jurisdiction, each answer checked against the table
 * below. Then the policy module itself, case by case.
 *
 * Reading the table: 401 = not signed in, 403 = signed in but not allowed,
 * 2xx = allowed and done, 400 = allowed, stopped by validation (the request
 * got past the policy).
 */
import assert from "node:assert/strict";
import request from "supertest";
import { createPoliceUnit } from "../../src/commands/policeUnitCreator.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import { STATUSES } from "../../src/cases/workflow.js";
import { CATEGORIES } from "../../src/validation/tip.js";
import { can, canOnCase, type Actor, type CaseAction, type CaseSubject, type GeneralAction } from "../../src/policies/index.js";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { within } from "../support/poll.js";
import { anAdministrator, aStaffMember, aTip, PASSWORD } from "../support/factories.js";
import { signIn, type SignedIn } from "../support/accountsApi.js";

const IP = "203.0.113.15";

const ROLES = ["admin", "liaison831", "liaison832", "police", "supervisor831", "supervisorProvince", "anonymous"] as const;
type RoleName = (typeof ROLES)[number];
type Expected = Record<RoleName, number>;

/** `status` for the roles named, 403 for the other staff, 401 for anonymous. */
function only(roles: RoleName[], status: number): Expected {
  return Object.fromEntries(ROLES.map((r) => [r, r === "anonymous" ? 401 : roles.includes(r) ? status : 403])) as Expected;
}
const allStaff = (status: number): Expected => only(["admin", "liaison831", "liaison832", "police", "supervisor831", "supervisorProvince"], status);
const everyone = (status: number): Expected => Object.fromEntries(ROLES.map((r) => [r, status])) as Expected;

/** What the routes need: ids made in before(). */
interface Fixtures {
  deactivateTarget: string;
  resetTarget: string;
  secondAdmin: string;
  unitId: string;
  forwardedTip: string;
  tip831: string;
  tip832: string;
}

interface Route {
  method: "get" | "post";
  path: (f: Fixtures) => string;
  body?: (role: RoleName, f: Fixtures) => object;
  expect: Expected;
  /** Why a cell differs from the plain rule, when it does. */
  note?: string;
}

const ROUTES: Route[] = [
  // --- src/routes/api/auth/auth.ts
  { method: "post", path: () => "/api/v1/auth/login", body: () => ({ email: "someone@example.org" }), expect: everyone(400), note: "public: a body without password is invalid for anyone" },
  { method: "post", path: () => "/api/v1/activate", body: () => ({ token: "not-a-token", password: "short" }), expect: everyone(400), note: "public" },
  { method: "post", path: () => "/api/v1/auth/totp/enroll", body: () => ({ code: "123456" }), expect: { ...allStaff(401), anonymous: 401 }, note: "only a session in the enrolment stage may finish it; without any session: 401" },
  { method: "get", path: () => "/api/v1/me", expect: allStaff(200) },
  { method: "post", path: () => "/api/v1/me/password", body: () => ({ oldPassword: "not the old password", newPassword: "Một mật khẩu mới thật dài" }), expect: allStaff(400), note: "everyone may change their own password; the wrong old one stops it" },
  // --- src/routes/api/admin/admin.ts
  { method: "get", path: () => "/api/v1/admin/users", expect: only(["admin"], 200) },
  { method: "post", path: () => "/api/v1/admin/invitations", body: (role) => ({ email: `invited-by-${role}@example.org`, role: "liaison", districtCode: "831" }), expect: only(["admin"], 201) },
  { method: "post", path: (f) => `/api/v1/admin/users/${f.deactivateTarget}/deactivate`, expect: only(["admin"], 204) },
  { method: "post", path: (f) => `/api/v1/admin/users/${f.resetTarget}/reset`, expect: only(["admin"], 201) },
  { method: "post", path: (f) => `/api/v1/admin/users/${f.resetTarget}/unlock`, expect: only(["admin"], 204) },
  { method: "post", path: (f) => `/api/v1/admin/users/${f.resetTarget}/restore-access`, expect: only(["admin"], 200) },
  { method: "post", path: (f) => `/api/v1/admin/users/${f.secondAdmin}/grant-recovery`, expect: only(["admin"], 204) },
  { method: "get", path: () => "/api/v1/admin/police-units", expect: only(["admin"], 200) },
  { method: "post", path: () => "/api/v1/admin/police-units", body: (role) => ({ name: `Đơn vị do ${role} tạo`, districtCode: "831" }), expect: only(["admin"], 201) },
  { method: "get", path: () => "/api/v1/admin/coverage", expect: only(["admin"], 200) },
  { method: "post", path: () => "/api/v1/admin/coverage", body: (_r, f) => ({ unitCode: "831", policeUnitId: f.unitId }), expect: only(["admin"], 204) },
  { method: "get", path: () => "/api/v1/admin/queues", expect: only(["admin"], 200) },
  { method: "post", path: () => "/api/v1/admin/queues/route-tip/retry", expect: only(["admin"], 200) },
  { method: "get", path: () => "/api/v1/admin/audit", expect: only(["admin", "supervisor831", "supervisorProvince"], 200) },
  // --- case routes: inside and outside the jurisdiction
  { method: "get", path: () => "/api/v1/cases", expect: only(["admin", "liaison831", "liaison832", "police"], 200), note: "supervisors never see cases" },
  { method: "get", path: (f) => `/api/v1/cases/${f.forwardedTip}`, expect: only(["admin", "liaison831", "police"], 200), note: "a case of 831 forwarded to the police unit" },
  { method: "get", path: (f) => `/api/v1/cases/${f.tip831}`, expect: only(["admin", "liaison831"], 200), note: "a case of 831 not forwarded" },
  { method: "get", path: (f) => `/api/v1/cases/${f.tip832}`, expect: only(["admin", "liaison832"], 200), note: "a case of 832" },
  // --- last, since it ends the session
  { method: "post", path: () => "/api/v1/auth/logout", expect: allStaff(204) },
];

describe("authorization", function () {
  this.timeout(120_000);

  describe("the route matrix (every staff route × every role)", () => {
    let app: TestApp;
    const sessions = {} as Record<Exclude<RoleName, "anonymous">, SignedIn>;
    const f = {} as Fixtures;

    before(async function () {
      this.timeout(120_000);
      app = await startTestApp({ env: { LOGIN_RATE_LIMIT_PER_HOUR: "10000" } });
      await resetData(app);
      const { ctx } = app;
      const admin = await anAdministrator(ctx, "admin.matrix@example.org");
      const adminActor: Actor = { id: admin.id, role: "admin", districtCode: null, policeUnitId: null };
      f.unitId = (await createPoliceUnit(ctx, adminActor, { name: "Công an huyện Châu Thành (ma trận)", districtCode: "831" })).id;
      const make = (email: string, role: "admin" | "liaison" | "police" | "supervisor", districtCode: string | null, policeUnitId: string | null = null) =>
        ctx.database.db.transaction((tx) => createStaff(tx, { email, role, districtCode, policeUnitId, password: PASSWORD }));
      await make("police.matrix@example.org", "police", null, f.unitId);
      await aStaffMember(ctx, "liaison", "831", "liaison831.matrix@example.org");
      await aStaffMember(ctx, "liaison", "832", "liaison832.matrix@example.org");
      await aStaffMember(ctx, "supervisor", "831", "supervisor831.matrix@example.org");
      await aStaffMember(ctx, "supervisor", null, "supervisor.province.matrix@example.org");
      f.deactivateTarget = (await make("deactivate-me.matrix@example.org", "liaison", "831")).id;
      f.resetTarget = (await make("reset-me.matrix@example.org", "liaison", "831")).id;
      f.secondAdmin = (await make("admin2.matrix@example.org", "admin", null)).id;

      const tree = await ctx.units.tree();
      const commune832 = [...tree.communeDistrict.entries()].find(([, d]) => d === "832")?.[0];
      const submit = async (tip: Record<string, unknown>) => {
        const r = await request(app.url).post("/api/v1/tips").set("X-Forwarded-For", IP).send(aTip(tip));
        assert.equal(r.status, 201, JSON.stringify(r.body));
      };
      await submit({ description: "Ca thứ nhất của huyện 831, sẽ được chuyển cho công an." });
      await submit({ description: "Ca thứ hai của huyện 831, không chuyển đi đâu cả." });
      await submit({ districtCode: "832", communeCode: commune832, description: "Một ca của huyện 832, nằm ngoài địa bàn 831." });
      const tipsOf = async () => (await ctx.database.pool.query<{ id: string; district_code: string; status: string }>("SELECT id, district_code, status FROM tips ORDER BY received_at, id")).rows;
      // Wait for the routing job to assign every tip, so the triage below does not race it.
      await within(15_000, async () => `tips not routed in time: ${JSON.stringify(await tipsOf())}`, async () => (await tipsOf()).every((t) => t.status === "assigned"));
      const rows = await tipsOf();
      const of831 = rows.filter((t) => t.district_code === "831").map((t) => t.id);
      [f.forwardedTip, f.tip831] = [of831[0]!, of831[1]!];
      f.tip832 = rows.find((t) => t.district_code === "832")!.id;

      for (const [role, email] of [
        ["admin", "admin.matrix@example.org"],
        ["liaison831", "liaison831.matrix@example.org"],
        ["liaison832", "liaison832.matrix@example.org"],
        ["police", "police.matrix@example.org"],
        ["supervisor831", "supervisor831.matrix@example.org"],
        ["supervisorProvince", "supervisor.province.matrix@example.org"],
      ] as const)
        sessions[role] = await signIn(app, email, PASSWORD, { ip: IP });

      // The liaison of 831 triages one case as actionable and forwards it to the unit.
      const l = sessions.liaison831;
      const detail = await l.agent.get(`/api/v1/cases/${f.forwardedTip}`);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      const triaged = await l.agent.post(`/api/v1/cases/${f.forwardedTip}/triage`).set("X-CSRF-Token", l.csrf).send({ outcome: "actionable", version: detail.body.case.version });
      assert.equal(triaged.status, 200, JSON.stringify(triaged.body));
      const forwarded = await l.agent.post(`/api/v1/cases/${f.forwardedTip}/forward`).set("X-CSRF-Token", l.csrf).send({ policeUnitId: f.unitId });
      assert.equal(forwarded.status, 200, JSON.stringify(forwarded.body));
    });
    after(async () => app?.stop());

    it("when the table is read, then it covers every role for every route", () => {
      for (const r of ROUTES) assert.deepEqual(Object.keys(r.expect).sort(), [...ROLES].sort());
      assert.ok(ROUTES.length >= 24);
    });

    for (const route of ROUTES)
      for (const role of ROLES) {
        const label = route.path({ deactivateTarget: ":id", resetTarget: ":id", secondAdmin: ":id", unitId: ":unit", forwardedTip: ":forwarded", tip831: ":tip831", tip832: ":tip832" });
        it(`when ${role} calls ${route.method.toUpperCase()} ${label}, then ${route.expect[role]}${route.note ? ` (${route.note})` : ""}`, async () => {
          const s = role === "anonymous" ? undefined : sessions[role];
          const agent = s?.agent ?? request(app.url);
          let req = route.method === "get" ? agent.get(route.path(f)) : agent.post(route.path(f)).send(route.body?.(role, f) ?? {});
          if (s && route.method === "post") req = req.set("X-CSRF-Token", s.csrf);
          req = req.set("X-Forwarded-For", IP);
          const res = await req;
          assert.equal(res.status, route.expect[role], `${role} ${route.method.toUpperCase()} ${route.path(f)} → ${res.status} ${JSON.stringify(res.body)}${res.headers.location ? ` Location: ${res.headers.location}` : ""}`);
          if (res.status === 401) assert.ok(["not_authenticated", "invalid_credentials"].includes(res.body?.error?.code), `a JSON 401: ${JSON.stringify(res.body)}`);
          if (res.status === 403) assert.ok(["forbidden", "csrf_failed", "not_recovery_holder"].includes(res.body?.error?.code), `a JSON 403: ${JSON.stringify(res.body)}`);
        });
      }
  });

  describe("the policy module (canOnCase, can)", () => {
    const UNIT = "00000000-0000-4000-8000-0000000000aa";
    const OTHER_UNIT = "00000000-0000-4000-8000-0000000000bb";
    const actor = (role: Actor["role"], districtCode: string | null, policeUnitId: string | null = null): Actor => ({ id: "00000000-0000-4000-8000-000000000001", role, districtCode, policeUnitId });
    const aCase = (over: Partial<CaseSubject> = {}): CaseSubject => ({ districtCode: "831", category: "cultivation", status: "assigned", forwardedUnitId: null, ...over });
    const CASE_ACTIONS = Object.keys({
      "case.view": 1, "case.viewContent": 1, "case.downloadPhoto": 1, "case.assign": 1, "case.triage": 1, "case.forward": 1, "case.acknowledge": 1, "case.verify": 1,
      "case.resolve": 1, "case.close": 1, "case.reopen": 1, "case.messageTipster": 1, "case.revealContact": 1, "case.grantAccess": 1,
    } satisfies Record<CaseAction, 1>) as CaseAction[];
    const GENERAL_ACTIONS = Object.keys({
      "case.list": 1, "case.record": 1, "users.manage": 1, "units.manage": 1, "audit.view": 1, "stats.view": 1, "stats.export": 1, "queues.manage": 1, "settings.manage": 1, "recovery.use": 1, "model.manage": 1,
      "communes.view": 1, "communes.classify": 1, "help.manage": 1, "report.file": 1, "places.view": 1, "places.manage": 1,
    } satisfies Record<GeneralAction, 1>) as GeneralAction[];
    const POLICE_STATUSES = ["forwarded", "acknowledged", "verifying", "resolved", "closed"];
    const liaison831 = actor("liaison", "831");

    it("when a liaison of 831 looks at a case of 832, then no action at all is allowed, in any status", () => {
      for (const status of STATUSES) for (const a of CASE_ACTIONS) assert.equal(canOnCase(liaison831, a, aCase({ districtCode: "832", status })), false, `${a} on an 832 case (${status})`);
    });

    it("when a liaison of 831 looks at a case of 831, then they may view and triage it, but do no police work", () => {
      for (const a of ["case.view", "case.viewContent", "case.downloadPhoto", "case.triage", "case.forward", "case.messageTipster"] as CaseAction[]) assert.equal(canOnCase(liaison831, a, aCase()), true, a);
      for (const a of ["case.acknowledge", "case.verify", "case.resolve"] as CaseAction[]) assert.equal(canOnCase(liaison831, a, aCase({ status: "forwarded", forwardedUnitId: UNIT })), false, a);
    });

    it("when a police user looks at cases, then only cases forwarded to their own unit, in a police status, are open to them", () => {
      const police = actor("police", null, UNIT);
      for (const status of STATUSES) {
        const mine = canOnCase(police, "case.viewContent", aCase({ status, forwardedUnitId: UNIT }));
        assert.equal(mine, POLICE_STATUSES.includes(status), `forwarded to my unit, status ${status}`);
        for (const a of CASE_ACTIONS) assert.equal(canOnCase(police, a, aCase({ status, forwardedUnitId: OTHER_UNIT })), false, `${a}: another unit's case (${status})`);
        for (const a of CASE_ACTIONS) assert.equal(canOnCase(police, a, aCase({ status, forwardedUnitId: null })), false, `${a}: a case not forwarded (${status})`);
      }
      assert.equal(canOnCase(police, "case.acknowledge", aCase({ status: "forwarded", forwardedUnitId: UNIT })), true);
      for (const a of ["case.triage", "case.forward", "case.messageTipster", "case.revealContact", "case.assign"] as CaseAction[])
        assert.equal(canOnCase(police, a, aCase({ status: "forwarded", forwardedUnitId: UNIT })), false, `police never ${a}`);
      const noUnit = actor("police", null, null);
      for (const a of CASE_ACTIONS) assert.equal(canOnCase(noUnit, a, aCase({ status: "forwarded", forwardedUnitId: null })), false, `a police user without a unit: ${a}`);
    });

    it("when a case is a help request, then the police never get any action on it, even if it carries their unit", () => {
      for (const status of STATUSES)
        for (const a of CASE_ACTIONS) assert.equal(canOnCase(actor("police", null, UNIT), a, aCase({ category: "help_request", status, forwardedUnitId: UNIT })), false, `${a} (${status})`);
    });

    it("when a supervisor (district or province) looks at any case, then nothing is allowed: never content", () => {
      for (const sup of [actor("supervisor", "831"), actor("supervisor", null)])
        for (const status of STATUSES)
          for (const category of CATEGORIES)
            for (const a of CASE_ACTIONS) assert.equal(canOnCase(sup, a, aCase({ status, category, forwardedUnitId: UNIT })), false, `${sup.districtCode ?? "province"} supervisor: ${a} (${status}, ${category})`);
    });

    it("when an administrator looks at a case, then they may read and manage it, but not do the police's work", () => {
      const admin = actor("admin", null);
      for (const a of ["case.view", "case.viewContent", "case.triage", "case.forward", "case.reopen"] as CaseAction[]) assert.equal(canOnCase(admin, a, aCase({ districtCode: "832" })), true, a);
      for (const a of ["case.acknowledge", "case.verify", "case.resolve"] as CaseAction[]) assert.equal(canOnCase(admin, a, aCase({ status: "forwarded", forwardedUnitId: UNIT })), false, a);
    });

    it("when general actions are asked, then only the table's roles get them (deny by default)", () => {
      const table: Array<[Actor, GeneralAction, { districtCode?: string | null } | undefined, boolean]> = [];
      const roles = { admin: actor("admin", null), liaison831, police: actor("police", null, UNIT), supervisor831: actor("supervisor", "831"), supervisorProvince: actor("supervisor", null) };
      const allowed: Record<GeneralAction, Array<keyof typeof roles>> = {
        "case.list": ["admin", "liaison831", "police"],
        "case.record": ["admin", "liaison831"],
        "model.manage": ["admin", "liaison831"],
        "report.file": ["admin", "liaison831"],
        "users.manage": ["admin"],
        "units.manage": ["admin"],
        "queues.manage": ["admin"],
        "settings.manage": ["admin"],
        "recovery.use": ["admin"],
        "audit.view": ["admin", "supervisor831", "supervisorProvince"],
        "stats.view": ["admin", "liaison831", "supervisor831", "supervisorProvince"],
        "stats.export": ["admin", "liaison831", "supervisor831", "supervisorProvince"],
        "communes.view": ["admin", "liaison831", "police", "supervisor831", "supervisorProvince"],
        "communes.classify": ["admin", "police"],
        "help.manage": ["admin"],
        "places.view": ["admin", "liaison831", "police"],
        "places.manage": ["admin", "liaison831", "police"],
      };
      for (const a of GENERAL_ACTIONS) for (const [name, who] of Object.entries(roles)) table.push([who, a, undefined, allowed[a].includes(name as keyof typeof roles)]);
      // Scoped to another district: the district-bound roles lose it.
      table.push([liaison831, "case.record", { districtCode: "832" }, false]);
      table.push([liaison831, "case.record", { districtCode: "831" }, true]);
      table.push([liaison831, "stats.view", { districtCode: "832" }, false]);
      table.push([liaison831, "model.manage", { districtCode: "832" }, false]);
      table.push([liaison831, "report.file", { districtCode: "832" }, false]);
      table.push([liaison831, "report.file", { districtCode: null }, false]);
      table.push([roles.supervisor831, "audit.view", { districtCode: "832" }, false]);
      table.push([roles.supervisor831, "audit.view", { districtCode: "831" }, true]);
      table.push([roles.supervisorProvince, "audit.view", { districtCode: "832" }, true]);
      table.push([roles.admin, "audit.view", { districtCode: "832" }, true]);
      table.push([roles.police, "audit.view", { districtCode: null }, false]);
      table.push([actor("police", "831", UNIT), "communes.classify", { districtCode: "832" }, false]);
      table.push([actor("police", "831", UNIT), "communes.classify", { districtCode: "831" }, true]);
      table.push([liaison831, "communes.view", { districtCode: "832" }, false]);
      // The places register: police and liaisons of the place's district, administrators everywhere, supervisors never.
      for (const a of ["places.view", "places.manage"] as GeneralAction[]) {
        table.push([liaison831, a, { districtCode: "832" }, false]);
        table.push([liaison831, a, { districtCode: "831" }, true]);
        table.push([actor("police", "831", UNIT), a, { districtCode: "832" }, false]);
        table.push([actor("police", "831", UNIT), a, { districtCode: "831" }, true]);
        table.push([roles.admin, a, { districtCode: "832" }, true]);
        table.push([roles.supervisor831, a, { districtCode: "831" }, false]);
        table.push([roles.supervisorProvince, a, { districtCode: "831" }, false]);
      }
      for (const [who, a, scope, expected] of table) assert.equal(can(who, a, scope), expected, `${who.role}/${who.districtCode ?? "province"} ${a} ${JSON.stringify(scope ?? {})}`);
    });
  });
});
