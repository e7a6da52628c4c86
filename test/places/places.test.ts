/**
 * The places register through the API: creating a place (from a case or on
 * its own), its states over time and their rules, linking cases with the
 * suggestions from the same commune and kind, who may do what (deny by
 * default), bad input answered field by field, the audit rows, and the label
 * and location kept only encrypted in the database.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { submitAndFind } from "../support/caseDesk.js";
import * as crypto from "../../src/crypto/index.js";
import { staffWrapLabel } from "../../src/auth/staffKeys.js";
import { anAdministrator, aStaffMember, aTip, PASSWORD } from "../support/factories.js";
import { decodeHexRuns, dumpDatabase, findEverywhere } from "../support/leakScan.js";
import { services } from "../support/services.js";
import { signIn } from "../support/accountsApi.js";

type Agent = Awaited<ReturnType<typeof signIn>>;

const put = (a: Agent, path: string, body: object = {}) => a.agent.put(path).set("X-CSRF-Token", a.csrf).send(body);
const post = (a: Agent, path: string, body: object = {}) => a.agent.post(path).set("X-CSRF-Token", a.csrf).send(body);
const del = (a: Agent, path: string) => a.agent.delete(path).set("X-CSRF-Token", a.csrf);

/** Today in Vietnam and a few days around it, YYYY-MM-DD. */
const vnDay = (offsetDays = 0) => new Date(Date.now() + 7 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("places register", function () {
  this.timeout(180_000);
  const app = useTestApp();
  let admin: Agent;
  let liaison831: Agent;
  let liaison832: Agent;
  let police831: Agent;
  let police832: Agent;
  let supervisor: Agent;
  let caseId: string;
  let emails: Record<"l831" | "l832" | "p831" | "p832" | "sup", string>;
  const marker = `Nhà bà Tư ${randomBytes(6).toString("hex")}`;
  const where = `Hẻm 7 ấp ${randomBytes(6).toString("hex")}`;

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    emails = {
      l831: (await aStaffMember(app.ctx, "liaison", "831")).email,
      l832: (await aStaffMember(app.ctx, "liaison", "832")).email,
      p831: (await aStaffMember(app.ctx, "police", "831")).email,
      p832: (await aStaffMember(app.ctx, "police", "832")).email,
      sup: (await aStaffMember(app.ctx, "supervisor", null)).email,
    };
    admin = await signIn(app, "admin@example.org");
    liaison831 = await signIn(app, emails.l831);
    liaison832 = await signIn(app, emails.l832);
    police831 = await signIn(app, emails.p831);
    police832 = await signIn(app, emails.p832);
    supervisor = await signIn(app, emails.sup);
    caseId = await submitAndFind(app, aTip({ category: "selling", communeCode: "28801" }));
  });

  let placeId: string;

  it("when a liaison creates a place from a case, then it is linked, active since the day given, and its label reads back for them", async () => {
    const r = await post(liaison831, "/api/v1/places", { communeCode: "28801", kind: "sale_point", label: marker, location: where, detectedOn: vnDay(-3), caseId });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    placeId = r.body.id;
    const g = await liaison831.agent.get(`/api/v1/places/${placeId}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.kind, "sale_point");
    assert.equal(g.body.districtCode, "831");
    assert.equal(g.body.state, "active");
    assert.deepEqual(g.body.history, [{ state: "active", onDate: vnDay(-3) }]);
    assert.deepEqual(g.body.caseIds, [caseId]);
    assert.deepEqual(g.body.details, { label: marker, location: where });
    const audit = await app.ctx.database.db.execute<{ action: string; district_code: string; details: Record<string, unknown> }>(
      sql`SELECT action, district_code, details FROM audit_log WHERE subject_id = ${placeId} ORDER BY id`,
    );
    assert.deepEqual(audit.rows.map((a) => a.action), ["place.created", "place.details_viewed"], "reading the label back is audited, like opening a case");
    assert.deepEqual(audit.rows.map((a) => a.district_code), ["831", "831"]);
    assert.equal(JSON.stringify(audit.rows.map((a) => a.details)).includes(marker), false, "the audit rows never hold the label");
  });

  it("when the police and the administrator of the district read it, then they see the label too; a liaison of another district gets 403", async () => {
    for (const who of [police831, admin]) {
      const g = await who.agent.get(`/api/v1/places/${placeId}`);
      assert.equal(g.status, 200);
      assert.equal(g.body.details.label, marker);
    }
    for (const who of [liaison832, police832, supervisor]) assert.equal((await who.agent.get(`/api/v1/places/${placeId}`)).status, 403);
    assert.equal((await supervisor.agent.get("/api/v1/places")).status, 403);
    assert.equal((await liaison831.agent.get("/api/v1/places?district=832")).status, 403);
    const mine = await liaison831.agent.get("/api/v1/places");
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.places.map((p: { id: string }) => p.id), [placeId]);
    assert.deepEqual((await liaison832.agent.get("/api/v1/places")).body.places, []);
  });

  it("when someone outside the district or a supervisor tries to create or change a place, then 403 and nothing is written", async () => {
    const before = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT (SELECT count(*) FROM places) + (SELECT count(*) FROM place_states) + (SELECT count(*) FROM case_places) AS n`);
    assert.equal((await post(liaison832, "/api/v1/places", { communeCode: "28801", kind: "storage", label: "x" })).status, 403);
    assert.equal((await post(police832, "/api/v1/places", { communeCode: "28801", kind: "storage", label: "x" })).status, 403);
    assert.equal((await post(supervisor, "/api/v1/places", { communeCode: "28801", kind: "storage", label: "x" })).status, 403);
    assert.equal((await post(liaison832, `/api/v1/places/${placeId}/states`, { state: "eliminated", onDate: vnDay() })).status, 403);
    assert.equal((await put(liaison832, `/api/v1/places/${placeId}/cases/${caseId}`)).status, 403);
    assert.equal((await del(police832, `/api/v1/places/${placeId}/cases/${caseId}`)).status, 403);
    assert.equal((await post(admin, "/api/v1/places", { communeCode: "28801", kind: "storage", label: "x" }).set("X-CSRF-Token", "nope")).status, 403, "CSRF");
    const after = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT (SELECT count(*) FROM places) + (SELECT count(*) FROM place_states) + (SELECT count(*) FROM case_places) AS n`);
    assert.equal(after.rows[0]!.n, before.rows[0]!.n);
  });

  it("when the input is bad, then 400 names each field, never a 500", async () => {
    const bad = async (path: string, body: object, fields: string[]) => {
      const r = await post(admin, path, body);
      assert.ok(r.status === 400, `${path} ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.deepEqual(Object.keys(r.body.error.fields).sort(), fields.sort(), JSON.stringify(r.body));
    };
    await bad("/api/v1/places", {}, ["communeCode", "kind", "label"]);
    await bad("/api/v1/places", { communeCode: "99999", kind: "sale_point", label: "a" }, ["communeCode"]);
    await bad("/api/v1/places", { communeCode: "28801", kind: "casino", label: " " }, ["kind", "label"]);
    await bad("/api/v1/places", { communeCode: "28801", kind: "storage", label: "a".repeat(121), location: "b".repeat(301) }, ["label", "location"]);
    await bad("/api/v1/places", { communeCode: "28801", kind: "storage", label: "a", detectedOn: "2020-02-30" }, ["detectedOn"]);
    await bad("/api/v1/places", { communeCode: "28801", kind: "storage", label: "a", detectedOn: vnDay(2) }, ["detectedOn"]);
    await bad("/api/v1/places", { communeCode: "28801", kind: "storage", label: "a", caseId: "not-a-case" }, ["caseId"]);
    await bad("/api/v1/places", { communeCode: "28870", kind: "storage", label: "a", caseId }, ["caseId"]);
    await bad("/api/v1/places", { communeCode: "28801", kind: "storage", label: "a", extra: 1 }, ["extra"]);
    await bad(`/api/v1/places/${placeId}/states`, {}, ["state", "onDate"]);
    await bad(`/api/v1/places/${placeId}/states`, { state: "active", onDate: "yesterday" }, ["state", "onDate"]);
    await bad(`/api/v1/places/${placeId}/states`, { state: "eliminated", onDate: vnDay(1) }, ["onDate"]);
    assert.equal((await admin.agent.get("/api/v1/places/not-a-uuid")).status, 404);
    assert.equal((await admin.agent.get("/api/v1/places/00000000-0000-4000-8000-000000000009")).status, 404);
    assert.equal((await admin.agent.get("/api/v1/places?kind=casino")).status, 400);
  });

  it("when states are recorded, then the rules hold: eliminated once, re-emerged only after, replanted only for cultivation, no day before the last", async () => {
    const state = (who: Agent, id: string, s: string, onDate: string) => post(who, `/api/v1/places/${id}/states`, { state: s, onDate });
    let r = await state(police831, placeId, "re_emerged", vnDay(-2));
    assert.equal(r.status, 400);
    assert.deepEqual(Object.keys(r.body.error.fields), ["state"]);
    r = await state(police831, placeId, "eliminated", vnDay(-4));
    assert.equal(r.status, 400, "before the day it was detected");
    assert.deepEqual(Object.keys(r.body.error.fields), ["onDate"]);
    r = await state(police831, placeId, "eliminated", vnDay(-2));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.before, "active");
    assert.equal((await state(police831, placeId, "eliminated", vnDay(-1))).status, 400, "already eliminated");
    assert.equal((await state(police831, placeId, "replanted", vnDay(-1))).status, 400, "a sale point is not replanted");
    r = await state(liaison831, placeId, "re_emerged", vnDay(-1));
    assert.equal(r.status, 200);
    assert.equal(r.body.before, "eliminated");
    const field = await post(admin, "/api/v1/places", { communeCode: "28804", kind: "cultivation", label: "Vườn sau nhà", detectedOn: vnDay(-5) });
    assert.equal(field.status, 201);
    assert.equal((await state(admin, field.body.id, "eliminated", vnDay(-4))).status, 200);
    assert.equal((await state(admin, field.body.id, "replanted", vnDay(0))).status, 200);
    const g = await admin.agent.get(`/api/v1/places/${field.body.id}`);
    assert.deepEqual(g.body.history.map((h: { state: string }) => h.state), ["active", "eliminated", "replanted"]);
    assert.equal(g.body.state, "replanted");
    const audit = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'place.state_recorded'`);
    assert.equal(audit.rows[0]!.n, 4, "one audit row per recorded change, none for refusals");
  });

  it("when a case is opened, then the places of its commune and kind are suggested, and it can be linked and unlinked once each", async () => {
    const other = await submitAndFind(app, aTip({ category: "selling", communeCode: "28801" }));
    const storage = await post(admin, "/api/v1/places", { communeCode: "28801", kind: "storage", label: "Kho" });
    assert.equal(storage.status, 201);
    let s = await liaison831.agent.get(`/api/v1/places/for-case/${other}`);
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.deepEqual(s.body.linked, []);
    assert.deepEqual(s.body.suggested.map((p: { id: string }) => p.id), [placeId], "same commune, the kind of a selling tip; not the storage place");
    assert.equal(s.body.suggested[0].details.label, marker);
    assert.equal((await liaison832.agent.get(`/api/v1/places/for-case/${other}`)).status, 403);
    let r = await put(liaison831, `/api/v1/places/${placeId}/cases/${other}`);
    assert.deepEqual([r.status, r.body], [200, { linked: true }]);
    r = await put(liaison831, `/api/v1/places/${placeId}/cases/${other}`);
    assert.deepEqual([r.status, r.body], [200, { linked: false }]);
    s = await liaison831.agent.get(`/api/v1/places/for-case/${other}`);
    assert.deepEqual(s.body.linked.map((p: { id: string }) => p.id), [placeId]);
    assert.deepEqual(s.body.suggested, []);
    const elsewhere = await post(admin, "/api/v1/places", { communeCode: "28870", kind: "sale_point", label: "Quán" });
    r = await put(admin, `/api/v1/places/${elsewhere.body.id}/cases/${other}`);
    assert.equal(r.status, 400, "a case is linked only to a place of its own district");
    r = await del(liaison831, `/api/v1/places/${placeId}/cases/${other}`);
    assert.deepEqual([r.status, r.body], [200, { unlinked: true }]);
    r = await del(liaison831, `/api/v1/places/${placeId}/cases/${other}`);
    assert.deepEqual([r.status, r.body], [200, { unlinked: false }]);
    const audit = await app.ctx.database.db.execute<{ action: string }>(sql`SELECT action FROM audit_log WHERE action LIKE 'place.case_%' ORDER BY id`);
    assert.deepEqual(audit.rows.map((a) => a.action), ["place.case_linked", "place.case_unlinked"]);
  });

  it("when staff use the pages without JavaScript, then they add a place from a case, link and unlink it, record its state and see its history", async () => {
    const tipId = await submitAndFind(app, aTip({ category: "cultivation", communeCode: "28807" }));
    const form = (path: string, body: Record<string, string>) => liaison831.agent.post(path).type("form").send({ _csrf: liaison831.csrf, ...body });
    let page = await liaison831.agent.get(`/staff/cases/${tipId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="places"/);
    assert.match(page.text, new RegExp(`/staff/places\\?case=${tipId}&amp;commune=28807&amp;kind=cultivation`));
    const bad = await form("/staff/places", { caseId: tipId, communeCode: "28807", kind: "cultivation", label: "", detectedOn: "2020-13-01" });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /error-summary/);
    assert.match(bad.text, /id="label-error"/);
    assert.match(bad.text, /id="detectedOn-error"/);
    assert.match(bad.text, new RegExp(`name="caseId" value="${tipId}"`), "the form keeps its case");
    const label = `Vườn ${randomBytes(4).toString("hex")}`;
    const made = await form("/staff/places", { caseId: tipId, communeCode: "28807", kind: "cultivation", label, location: "", detectedOn: "" });
    assert.equal(made.status, 303);
    assert.equal(made.headers.location, `/staff/cases/${tipId}?done=place_created`);
    page = await liaison831.agent.get(`/staff/cases/${tipId}`);
    assert.ok(page.text.includes(label), "the linked place on the case page, with its label");
    assert.match(page.text, /\/unlink"/);
    const id = (await app.ctx.database.db.execute<{ place_id: string }>(sql`SELECT place_id FROM case_places WHERE tip_id = ${tipId}`)).rows[0]!.place_id;
    const unlinked = await form(`/staff/places/${id}/unlink`, { caseId: tipId });
    assert.equal(unlinked.status, 303);
    page = await liaison831.agent.get(`/staff/cases/${tipId}`);
    assert.match(page.text, new RegExp(`/staff/places/${id}/link"`), "now a suggestion: same commune, the kind of a cultivation tip");
    assert.equal((await form(`/staff/places/${id}/link`, { caseId: tipId })).status, 303);
    const list = await liaison831.agent.get("/staff/places?commune=28807");
    assert.equal(list.status, 200);
    assert.ok(list.text.includes(label));
    const badState = await form(`/staff/places/${id}/state`, { state: "replanted", onDate: vnDay() });
    assert.equal(badState.status, 400, "replanted before any elimination");
    assert.match(badState.text, new RegExp(`id="${id}-state"[^>]*aria-invalid="true"|state-error`));
    assert.equal((await form(`/staff/places/${id}/state?commune=28807`, { state: "eliminated", onDate: vnDay() })).status, 303);
    const after = await liaison831.agent.get("/staff/places?commune=28807");
    assert.match(after.text, /Đã triệt xóa/);
    assert.equal((await liaison832.agent.get("/staff/places?district=831")).status, 403);
    assert.equal((await supervisor.agent.get("/staff/places")).status, 403);
    const theirs = await liaison832.agent.get(`/staff/cases/${tipId}`);
    assert.equal(theirs.status, 403);
    const en = await liaison831.agent.get("/staff/places?commune=28807&lang=en");
    assert.match(en.text, /Drug places register/);
    assert.match(en.text, /Eliminated/);
  });

  it("when the database is dumped, then the label and location appear nowhere in the clear; only commune and kind do", async () => {
    const dump = await dumpDatabase(services().databaseUrl);
    const text = dump.text;
    const binary = decodeHexRuns(text);
    for (const secret of [marker, where]) assert.deepEqual(findEverywhere(secret, { [dump.tool]: text, bytea: binary }), [], secret);
    const row = await app.ctx.database.db.execute<{ commune_code: string; kind: string; n: number }>(sql`SELECT commune_code, kind, octet_length(ciphertext) AS n FROM places WHERE id = ${placeId}`);
    assert.deepEqual([row.rows[0]!.commune_code, row.rows[0]!.kind], ["28801", "sale_point"]);
    const wraps = await app.ctx.database.db.execute<{ role: string; district_code: string | null }>(sql`SELECT u.role, u.district_code FROM place_key_wraps w JOIN staff_users u ON u.id = w.user_id WHERE w.place_id = ${placeId} ORDER BY 1, 2`);
    assert.deepEqual(wraps.rows.map((w) => `${w.role}:${w.district_code ?? "-"}`), ["admin:-", "liaison:831", "police:831"], "sealed only to those who may read it");
  });

  it("when a liaison joins after places were entered, then the labels stay locked until a key holder of the district signs in", async () => {
    const newcomer = await aStaffMember(app.ctx, "liaison", "831");
    const theirs = await signIn(app, newcomer.email);
    let g = await theirs.agent.get(`/api/v1/places/${placeId}`);
    assert.equal(g.status, 200, "the policy lets them see the place");
    assert.equal(g.body.details, null, "but no key was sealed to them");
    const viewed = async () =>
      (await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'place.details_viewed' AND actor_id = ${newcomer.id}`)).rows[0]!.n;
    assert.equal(await viewed(), 0, "a label that stays locked is not recorded as read");
    await signIn(app, emails.l832);
    assert.equal((await theirs.agent.get(`/api/v1/places/${placeId}`)).body.details, null, "a liaison of another district shares nothing");
    await signIn(app, emails.l831);
    g = await theirs.agent.get(`/api/v1/places/${placeId}`);
    assert.equal(g.body.details.label, marker);
    assert.equal(await viewed(), 1, "opened once it could be, and recorded");
    const audit = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.pending_place_access_granted' AND subject_id = ${newcomer.id}`);
    assert.equal(audit.rows[0]!.n, 1);
    const other = await aStaffMember(app.ctx, "liaison", "832");
    await signIn(app, emails.l831);
    const wraps = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM place_key_wraps WHERE user_id = ${other.id}`);
    assert.equal(wraps.rows[0]!.n, 0, "never to someone the policy does not let read the place");
  });

  it("when a member's key is reset, then their places stay locked until an administrator restores access, which re-seals them from the recovery key", async () => {
    const member = await aStaffMember(app.ctx, "police", "831");
    await signIn(app, emails.l831);
    assert.equal((await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM place_key_wraps WHERE user_id = ${member.id}`)).rows[0]!.n > 0, true);
    // What a reset and a new activation leave: a new key pair under the (same) password, the old wraps, needs_restore.
    const keys = crypto.generateKeyPair();
    const keySalt = crypto.newSalt();
    const wrapped = crypto.wrapWithKey(keys.privateKey, await crypto.derivePasswordKey(PASSWORD, keySalt), staffWrapLabel(member.id));
    await app.ctx.database.db.execute(sql`UPDATE staff_users SET public_key = ${Buffer.from(keys.publicKey)}, key_salt = ${Buffer.from(keySalt)}, wrapped_private_key = ${Buffer.from(wrapped)}, needs_restore = true WHERE id = ${member.id}`);
    const theirs = await signIn(app, member.email);
    assert.equal((await theirs.agent.get(`/api/v1/places/${placeId}`)).body.details, null, "the old wrap does not open with the new key");
    const restored = await post(admin, `/api/v1/admin/users/${member.id}/restore-access`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal((await theirs.agent.get(`/api/v1/places/${placeId}`)).body.details.label, marker);
    const audit = await app.ctx.database.db.execute<{ details: { places: number } }>(sql`SELECT details FROM audit_log WHERE action = 'user.access_restored' AND subject_id = ${member.id}`);
    const inDistrict = await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM places WHERE commune_code IN (SELECT code FROM units WHERE parent_code = '831')`);
    assert.equal(audit.rows[0]!.details.places, inDistrict.rows[0]!.n, "every place of their district, none of another");
  });
});
