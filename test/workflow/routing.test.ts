/**
 * Routing: every accepted tip reaches one named person. Among the liaisons of
 * a district the work is shared fairly (fewest open cases, ties in turn); a
 * district without an active liaison keeps its tips "received" and tells the
 * administrators, and the first liaison who joins gets them. State and assignee
 * never contradict.
 */
import assert from "node:assert/strict";
import { useTestApp, resetData } from "../support/app.js";
import { reopenCase } from "../../src/commands/caseClosure.js";
import { triageCase } from "../../src/commands/caseTriager.js";
import { deactivateStaff } from "../../src/commands/staffDeactivator.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { caseRow, clientAddress, deskOf, routingRowsPerCase, submitTip, tipIds, UNLIMITED, within, notificationsAbout, submitAndFind, routed } from "../support/caseDesk.js";

describe("routing tips to liaisons", function () {
  this.timeout(120_000);
  const app = useTestApp({ env: UNLIMITED });
  beforeEach(async () => resetData(app));

  it("when 100 tips arrive for a district with three liaisons, then each tip is assigned exactly once and the three workloads differ by at most one", async () => {
    await anAdministrator(app.ctx);
    const liaisons = await Promise.all([1, 2, 3].map((n) => aStaffMember(app.ctx, "liaison", "831", `lien-lac-${n}@example.org`)));
    const ids = new Set(liaisons.map((l) => l.id));

    // A hundred tipsters, ten at a time, each from their own address.
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => submitTip(app.url, aTip({ description: `Tin số ${batch * 10 + i}: có người bán ma túy gần chợ, thường vào buổi tối.` }), clientAddress(batch * 10 + i + 1))));
      statuses.push(...sent.map((r) => r.status));
    }
    assert.deepEqual(statuses, Array(100).fill(201));
    const cases = [...(await tipIds(app.ctx))];
    assert.equal(cases.length, 100);

    const rows = await within(30_000, "all 100 tips routed", async () => {
      const { rows } = await app.ctx.database.pool.query<{ id: string; status: string; assignee_id: string | null }>("SELECT id, status, assignee_id FROM tips");
      return rows.every((r) => r.status === "assigned") ? rows : undefined;
    });
    const perLiaison = new Map<string, number>();
    for (const r of rows) {
      assert.ok(r.assignee_id && ids.has(r.assignee_id), `case ${r.id} went to ${r.assignee_id}, not a liaison of 831`);
      perLiaison.set(r.assignee_id, (perLiaison.get(r.assignee_id) ?? 0) + 1);
    }
    const counts = [...perLiaison.values()];
    assert.equal(counts.length, 3, `every liaison gets work: ${JSON.stringify([...perLiaison])}`);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `fair shares: ${counts.join(", ")}`);

    const routings = await routingRowsPerCase(app.ctx, cases);
    assert.deepEqual([...routings].filter(([, n]) => n !== 1), [], "each tip routed exactly once");

    // Each liaison's inbox shows exactly their share as assigned to them.
    const first = await deskOf(app, liaisons[0]!.email);
    const mine = await first.get(`/api/v1/cases?assigneeId=${liaisons[0]!.id}&pageSize=100`);
    assert.equal(mine.body.total, perLiaison.get(liaisons[0]!.id));
  });

  it("when a tip arrives for a district with no active liaison, then it waits as received (never assigned to nobody), flagged, and every administrator is notified once", async () => {
    const first = await anAdministrator(app.ctx, "admin-1@example.org");
    const second = await aStaffMember(app.ctx, "admin", null, "admin-2@example.org");
    const gone = await aStaffMember(app.ctx, "liaison", "833");
    await app.ctx.database.pool.query("UPDATE staff_users SET active = false WHERE id = $1", [gone.id]);
    const elsewhere = await aStaffMember(app.ctx, "liaison", "831");

    // Huyện Mỏ Cày Nam (833), Thị trấn Mỏ Cày (28903).
    const id = await submitAndFind(app, aTip({ districtCode: "833", communeCode: "28903" }));
    const told = await within(5_000, "both administrators notified", async () => {
      const n = await notificationsAbout(app.ctx, id, "case_unassigned_district");
      return n.length >= 2 ? n : undefined;
    });
    assert.deepEqual(told.map((n) => n.user_id).sort(), [first.id, second.id].sort());
    const row = await caseRow(app.ctx, id);
    assert.equal(row.status, "received", "not \"Đã giao cán bộ\" while nobody holds it");
    assert.equal(row.assignee_id, null);
    assert.equal(row.no_liaison, true);
    assert.equal(row.deadline_kind, "triage", "the triage clock runs, so a tip nobody takes escalates");
    // Later sweeps (every second here) try again and write nothing more.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal((await routingRowsPerCase(app.ctx, [id])).get(id), 1, "flagged once");
    assert.equal((await notificationsAbout(app.ctx, id, "case_unassigned_district")).length, 2, "told once");
    assert.equal((await notificationsAbout(app.ctx, id)).filter((n) => n.user_id === elsewhere.id || n.user_id === gone.id).length, 0, "liaisons of other districts and inactive ones are not told");

    const asAdmin = await deskOf(app, second.email);
    const inbox = await asAdmin.get("/api/v1/cases?districtCode=833");
    const listed = (inbox.body.cases as { id: string; noLiaison: boolean; assigneeId: string | null }[]).find((c) => c.id === id);
    assert.ok(listed, "the case is in the administrators' inbox");
    assert.equal(listed.noLiaison, true);
    assert.equal(listed.assigneeId, null);
    const inApp = await asAdmin.get("/api/v1/notifications");
    assert.ok((inApp.body.notifications as { caseId: string; kind: string }[]).some((n) => n.caseId === id && n.kind === "case_unassigned_district"));
  });

  it("when the district's first liaison joins, then the waiting tips go to them; when they are deactivated, another liaison gets them; no page ever says assigned to nobody", async () => {
    const admin = await anAdministrator(app.ctx);
    const asAdmin = await deskOf(app, admin.email);
    const adminActor = { id: admin.id, role: "admin" as const, districtCode: null, policeUnitId: null };
    // The case page must never say "Đã giao cán bộ" (summary) beside "Chưa giao" (person in charge).
    const noContradiction = async (id: string) => {
      const page = await asAdmin.get(`/staff/cases/${id}`);
      assert.equal(page.status, 200);
      const status = /id="case-summary">\s*<strong>([^<]+)<\/strong>/.exec(page.text)?.[1];
      const inCharge = /<dt>Cán bộ phụ trách<\/dt><dd>([^<–]+)/.exec(page.text)?.[1]?.trim();
      assert.ok(status && inCharge, "the page names a state and who is in charge");
      if (status === "Đã giao cán bộ") assert.notEqual(inCharge, "Chưa giao", `case ${id}: assigned to nobody`);
      return { status, inCharge };
    };

    const waiting = await submitAndFind(app, aTip({ districtCode: "833", communeCode: "28903" }));
    const closedEarly = await submitAndFind(app, aTip({ districtCode: "833", communeCode: "28903" }));
    await within(5_000, "both flagged", async () => (await notificationsAbout(app.ctx, closedEarly, "case_unassigned_district")).length > 0);
    assert.deepEqual(await noContradiction(waiting), { status: "Mới nhận", inCharge: "Chưa giao" });

    // The first liaison of Mỏ Cày Nam: the next sweep gives them both.
    const first = await aStaffMember(app.ctx, "liaison", "833", "lien-lac-mcn-1@example.org");
    for (const id of [waiting, closedEarly]) {
      const row = await routed(app.ctx, id);
      assert.equal(row.status, "assigned");
      assert.equal(row.assignee_id, first.id);
      assert.equal(row.no_liaison, false);
      assert.deepEqual(await noContradiction(id), { status: "Đã giao cán bộ", inCharge: first.email });
    }

    // The first liaison closes one; a second liaison joins; the first is deactivated: the open case goes to the
    // second at the next sweep, and the closed one, reopened, too: never "assigned" to someone gone, nor to nobody.
    const firstActor = { id: first.id, role: "liaison" as const, districtCode: "833", policeUnitId: null };
    await triageCase(app.ctx, firstActor, closedEarly, { outcome: "not_actionable", reasonCode: "insufficient", text: "Thiếu thông tin." });
    const second = await aStaffMember(app.ctx, "liaison", "833", "lien-lac-mcn-2@example.org");
    await deactivateStaff(app.ctx, adminActor, first.id);
    assert.equal((await caseRow(app.ctx, closedEarly)).status, "closed");
    await reopenCase(app.ctx, adminActor, closedEarly, "Nhầm, cần xem lại.");
    for (const id of [waiting, closedEarly]) {
      const row = await within(5_000, "routed to the second liaison", async () => {
        const c = await caseRow(app.ctx, id);
        return c.assignee_id === second.id ? c : undefined;
      });
      assert.equal(row.status, "assigned");
      assert.deepEqual(await noContradiction(id), { status: "Đã giao cán bộ", inCharge: second.email });
    }
    const history = (await asAdmin.get(`/staff/cases/${waiting}`)).text;
    assert.match(history, /Huyện chưa có cán bộ tiếp nhận: tin chờ, đã báo quản trị viên/, "the history says why nobody got it at first");
    assert.match(history, /Cán bộ phụ trách ngừng hoạt động/, "and why it changed hands");

    // The database refuses the contradiction whatever writes it.
    await assert.rejects(app.ctx.database.pool.query("UPDATE tips SET assignee_id = NULL WHERE id = $1", [waiting]), /tips_assigned_has_assignee/);
  });
});
