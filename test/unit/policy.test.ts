/**
 * The authorization policy (src/policies) as a table: role × action ×
 * jurisdiction. The expected answers are written out here by hand, not derived
 * from the policy's own constants, so a change to who may do what shows up as
 * a failing row. Every (actor, subject, action) is asked; anything not listed
 * as allowed must be refused (deny by default).
 */
import assert from "node:assert/strict";
import { HttpError } from "../../src/errors.js";
import { authorize, authorizeCase, can, canOnCase, type Actor, type CaseAction, type CaseSubject, type GeneralAction } from "../../src/policies/index.js";

const U1 = "00000000-0000-4000-8000-000000000001";
const U2 = "00000000-0000-4000-8000-000000000002";

const actors = {
  admin: { id: "a", role: "admin", districtCode: null, policeUnitId: null },
  "liaison of 831": { id: "l1", role: "liaison", districtCode: "831", policeUnitId: null },
  "liaison of 832": { id: "l2", role: "liaison", districtCode: "832", policeUnitId: null },
  "police of U1": { id: "p1", role: "police", districtCode: null, policeUnitId: U1 },
  "police of U2": { id: "p2", role: "police", districtCode: null, policeUnitId: U2 },
  "police without unit": { id: "p0", role: "police", districtCode: null, policeUnitId: null },
  "supervisor of the province": { id: "s0", role: "supervisor", districtCode: null, policeUnitId: null },
  "supervisor of 831": { id: "s1", role: "supervisor", districtCode: "831", policeUnitId: null },
} satisfies Record<string, Actor>;
type ActorName = keyof typeof actors;

const CASE_ACTIONS: CaseAction[] = [
  "case.view", "case.viewContent", "case.downloadPhoto", "case.assign", "case.triage", "case.forward", "case.acknowledge",
  "case.verify", "case.resolve", "case.close", "case.reopen", "case.messageTipster", "case.revealContact", "case.grantAccess",
];
const GENERAL_ACTIONS: GeneralAction[] = [
  "case.list", "case.record", "users.manage", "units.manage", "audit.view", "stats.view", "stats.export", "queues.manage",
  "settings.manage", "recovery.use", "model.manage", "report.file", "communes.view", "communes.classify", "help.manage",
];

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean).map((w) => (w.includes(".") ? w : `case.${w}`)));
/** What the Youth Union does on a case (admin and the district's liaison). */
const YU = "view viewContent downloadPhoto assign triage forward close messageTipster revealContact grantAccess";
/** What the police unit a case was forwarded to does on it. */
const POLICE = "view viewContent downloadPhoto acknowledge verify resolve grantAccess";

const subjects = {
  "open case in 831": { districtCode: "831", category: "cultivation", status: "assigned", forwardedUnitId: null },
  "received case in 832": { districtCode: "832", category: "selling", status: "received", forwardedUnitId: null },
  "case in 831 forwarded to U1": { districtCode: "831", category: "cultivation", status: "forwarded", forwardedUnitId: U1 },
  "case in 831 acknowledged by U1": { districtCode: "831", category: "selling", status: "acknowledged", forwardedUnitId: U1 },
  "case in 831 verifying at U1": { districtCode: "831", category: "selling", status: "verifying", forwardedUnitId: U1 },
  "case in 831 resolved by U1": { districtCode: "831", category: "luring", status: "resolved", forwardedUnitId: U1 },
  "case in 831 closed after U1": { districtCode: "831", category: "selling", status: "closed", forwardedUnitId: U1 },
  "case in 831 back with the liaison after U1": { districtCode: "831", category: "selling", status: "actionable", forwardedUnitId: U1 },
  "help request in 831 (marked U1)": { districtCode: "831", category: "help_request", status: "forwarded", forwardedUnitId: U1 },
} satisfies Record<string, CaseSubject>;
type SubjectName = keyof typeof subjects;

/** Allowed case actions per actor and case; a missing entry means nothing is allowed. */
const caseTable: Record<ActorName, Partial<Record<SubjectName, string>>> = {
  admin: Object.fromEntries(Object.keys(subjects).map((s) => [s, `${YU} reopen`])),
  "liaison of 831": {
    "open case in 831": YU,
    "case in 831 forwarded to U1": YU,
    "case in 831 acknowledged by U1": YU,
    "case in 831 verifying at U1": YU,
    "case in 831 resolved by U1": YU,
    "case in 831 closed after U1": YU,
    "case in 831 back with the liaison after U1": YU,
    "help request in 831 (marked U1)": YU,
  },
  "liaison of 832": { "received case in 832": YU },
  "police of U1": {
    "case in 831 forwarded to U1": POLICE,
    "case in 831 acknowledged by U1": POLICE,
    "case in 831 verifying at U1": POLICE,
    "case in 831 resolved by U1": POLICE,
    "case in 831 closed after U1": POLICE,
  },
  "police of U2": {},
  "police without unit": {},
  "supervisor of the province": {},
  "supervisor of 831": {},
};

