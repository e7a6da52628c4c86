/**
 * The whole path of a case, as the people involved walk it through the JSON
 * API: a tipster submits, the Youth Union liaison triages and forwards, the
 * police unit acknowledges, verifies and resolves, the liaison closes and an
 * administrator reopens. Along the way: every move that is not allowed from
 * the current state is refused with 409 naming that state, two liaisons
 * racing on the same version get one success and one conflict, help requests
 * never reach the police, paper-mailbox tips are routed like web tips, and an
 * officer who joins a unit later reads nothing until a colleague grants access.
 */
import assert from "node:assert/strict";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { aPoliceOfficer, caseRow, deskOf, routed, submitAndFind, submitTip, tipIds, UNLIMITED, within, type Desk } from "../support/caseDesk.js";

/** Huyện Châu Thành (831): Thị trấn Châu Thành gets its own police unit; Xã Tân Thạch follows the district's rule. */
const DISTRICT = "831";
const EXCEPTION_COMMUNE = "28801";
const DISTRICT_COMMUNE = "28804";

type Move = "assign" | "triage" | "forward" | "acknowledge" | "verify" | "extend" | "resolve" | "refer" | "close" | "reopen";

/** What the workflow allows from each state (the state machine, written out by hand). */
const LEGAL: Record<string, Move[]> = {
  received: ["assign", "triage"],
  assigned: ["assign", "triage"],
  needs_info: ["assign", "triage"],
  actionable: ["assign", "forward", "refer"],
  forwarded: ["forward", "acknowledge"],
  acknowledged: ["verify", "resolve"],
  verifying: ["extend", "resolve"],
  resolved: ["close"],
  closed: ["reopen"],
};
/** States in which the case is with the police (before that, the unit cannot even see it: 403, not 409). */
const WITH_POLICE = new Set(["forwarded", "acknowledged", "verifying", "resolved", "closed"]);

