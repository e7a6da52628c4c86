/**
 * The case workflow (src/cases/workflow.ts) as a table: every transition from
 * every status, allowed or refused with 409 naming the current state; the
 * policy action guarding each transition; where a triage leads; and the four
 * words a tipster sees. Written out by hand so a change shows as a failing row.
 */
import assert from "node:assert/strict";
import { HttpError } from "../../src/errors.js";
import { assertCanMove, OPEN_STATUSES, publicStatus, RULES, statusAfterTriage, STATUSES, TRIAGE_OUTCOMES, type Transition } from "../../src/cases/workflow.js";

/** transition → the statuses it may start from, and the policy action that guards it. */
const TABLE: Record<Transition, { from: string; action: string }> = {
  assign: { from: "received assigned needs_info actionable", action: "case.assign" },
  triage: { from: "received assigned needs_info", action: "case.triage" },
  forward: { from: "actionable forwarded", action: "case.forward" },
  acknowledge: { from: "forwarded", action: "case.acknowledge" },
  verify: { from: "acknowledged", action: "case.verify" },
  extend: { from: "verifying", action: "case.verify" },
  resolve: { from: "acknowledged verifying", action: "case.resolve" },
  refer: { from: "actionable", action: "case.triage" },
  close: { from: "resolved", action: "case.close" },
  reopen: { from: "closed", action: "case.reopen" },
  answer: { from: "needs_info", action: "case.view" },
  return: { from: "needs_info", action: "case.view" },
};

describe("workflow table: transition × status (src/cases/workflow)", () => {
  it("the statuses, in order, and which are open", () => {
    assert.deepEqual([...STATUSES], ["received", "assigned", "needs_info", "actionable", "forwarded", "acknowledged", "verifying", "resolved", "closed"]);
    assert.deepEqual(OPEN_STATUSES, ["received", "assigned", "needs_info", "actionable", "forwarded", "acknowledged", "verifying"]);
  });

  it("every transition is in the table, with its guarding policy action", () => {
    assert.deepEqual(Object.keys(RULES).sort(), Object.keys(TABLE).sort());
    for (const [t, row] of Object.entries(TABLE)) assert.equal(RULES[t as Transition].action, row.action, t);
  });

  for (const [transition, row] of Object.entries(TABLE) as [Transition, { from: string }][]) {
    it(`${transition}: allowed from ${row.from} only; from anything else 409 illegal_transition naming the state`, () => {
      const allowed = new Set(row.from.split(" "));
      for (const status of [...STATUSES, "unknown"]) {
        if (allowed.has(status)) {
          assert.doesNotThrow(() => assertCanMove(status, transition), `${transition} from ${status}`);
          continue;
        }
        assert.throws(
          () => assertCanMove(status, transition),
          (e: unknown) => e instanceof HttpError && e.status === 409 && e.code === "illegal_transition" && e.extra?.currentStatus === status && e.extra?.transition === transition,
          `${transition} from ${status}`,
        );
      }
    });
  }

  it("a triage outcome leads to actionable, needs_info or closed", () => {
    assert.deepEqual([...TRIAGE_OUTCOMES], ["actionable", "duplicate", "needs_info", "not_actionable"]);
    assert.equal(statusAfterTriage("actionable"), "actionable");
    assert.equal(statusAfterTriage("needs_info"), "needs_info");
    assert.equal(statusAfterTriage("duplicate"), "closed");
    assert.equal(statusAfterTriage("not_actionable"), "closed");
  });

  it("the tipster sees four words that only move forward", () => {
    const expected: Record<string, [string, string]> = {
      // status: [not yet triaged, triaged before]
      received: ["received", "in_review"],
      assigned: ["received", "in_review"],
      needs_info: ["in_review", "in_review"],
      actionable: ["in_review", "in_review"],
      forwarded: ["forwarded", "forwarded"],
      acknowledged: ["forwarded", "forwarded"],
      verifying: ["forwarded", "forwarded"],
      resolved: ["done", "done"],
      closed: ["done", "done"],
    };
    for (const status of STATUSES) {
      assert.equal(publicStatus(status), expected[status]![0], status);
      assert.equal(publicStatus(status, true), expected[status]![1], `${status}, triaged`);
    }
  });
});