/** Allowed general actions per actor, with no district named, in 831 and in 832. */
const ALWAYS_ADMIN = "case.list case.record users.manage units.manage audit.view stats.view stats.export queues.manage settings.manage recovery.use model.manage report.file communes.view communes.classify help.manage";
const generalTable: Record<ActorName, { any: string; "831": string; "832": string }> = {
  admin: { any: ALWAYS_ADMIN, "831": ALWAYS_ADMIN, "832": ALWAYS_ADMIN },
  "liaison of 831": {
    any: "case.list case.record model.manage report.file communes.view stats.view stats.export",
    "831": "case.list case.record model.manage report.file communes.view stats.view stats.export",
    "832": "case.list",
  },
  "liaison of 832": {
    any: "case.list case.record model.manage report.file communes.view stats.view stats.export",
    "831": "case.list",
    "832": "case.list case.record model.manage report.file communes.view stats.view stats.export",
  },
  "police of U1": { any: "case.list communes.view communes.classify", "831": "case.list communes.view communes.classify", "832": "case.list communes.view communes.classify" },
  "police of U2": { any: "case.list communes.view communes.classify", "831": "case.list communes.view communes.classify", "832": "case.list communes.view communes.classify" },
  "police without unit": { any: "case.list communes.view communes.classify", "831": "case.list communes.view communes.classify", "832": "case.list communes.view communes.classify" },
  "supervisor of the province": { any: "audit.view stats.view stats.export communes.view", "831": "audit.view stats.view stats.export communes.view", "832": "audit.view stats.view stats.export communes.view" },
  "supervisor of 831": { any: "audit.view stats.view stats.export communes.view", "831": "audit.view stats.view stats.export communes.view", "832": "" },
};

const isForbidden = (e: unknown) => e instanceof HttpError && e.status === 403 && e.code === "forbidden";

describe("policy table: role × action × jurisdiction (src/policies)", () => {
  for (const [actorName, actor] of Object.entries(actors) as [ActorName, Actor][]) {
    it(`${actorName}: every case action on every case is as the table says`, () => {
      for (const [subjectName, subject] of Object.entries(subjects) as [SubjectName, CaseSubject][]) {
        const allowed = words(caseTable[actorName][subjectName] ?? "");
        for (const action of CASE_ACTIONS) {
          const expected = allowed.has(action);
          const where = `${actorName} / ${action} / ${subjectName}`;
          assert.equal(canOnCase(actor, action, subject), expected, where);
          if (expected) assert.doesNotThrow(() => authorizeCase(actor, action, subject), where);
          else assert.throws(() => authorizeCase(actor, action, subject), isForbidden, where);
        }
      }
    });

    it(`${actorName}: every general action, with no district and in each district, is as the table says`, () => {
      for (const scope of ["any", "831", "832"] as const) {
        const allowed = words(generalTable[actorName][scope]);
        for (const action of GENERAL_ACTIONS) {
          const expected = allowed.has(action);
          const where = `${actorName} / ${action} / ${scope}`;
          const arg = scope === "any" ? undefined : { districtCode: scope };
          assert.equal(can(actor, action, arg), expected, where);
          if (expected) assert.doesNotThrow(() => authorize(actor, action, arg), where);
          else assert.throws(() => authorize(actor, action, arg), isForbidden, where);
        }
      }
    });
  }

  it("the table names every action of the policy's types (a new action must get a row)", () => {
    assert.equal(new Set(CASE_ACTIONS).size, 14);
    assert.equal(new Set(GENERAL_ACTIONS).size, 15);
    for (const table of Object.values(caseTable)) {
      for (const list of Object.values(table)) for (const a of words(list ?? "")) assert.ok(CASE_ACTIONS.includes(a as CaseAction), a);
    }
    for (const row of Object.values(generalTable)) {
      for (const list of Object.values(row)) for (const a of words(list)) assert.ok(GENERAL_ACTIONS.includes(a as GeneralAction), a);
    }
  });

  it("deny by default: an unknown action or role is refused", () => {
    for (const actor of Object.values(actors) as Actor[]) {
      assert.equal(can(actor, "something.new" as GeneralAction), false);
      assert.equal(canOnCase(actor, "case.somethingNew" as CaseAction, subjects["open case in 831"]), false);
    }
    const stranger = { id: "x", role: "tipster", districtCode: null, policeUnitId: null } as unknown as Actor;
    for (const action of CASE_ACTIONS) assert.equal(canOnCase(stranger, action, subjects["open case in 831"]), false, action);
    for (const action of GENERAL_ACTIONS) assert.equal(can(stranger, action), false, action);
  });
});
