/**
 * Help requests: the services directory administrators keep (API and staff
 * page, field-level refusals, audited), shown on a public page without
 * JavaScript and to a tipster whose report is a help request; the 80% figure
 * over requests triaged in the period and the referrals by kind, checked
 * against a calculation made here from generated cases (including triage
 * times on Vietnam-midnight boundaries); a referral naming its kind of service.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { computeStats } from "../../src/stats/statistics.js";
import { parsePeriod } from "../../src/stats/periods.js";
import { insertTip } from "../stats/tipFixture.js";
import { referHelpRequest } from "../../src/commands/caseClosure.js";
import { rng } from "../support/random.js";

const KINDS = ["counselling", "methadone", "voluntary_rehab", "community_rehab"] as const;

describe("help services and the help-request figures", function () {
  this.timeout(180_000);
  const app = useTestApp();
  let admin: Awaited<ReturnType<typeof signIn>>;

  before(async () => {
    await resetData(app);
    const a = await anAdministrator(app.ctx);
    void a;
    admin = await signIn(app, "admin@example.org");
  });

  const service = (over: Record<string, unknown> = {}) => ({ name: "Phòng tư vấn Bến Tre", districtCode: "829", address: "12 Đường Hùng Vương, Phường 5", phone: "0275 3822 111", hours: "7:00–17:00, thứ Hai – thứ Sáu", kind: "counselling", active: true, ...over });

  it("when an administrator keeps the directory, then services are added and changed (audited), bad fields are named, others are refused", async () => {
    const a = await admin.agent.post("/api/v1/help-services").set("X-CSRF-Token", admin.csrf).send(service());
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const b = await admin.agent.post("/api/v1/help-services").set("X-CSRF-Token", admin.csrf).send(service({ name: "Cơ sở điều trị methadone tỉnh", districtCode: "", kind: "methadone", phone: "0275 3 999 000" }));
    assert.equal(b.status, 201);
    const hidden = await admin.agent.post("/api/v1/help-services").set("X-CSRF-Token", admin.csrf).send(service({ name: "Cơ sở đã đóng cửa", districtCode: "831", kind: "voluntary_rehab", active: false }));
    assert.equal(hidden.status, 201);
    // A form post from the staff page: Mỏ Cày Nam's community rehabilitation.
    const form = await admin.agent.post("/staff/admin/help-services").type("form").send({ _csrf: admin.csrf, name: "Tổ cai nghiện cộng đồng", districtCode: "831", address: "Ấp 3", phone: "0900 000 000", hours: "", kind: "community_rehab", active: "true" });
    assert.equal(form.status, 303);
    const bad = await admin.agent.post("/api/v1/help-services").set("X-CSRF-Token", admin.csrf).send({ name: "", districtCode: "99999", address: "x", phone: "call me", kind: "pharmacy", active: true, extra: 1 });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body.error.fields).sort(), ["extra", "kind", "name", "phone"]);
    const unknownDistrict = await admin.agent.post("/api/v1/help-services").set("X-CSRF-Token", admin.csrf).send(service({ districtCode: "99999" }));
    assert.equal(unknownDistrict.status, 400);
    assert.ok(unknownDistrict.body.error.fields.districtCode);
    const badForm = await admin.agent.post("/staff/admin/help-services").type("form").send({ _csrf: admin.csrf, name: "", address: "x", phone: "?", kind: "counselling" });
    assert.equal(badForm.status, 400);
    assert.match(badForm.text, /id="new-name-error"/);
    assert.match(badForm.text, /id="new-phone-error"/);
    const put = await admin.agent.put(`/api/v1/help-services/${a.body.id}`).set("X-CSRF-Token", admin.csrf).send(service({ hours: "7:00–20:00 mỗi ngày" }));
    assert.equal(put.status, 204);
    const audit = await app.ctx.database.db.execute<{ action: string }>(sql`SELECT action FROM audit_log WHERE subject_type = 'help_service' ORDER BY id`);
    assert.deepEqual(audit.rows.map((r) => r.action), ["help_service.created", "help_service.created", "help_service.created", "help_service.created", "help_service.updated"]);
    const liaison = await aStaffMember(app.ctx, "liaison", "829");
    const l = await signIn(app, liaison.email);
    assert.equal((await l.agent.post("/api/v1/help-services").set("X-CSRF-Token", l.csrf).send(service())).status, 403);
    assert.equal((await l.agent.get("/staff/admin/help-services")).status, 403);
    const listed = await l.agent.get("/api/v1/help-services?all=true");
    assert.equal(listed.body.services.length, 3, "a liaison sees the active ones only");
  });

  it("when anyone opens the public page, then active services are listed without JavaScript or other origins, and a district narrows them", async () => {
    const all = await request(app.url).get("/help-services");
    assert.equal(all.status, 200);
    // The page needs no script: the only one is the site's own optional enhancement, and no inline script.
    for (const m of all.text.matchAll(/<script([^>]*)>/gi)) assert.match(m[1]!, /src="\/static\//);
    assert.match(all.text, /<form method="get" action="\/help-services"/);
    assert.doesNotMatch(all.text, /(src|action)="(https?:)?\/\//i, "nothing loads from another origin (the quick-exit link is a navigation)");
    for (const name of ["Phòng tư vấn Bến Tre", "Cơ sở điều trị methadone tỉnh", "Tổ cai nghiện cộng đồng"]) assert.match(all.text, new RegExp(name));
    assert.doesNotMatch(all.text, /Cơ sở đã đóng cửa/);
    assert.match(all.text, /href="tel:02753822111"/);
    const d = await request(app.url).get("/help-services?district=831&lang=en");
    assert.match(d.text, /Tổ cai nghiện cộng đồng/);
    assert.match(d.text, /Cơ sở điều trị methadone tỉnh/, "province-wide services stay");
    assert.doesNotMatch(d.text, /Phòng tư vấn Bến Tre/);
    assert.match(d.text, /Community-based rehabilitation/);
    assert.equal((await request(app.url).get("/help-services?district=%00")).status, 200);
  });

  it("when a person who asked for help checks their receipt, then their district's services are shown; a drug tip shows none", async () => {
    const help = await request(app.url).post("/api/v1/tips").send(aTip({ category: "help_request", districtCode: "829", communeCode: "28756", location: "", description: "Em muốn cai nghiện, không biết đi đâu." }));
    assert.equal(help.status, 201, JSON.stringify(help.body));
    const agent = request.agent(app.url);
    assert.equal((await agent.post("/api/v1/tipster/session").send({ receipt: help.body.receipt })).status, 200);
    const page = await agent.get("/follow-up/tip");
    assert.equal(page.status, 200);
    assert.match(page.text, /Phòng tư vấn Bến Tre/);
    assert.match(page.text, /Cơ sở điều trị methadone tỉnh/);
    assert.doesNotMatch(page.text, /Tổ cai nghiện cộng đồng/, "another district's service");
    const api = await agent.get("/api/v1/tipster/tip");
    assert.equal(api.body.helpServices?.length ?? api.body.view?.helpServices?.length, 2);
    const drug = await request(app.url).post("/api/v1/tips").send(aTip());
    const other = request.agent(app.url);
    await other.post("/api/v1/tipster/session").send({ receipt: drug.body.receipt });
    assert.doesNotMatch((await other.get("/follow-up/tip")).text, /Phòng tư vấn Bến Tre/);
  });

  it("when help requests are triaged and referred, then the 80% figure divides by those triaged in the period and counts referrals by kind", async () => {
    await app.ctx.database.db.execute(sql`TRUNCATE tips CASCADE`);
    const random = rng(26062020);
    type Gen = { received: Date; triaged: Date | null; referred: boolean | null; kind: string | null; district: string };
    const gen: Gen[] = [];
    const districts = [["829", "28756"], ["831", "28801"], ["832", "28870"]] as const;
    // Around Q2 2020 (from 2020-04-01 00:00 to 2020-07-01 00:00 in Bến Tre), with triage times on both midnights.
    const edges = ["2020-03-31T23:59:00+07:00", "2020-04-01T00:00:00+07:00", "2020-06-30T23:59:00+07:00", "2020-07-01T00:00:00+07:00"];
    for (let i = 0; i < 160; i++) {
      const [district, commune] = districts[Math.floor(random() * 3)]!;
      const received = new Date(Date.UTC(2020, 2, 1) + Math.floor(random() * 140 * 24) * 3_600_000);
      let triaged: Date | null = random() < 0.8 ? new Date(received.getTime() + Math.floor(random() * 72) * 3_600_000) : null;
      if (i < edges.length) triaged = new Date(edges[i]!);
      const referred = triaged ? (random() < 0.2 ? false : random() < 0.85 ? true : null) : null;
      const kind = referred ? (random() < 0.15 ? null : KINDS[Math.floor(random() * 4)]!) : null;
      const g = { received: triaged && triaged < received ? new Date(triaged.getTime() - 3_600_000) : received, triaged, referred, kind, district };
      gen.push(g);
      // Triaged as actionable and not referred yet: "actionable" (the triage columns are written below).
      const status = referred === null ? (triaged ? "actionable" : "needs_info") : "resolved";
      const outcome = referred === null ? undefined : referred ? "referred_treatment" : "not_referred";
      const id = await insertTip(app.ctx.database.db, { received: g.received.toISOString(), category: "help_request", district, commune, status, outcome, referred: referred ?? undefined });
      await app.ctx.database.db.execute(sql`UPDATE tips SET triaged_at = ${triaged?.toISOString() ?? null}, triage_outcome = ${triaged ? "actionable" : null}, referral_kind = ${kind} WHERE id = ${id}`);
    }
    // A drug tip that was triaged does not count.
    await insertTip(app.ctx.database.db, { received: "2020-05-01T10:00:00+07:00", category: "selling", district: "829", commune: "28756", triageH: 1, triage: "actionable" });
    for (const [label, district] of [["2020-Q2", undefined], ["2020-Q2", "831"], ["2020-04", undefined], ["2020-06", "829"], ["2020", undefined]] as const) {
      const p = parsePeriod(label)!;
      // Independent: Bến Tre's calendar from the platform's time zone database, not from src/stats/periods.ts.
      const local = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" }).format(d);
      const inPeriod = (d: Date | null) => {
        if (!d) return false;
        const ym = local(d);
        if (label === "2020") return ym.startsWith("2020");
        if (label === "2020-Q2") return ["2020-04", "2020-05", "2020-06"].includes(ym);
        return ym === label;
      };
      const mine = gen.filter((g) => !district || g.district === district);
      const triaged = mine.filter((g) => inPeriod(g.triaged));
      const referred = triaged.filter((g) => g.referred === true);
      const byKind = { counselling: 0, methadone: 0, voluntary_rehab: 0, community_rehab: 0, unspecified: 0 } as Record<string, number>;
      for (const g of referred) byKind[g.kind ?? "unspecified"]!++;
      const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: p.from, to: p.to, districtCode: district });
      const share = triaged.length ? referred.length / triaged.length : null;
      const total = mine.filter((g) => inPeriod(g.received)).length;
      const want = { total, triaged: triaged.length, referred: referred.length, referredShare: share, target: 0.8, byKind };
      assert.deepEqual(s.helpRequests, want, `${label} ${district ?? "province"}`);
    }
    // The boundaries were exercised: 23:59 on 31 March is outside Q2, 00:00 on 1 April inside.
    const q2 = parsePeriod("2020-Q2")!;
    const s = await computeStats(app.ctx.database.db, app.ctx.config, { from: q2.from, to: q2.to });
    assert.ok(s.helpRequests.triaged > 0 && s.helpRequests.triaged < s.helpRequests.total + 50);
  });

  it("when a liaison refers a help request with a kind of service, then the case records it; a kind with 'not referred' is refused", async () => {
    const id = await insertTip(app.ctx.database.db, { received: new Date().toISOString(), category: "help_request", district: "829", commune: "28756", triageH: 0, triage: "actionable", status: "actionable" });
    const [row] = (await app.ctx.database.db.execute<{ id: string }>(sql`SELECT id FROM staff_users WHERE email = 'admin@example.org'`)).rows;
    const actor = { id: row!.id, role: "admin" as const, districtCode: null, policeUnitId: null };
    await assert.rejects(referHelpRequest(app.ctx, actor, id, "not_referred", {}, "methadone"), (e: { status?: number }) => e.status === 400);
    await referHelpRequest(app.ctx, actor, id, "referred_treatment", {}, "methadone");
    const r = await app.ctx.database.db.execute<{ referred: boolean; referral_kind: string }>(sql`SELECT referred, referral_kind FROM tips WHERE id = ${id}`);
    assert.deepEqual(r.rows[0], { referred: true, referral_kind: "methadone" });
    const bad = await admin.agent.post(`/api/v1/cases/${id}/resolve`).set("X-CSRF-Token", admin.csrf).send({ outcome: "referred_treatment", serviceKind: "pharmacy", version: 1 });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.fields.serviceKind);
  });
});