describe("the case workflow, from a tipster's submission to closure", function () {
  this.timeout(120_000);
  let app: TestApp;
  let admin: { id: string; email: string };
  let liaison: { id: string; email: string };
  let otherLiaison: { id: string; email: string };
  let districtUnit: string;
  let communeUnit: string;
  let districtOfficer: { id: string; email: string };
  let communeOfficer: { id: string; email: string };
  const desk: Record<"admin" | "liaison" | "otherLiaison" | "districtPolice" | "communePolice", Desk> = {} as never;

  before(async () => {
    app = await startTestApp({ env: UNLIMITED });
    await resetData(app);
    admin = await anAdministrator(app.ctx);
    liaison = await aStaffMember(app.ctx, "liaison", DISTRICT);
    otherLiaison = await aStaffMember(app.ctx, "liaison", DISTRICT);
    desk.admin = await deskOf(app, admin.email);

    // The administrator sets up the police side through the API: two units, a district rule and a commune exception.
    const unitA = await desk.admin.post("/api/v1/admin/police-units", { name: "Công an huyện Châu Thành (lộ trình)", districtCode: DISTRICT });
    const unitB = await desk.admin.post("/api/v1/admin/police-units", { name: "Công an thị trấn Châu Thành (lộ trình)", districtCode: DISTRICT });
    assert.equal(unitA.status, 201, JSON.stringify(unitA.body));
    assert.equal(unitB.status, 201, JSON.stringify(unitB.body));
    districtUnit = unitA.body.id;
    communeUnit = unitB.body.id;
    assert.equal((await desk.admin.post("/api/v1/admin/coverage", { unitCode: DISTRICT, policeUnitId: districtUnit })).status, 204);
    assert.equal((await desk.admin.post("/api/v1/admin/coverage", { unitCode: EXCEPTION_COMMUNE, policeUnitId: communeUnit })).status, 204);

    districtOfficer = await aPoliceOfficer(app.ctx, districtUnit);
    communeOfficer = await aPoliceOfficer(app.ctx, communeUnit);
    desk.liaison = await deskOf(app, liaison.email);
    desk.otherLiaison = await deskOf(app, otherLiaison.email);
    desk.districtPolice = await deskOf(app, districtOfficer.email);
    desk.communePolice = await deskOf(app, communeOfficer.email);
  });

  after(async () => {
    if (!app) return;
    // This file's routing rules and units must not steer the cases of other test files.
    await app.ctx.database.pool.query("DELETE FROM coverage WHERE police_unit_id = ANY($1)", [[districtUnit, communeUnit].filter(Boolean)]);
    await app.ctx.database.pool.query("UPDATE police_units SET active = false WHERE id = ANY($1)", [[districtUnit, communeUnit].filter(Boolean)]);
    await app.stop();
  });

  const act = (who: Desk, id: string, step: string, body: object = {}) => who.post(`/api/v1/cases/${id}/${step}`, body);
  const opened = async (who: Desk, id: string) => {
    const r = await who.get(`/api/v1/cases/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { case: { status: string; version: number; policeUnitId: string | null; source: string; deadline: { kind: string; at: string } | null; verifyExtended: boolean; outcome: string | null; assigneeId: string | null }; content: { report: { description: string } } | null; history: { action: string }[]; allowedActions: string[] };
  };
  const expectOk = (res: { status: number; body: unknown }, what: string) => assert.equal(res.status, 200, `${what}: ${res.status} ${JSON.stringify(res.body)}`);

  /** A tip submitted, routed, triaged actionable and forwarded with the default unit; returns its id. */
  async function aForwardedCase(communeCode: string, description = aTip().description) {
    const id = await submitAndFind(app, aTip({ communeCode, description }));
    await routed(app.ctx, id);
    expectOk(await act(desk.liaison, id, "triage", { outcome: "actionable" }), "triage");
    expectOk(await act(desk.liaison, id, "forward"), "forward");
    return id;
  }

  /** The person whose job a move is: the liaison, the case's police unit, or the administrator. */
  function attempt(move: Move, id: string, police: Desk) {
    switch (move) {
      case "assign":
        return { by: "liaison", res: act(desk.liaison, id, "assign", { assigneeId: liaison.id }) };
      case "triage":
        return { by: "liaison", res: act(desk.liaison, id, "triage", { outcome: "actionable" }) };
      case "forward":
        return { by: "liaison", res: act(desk.liaison, id, "forward") };
      case "refer":
        return { by: "liaison", res: act(desk.liaison, id, "resolve", { outcome: "referred_counselling" }) };
      case "close":
        return { by: "liaison", res: act(desk.liaison, id, "close") };
      case "acknowledge":
        return { by: "police", res: act(police, id, "acknowledge") };
      case "verify":
        return { by: "police", res: act(police, id, "verify") };
      case "extend":
        return { by: "police", res: act(police, id, "verify", { extend: true, reason: "Cần thêm thời gian xác minh" }) };
      case "resolve":
        return { by: "police", res: act(police, id, "resolve", { outcome: "nothing_found" }) };
      case "reopen":
        return { by: "admin", res: act(desk.admin, id, "reopen", { reason: "Có thông tin mới" }) };
    }
  }

  /** Try every move that is not allowed from `state`; each is refused and the case does not change. */
  async function everyIllegalMoveIsRefused(id: string, state: string, police: Desk = desk.districtPolice) {
    const before = await caseRow(app.ctx, id);
    assert.equal(before.status, state);
    const moves = (Object.keys({ assign: 1, triage: 1, forward: 1, acknowledge: 1, verify: 1, extend: 1, resolve: 1, refer: 1, close: 1, reopen: 1 }) as Move[]).filter((m) => !LEGAL[state]!.includes(m));
    assert.ok(moves.length >= 6, `expected most moves to be illegal from ${state}`);
    for (const move of moves) {
      const { by, res: pending } = attempt(move, id, police);
      const res = await pending;
      const said = `${move} from ${state}: ${res.status} ${JSON.stringify(res.body)}`;
      if (by === "police" && !WITH_POLICE.has(state)) {
        assert.equal(res.status, 403, said);
        continue;
      }
      assert.equal(res.status, 409, said);
      assert.equal(res.body.error.code, "illegal_transition", said);
      assert.equal(res.body.error.currentStatus, state, said);
      assert.match(res.body.error.message, new RegExp(state), said);
    }
    const after = await caseRow(app.ctx, id);
    assert.equal(after.status, state, "a refused move changes nothing");
    assert.equal(after.version, before.version, "a refused move changes nothing");
  }

  it("when a tipster submits a tip, then by the next sweep (every second in the tests) a liaison has it, and it moves through triage, forwarding, acknowledgement, verification (extended with a reason), resolution, closure and reopening — refusing every illegal move on the way", async () => {
    const before = await tipIds(app.ctx);
    const sent = await submitTip(app.url, aTip({ communeCode: DISTRICT_COMMUNE }));
    const acceptedAt = Date.now();
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const id = [...(await tipIds(app.ctx))].find((t) => !before.has(t))!;

    const inbox = await within(5_000, "the case in the liaison's inbox", async () => {
      const r = await desk.liaison.get("/api/v1/cases?status=assigned");
      return (r.body.cases as { id: string; assigneeId: string | null }[] | undefined)?.find((c) => c.id === id && c.assigneeId);
    });
    const tookMs = Date.now() - acceptedAt;
    assert.ok(tookMs < 3000, `routed in ${tookMs} ms, expected by the next sweep (one a second here)`);
    assert.ok([liaison.id, otherLiaison.id].includes(inbox.assigneeId!), "assigned to a liaison of the district");
    // The other liaison of the district sees the assignment too.
    const seenByOther = await desk.otherLiaison.get("/api/v1/cases?status=assigned");
    assert.ok((seenByOther.body.cases as { id: string }[]).some((c) => c.id === id));
    await everyIllegalMoveIsRefused(id, "assigned");

    let c = await opened(desk.liaison, id);
    assert.equal(c.content?.report.description, aTip().description);
    assert.equal(c.case.deadline?.kind, "triage");
    const triaged = await act(desk.liaison, id, "triage", { outcome: "actionable", version: c.case.version });
    expectOk(triaged, "triage");
    assert.equal(triaged.body.case.status, "actionable");
    await everyIllegalMoveIsRefused(id, "actionable");

    const forwarded = await act(desk.liaison, id, "forward");
    expectOk(forwarded, "forward");
    assert.equal(forwarded.body.case.status, "forwarded");
    assert.equal(forwarded.body.case.policeUnitId, districtUnit, "the district's rule chose the unit");
    assert.equal(forwarded.body.case.deadline.kind, "acknowledge");
    await everyIllegalMoveIsRefused(id, "forwarded");

    // The unit's officer reads the tip; an officer of another unit may neither read nor act.
    c = await opened(desk.districtPolice, id);
    assert.equal(c.content?.report.description, aTip().description);
    assert.ok(c.allowedActions.includes("acknowledge"));
    assert.equal((await desk.communePolice.get(`/api/v1/cases/${id}`)).status, 403);
    assert.equal((await act(desk.communePolice, id, "acknowledge")).status, 403);
    assert.ok(!((await desk.communePolice.get("/api/v1/cases")).body.cases as { id: string }[]).some((x) => x.id === id), "not in the other unit's inbox");

    const acknowledged = await act(desk.districtPolice, id, "acknowledge");
    expectOk(acknowledged, "acknowledge");
    assert.equal(acknowledged.body.case.status, "acknowledged");
    assert.equal(acknowledged.body.case.deadline.kind, "verify");
    await everyIllegalMoveIsRefused(id, "acknowledged");

    const verifying = await act(desk.districtPolice, id, "verify");
    expectOk(verifying, "verify");
    assert.equal(verifying.body.case.status, "verifying");
    await everyIllegalMoveIsRefused(id, "verifying");

    assert.equal((await act(desk.districtPolice, id, "verify", { extend: true })).status, 400, "an extension needs a reason");
    const extended = await act(desk.districtPolice, id, "verify", { extend: true, reason: "Cần giám định mẫu cây, điều 147" });
    expectOk(extended, "extend");
    assert.equal(extended.body.case.verifyExtended, true);
    assert.ok(Date.parse(extended.body.case.deadline.at) > Date.parse(verifying.body.case.deadline.at) + 30 * 86_400_000, "the verification deadline moved to two months");
    const again = await act(desk.districtPolice, id, "verify", { extend: true, reason: "Lần nữa" });
    assert.equal(again.status, 409, "extendable once");
    assert.equal(again.body.error.code, "already_extended");

    const resolved = await act(desk.districtPolice, id, "resolve", { outcome: "spot_eliminated" });
    expectOk(resolved, "resolve");
    assert.equal(resolved.body.case.status, "resolved");
    assert.equal(resolved.body.case.outcome, "spot_eliminated");
    await everyIllegalMoveIsRefused(id, "resolved");

    const closed = await act(desk.liaison, id, "close");
    expectOk(closed, "close");
    assert.equal(closed.body.case.status, "closed");
    await everyIllegalMoveIsRefused(id, "closed");

    assert.equal((await act(desk.admin, id, "reopen", { reason: "" })).status, 400, "reopening needs a reason");
    assert.equal((await act(desk.liaison, id, "reopen", { reason: "Có thông tin mới" })).status, 403, "only an administrator reopens");
    const reopened = await act(desk.admin, id, "reopen", { reason: "Người dân báo vườn cây mọc lại" });
    expectOk(reopened, "reopen");
    assert.equal(reopened.body.case.status, "assigned");
    assert.equal(reopened.body.case.deadline.kind, "triage", "the triage clock runs again");

    const history = (await opened(desk.admin, id)).history.map((h) => h.action).filter((a) => a !== "case.content_viewed");
    assert.deepEqual(history, ["case.assign", "case.triage", "case.forward", "case.acknowledge", "case.verify", "case.extend", "case.resolve", "case.close", "case.reopen"]);
  });

  it("when a tip has not been routed yet, or waits for the tipster's answer, then every move but assigning and triaging is refused", async () => {
    await app.ctx.queues.routeTip.pause();
    let waiting = "";
    try {
      waiting = await submitAndFind(app, aTip({ communeCode: DISTRICT_COMMUNE }));
      await everyIllegalMoveIsRefused(waiting, "received");
    } finally {
      await app.ctx.queues.routeTip.resume();
    }
    await routed(app.ctx, waiting);

    const asked = await act(desk.liaison, waiting, "triage", { outcome: "needs_info", text: "Anh/chị thấy vườn này vào giờ nào?" });
    expectOk(asked, "triage needs_info");
    assert.equal(asked.body.case.status, "needs_info");
    await everyIllegalMoveIsRefused(waiting, "needs_info");
  });

  it("when the administrator gives a commune to another unit than its district, then that commune's case goes to that unit and the rest of the district to the district's unit", async () => {
    const rules = await desk.admin.get("/api/v1/admin/coverage");
    assert.deepEqual(
      (rules.body.coverage as { unitCode: string; policeUnitId: string }[]).filter((r) => [DISTRICT, EXCEPTION_COMMUNE].includes(r.unitCode)).sort((a, b) => a.unitCode.localeCompare(b.unitCode)),
      [
        { unitCode: EXCEPTION_COMMUNE, policeUnitId: communeUnit },
        { unitCode: DISTRICT, policeUnitId: districtUnit },
      ].sort((a, b) => a.unitCode.localeCompare(b.unitCode)),
    );
    const fromCommune = await aForwardedCase(EXCEPTION_COMMUNE);
    const fromDistrict = await aForwardedCase(DISTRICT_COMMUNE);
    assert.equal((await caseRow(app.ctx, fromCommune)).forwarded_unit_id, communeUnit);
    assert.equal((await caseRow(app.ctx, fromDistrict)).forwarded_unit_id, districtUnit);
    const communeInbox = ((await desk.communePolice.get("/api/v1/cases")).body.cases as { id: string }[]).map((x) => x.id);
    assert.ok(communeInbox.includes(fromCommune) && !communeInbox.includes(fromDistrict));
    assert.equal((await desk.communePolice.get(`/api/v1/cases/${fromDistrict}`)).status, 403, "an officer of another unit is refused");
    assert.equal((await act(desk.districtPolice, fromCommune, "acknowledge")).status, 403, "an officer of another unit cannot act");
    expectOk(await act(desk.communePolice, fromCommune, "acknowledge"), "the exception unit acknowledges");
  });

  it("when two liaisons triage the same case at the same moment with the same version, then exactly one succeeds and the other gets 409", async () => {
    const id = await submitAndFind(app, aTip({ communeCode: DISTRICT_COMMUNE }));
    const { version } = await routed(app.ctx, id);
    const [a, b] = await Promise.all([
      act(desk.liaison, id, "triage", { outcome: "actionable", version }),
      act(desk.otherLiaison, id, "triage", { outcome: "not_actionable", reasonCode: "insufficient", text: "Không đủ thông tin", version }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409], `${a.status} ${JSON.stringify(a.body)} / ${b.status} ${JSON.stringify(b.body)}`);
    const loser = a.status === 409 ? a : b;
    assert.equal(loser.body.error.code, "conflict");
    assert.ok(loser.body.error.message.length > 10, "a clear message");
    const after = await caseRow(app.ctx, id);
    assert.equal(after.version, version + 1, "one change only");
    assert.equal(after.status, a.status === 200 ? "actionable" : "closed", "the winner's decision stands");
    const { rows } = await app.ctx.database.pool.query("SELECT 1 FROM audit_log WHERE action = 'case.triage' AND subject_id = $1", [id]);
    assert.equal(rows.length, 1, "one audit row");
  });

  it("when a tipster asks for help, then the case cannot be forwarded to police (409), is resolved by the liaison as referred to counselling, and no police officer ever sees it", async () => {
    const id = await submitAndFind(app, aTip({ category: "help_request", communeCode: DISTRICT_COMMUNE, description: "Em tôi nghiện, gia đình cần được tư vấn cai nghiện." }));
    await routed(app.ctx, id);
    expectOk(await act(desk.liaison, id, "triage", { outcome: "actionable" }), "triage");
    const byDefault = await act(desk.liaison, id, "forward");
    assert.equal(byDefault.status, 409, JSON.stringify(byDefault.body));
    assert.equal(byDefault.body.error.code, "help_request_not_forwardable");
    const chosen = await act(desk.liaison, id, "forward", { policeUnitId: districtUnit });
    assert.equal(chosen.status, 409);
    assert.equal((await caseRow(app.ctx, id)).status, "actionable");
    assert.equal((await act(desk.liaison, id, "resolve", { outcome: "spot_eliminated" })).status, 403, "a liaison does not give police outcomes");

    const referred = await act(desk.liaison, id, "resolve", { outcome: "referred_counselling" });
    expectOk(referred, "refer");
    assert.equal(referred.body.case.status, "resolved");
    assert.equal(referred.body.case.outcome, "referred_counselling");
    assert.equal((await caseRow(app.ctx, id)).forwarded_unit_id, null);
    for (const police of [desk.districtPolice, desk.communePolice]) {
      assert.equal((await police.get(`/api/v1/cases/${id}`)).status, 403);
      const all = (await police.get("/api/v1/cases?category=help_request")).body.cases as { id: string }[];
      assert.equal(all.length, 0, "no help request in a police inbox");
    }
    const { rows } = await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tip_key_wraps w JOIN staff_users u ON u.id = w.user_id WHERE w.tip_id = $1 AND u.role = 'police'", [id]);
    assert.equal(rows[0].n, 0, "no police officer holds its key");
  });

  it("when a liaison records a tip from the paper mailbox, then it is routed like a web tip and keeps the source 'mailbox'", async () => {
    const description = "Thư bỏ hòm thư trường THCS: có người bán ma túy ở cổng trường buổi chiều.";
    const recorded = await desk.liaison.post("/api/v1/cases", { source: "mailbox", ...aTip({ category: "selling", communeCode: DISTRICT_COMMUNE, description }) });
    const recordedAt = Date.now();
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
    const id: string = recorded.body.id;
    const row = await routed(app.ctx, id);
    const tookMs = Date.now() - recordedAt;
    assert.ok(tookMs < 3000, `routed in ${tookMs} ms, expected by the next sweep (one a second here), like a web tip`);
    assert.equal(row.status, "assigned");
    assert.ok([liaison.id, otherLiaison.id].includes(row.assignee_id!));
    assert.equal(row.deadline_kind, "triage");
    const c = await opened(desk.otherLiaison, id);
    assert.equal(c.case.source, "mailbox");
    assert.equal(c.content?.report.description, description);
    assert.ok(c.history.some((h) => h.action === "case.assign"));
    const listed = (await desk.liaison.get("/api/v1/cases")).body.cases as { id: string; source: string }[];
    assert.equal(listed.find((x) => x.id === id)?.source, "mailbox");

    const elsewhere = await aStaffMember(app.ctx, "liaison", "832");
    const outsider = await deskOf(app, elsewhere.email);
    assert.equal((await outsider.post("/api/v1/cases", { source: "mailbox", ...aTip({ communeCode: DISTRICT_COMMUNE }) })).status, 403, "a liaison records tips of their own district only");
    assert.equal((await desk.liaison.post("/api/v1/cases", { source: "web", ...aTip() })).status, 400, "only paper or phone can be recorded");
  });

  it("when a new officer joins the unit after the case was forwarded, then they see the case without its content until a member of the unit grants access", async () => {
    const id = await aForwardedCase(DISTRICT_COMMUNE, "Điểm bán ở nhà trọ số 7, thường có người ra vào ban đêm.");
    const newcomer = await aPoliceOfficer(app.ctx, districtUnit);
    const asNewcomer = await deskOf(app, newcomer.email);
    const before = await opened(asNewcomer, id);
    assert.equal(before.case.status, "forwarded");
    assert.equal(before.content, null, "no key yet");

    const stranger = await aPoliceOfficer(app.ctx, communeUnit);
    const refused = await desk.districtPolice.post(`/api/v1/cases/${id}/grant-access`, { userId: stranger.id });
    assert.equal(refused.status, 400, "an officer of another unit is not entitled");

    const granted = await desk.districtPolice.post(`/api/v1/cases/${id}/grant-access`, { userId: newcomer.id });
    assert.equal(granted.status, 204, JSON.stringify(granted.body));
    const after = await opened(asNewcomer, id);
    assert.equal(after.content?.report.description, "Điểm bán ở nhà trọ số 7, thường có người ra vào ban đêm.");
  });
  it("when a case triaged as false or malicious is reopened, then it stops counting as misuse until it is triaged again", async () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const triage = async () => {
      const r = await desk.admin.get(`/api/v1/stats?from=${today}&to=${today}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const t = r.body.triage as { byOutcome: Record<string, number>; falseOrMalicious: number };
      return { triaged: Object.values(t.byOutcome).reduce((a, b) => a + b, 0), falseOrMalicious: t.falseOrMalicious };
    };
    const id = await submitAndFind(app, aTip({ communeCode: DISTRICT_COMMUNE }));
    await routed(app.ctx, id);
    const before = await triage();
    expectOk(await act(desk.liaison, id, "triage", { outcome: "not_actionable", reasonCode: "false_or_malicious", text: "Tin sai sự thật, đã xác minh với ấp." }), "triage");
    assert.deepEqual(await triage(), { triaged: before.triaged + 1, falseOrMalicious: before.falseOrMalicious + 1 });

    expectOk(await act(desk.admin, id, "reopen", { reason: "Người báo tin bổ sung thông tin mới" }), "reopen");
    const { rows } = await app.ctx.database.pool.query("SELECT triage_outcome, not_actionable_reason FROM tips WHERE id = $1", [id]);
    assert.deepEqual(rows[0], { triage_outcome: null, not_actionable_reason: null }, "the reason goes with the decision it explained");
    assert.deepEqual(await triage(), before, "neither triaged nor misuse until triaged again");

    expectOk(await act(desk.liaison, id, "triage", { outcome: "actionable" }), "triage again");
    assert.deepEqual(await triage(), { triaged: before.triaged + 1, falseOrMalicious: before.falseOrMalicious });
    await assert.rejects(
      // What a reopening used to leave: a reason without its outcome.
      app.ctx.database.pool.query("UPDATE tips SET triage_outcome = NULL, not_actionable_reason = 'other' WHERE id = $1", [id]),
      (err: { code?: string; constraint?: string }) => err.code === "23514" && err.constraint === "tips_reason_with_not_actionable",
    );
  });
  it("when a case triaged as a duplicate is reopened, then it no longer points to the original, and the database refuses a link without its outcome", async () => {
    const original = await submitAndFind(app, aTip({ communeCode: DISTRICT_COMMUNE }));
    const copy = await submitAndFind(app, aTip({ communeCode: DISTRICT_COMMUNE }));
    await routed(app.ctx, original);
    await routed(app.ctx, copy);
    expectOk(await act(desk.liaison, copy, "triage", { outcome: "duplicate", duplicateOfId: original }), "triage as duplicate");
    const link = async () => (await app.ctx.database.pool.query("SELECT triage_outcome, duplicate_of_id FROM tips WHERE id = $1", [copy])).rows[0];
    assert.deepEqual(await link(), { triage_outcome: "duplicate", duplicate_of_id: original });

    expectOk(await act(desk.admin, copy, "reopen", { reason: "Không trùng: khác địa điểm" }), "reopen");
    assert.deepEqual(await link(), { triage_outcome: null, duplicate_of_id: null }, "the link goes with the decision");
    await assert.rejects(
      app.ctx.database.pool.query("UPDATE tips SET duplicate_of_id = $1 WHERE id = $2", [original, copy]),
      (err: { code?: string; constraint?: string }) => err.code === "23514" && err.constraint === "tips_duplicate_with_outcome",
    );
  });
});
