/**
 * "Overdue" in a report: the cases that were overdue at some moment of the
 * period — a deadline fell due before the period's end and was not met (or
 * replaced, or stopped) before its start — against an independent
 * calculation over generated deadlines. "Overdue now" is another figure,
 * the same whatever the period.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { useTestApp, resetData } from "../support/app.js";
import { computeStats } from "../../src/stats/statistics.js";
import { aStaffMember } from "../support/factories.js";

const DAY = 86_400_000;

interface GenDeadline {
  /** Days from the period's start to when the deadline fell due (may be before the period). */
  dueDay: number;
  /** Days it stayed running after falling due (negative: met before it fell due); null: still running. */
  ranDays: number | null;
}

describe("statistics: cases overdue during the period", function () {
  this.timeout(120_000);
  const app = useTestApp();

  it("when deadlines fall due and end before, inside and after a month, then the report counts exactly the cases overdue at some moment of it, whatever is overdue now", async () => {
    // A closed month in the past, so that "now" is after it; and a month still running (now inside it).
    const from = new Date("2025-03-31T17:00:00Z"); // 1 April 2025, 00:00 in Bến Tre
    const to = new Date("2025-04-30T17:00:00Z");
    const nowMonth = { from: new Date(Date.now() - 10 * DAY), to: new Date(Date.now() + 20 * DAY) };
    const deadline = fc.record({ dueDay: fc.integer({ min: -40, max: 40 }), ranDays: fc.option(fc.integer({ min: -5, max: 40 }), { nil: null }) });
    const gen = fc.array(fc.array(deadline, { minLength: 1, maxLength: 3 }), { minLength: 30, maxLength: 30 });
    const cases = fc.sample(gen, { numRuns: 1, seed: 20250401 })[0]!;

    for (const period of [{ from, to }, nowMonth]) {
      await resetData(app);
      // An assigned case has its liaison (migration 0008); a "received" one would be routed by the sweep, starting a clock.
      const liaison = await aStaffMember(app.ctx, "liaison", "831");
      const now = Date.now();
      let expected = 0;
      let expectedNow = 0;
      for (const deadlines of cases as GenDeadline[][]) {
        const id = randomUUID();
        // A case has one running deadline at most: only the last may still run.
        const shaped = deadlines.map((d, i) => ({ ...d, ranDays: i < deadlines.length - 1 && d.ranDays === null ? 1 : d.ranDays }));
        const last = shaped[shaped.length - 1]!;
        const lastDue = period.from.getTime() + last.dueDay * DAY;
        await app.ctx.database.db.execute(sql`
          INSERT INTO tips (id, received_at, category, district_code, commune_code, status, assignee_id, deadline_at, deadline_from, deadline_kind, public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key)
          VALUES (${id}, ${new Date(period.from.getTime() - 60 * DAY).toISOString()}, 'selling', '831', '28801', 'assigned', ${liaison.id},
                  ${last.ranDays === null ? new Date(lastDue).toISOString() : null}, ${last.ranDays === null ? new Date(lastDue - DAY).toISOString() : null}, ${last.ranDays === null ? "triage" : null},
                  ${randomBytes(32)}, ${randomBytes(32)}, ${randomBytes(72)}, ${randomBytes(80)})`);
        let overdue = false;
        for (const d of shaped) {
          const due = period.from.getTime() + d.dueDay * DAY;
          const ended = d.ranDays === null ? null : due + d.ranDays * DAY;
          await app.ctx.database.db.execute(sql`
            INSERT INTO case_deadlines (tip_id, kind, started_at, due_at, ended_at)
            VALUES (${id}, 'triage', ${new Date(due - DAY).toISOString()}, ${new Date(due).toISOString()}, ${ended === null ? null : new Date(ended).toISOString()})`);
          // Independently: overdue from `due` to its end (or now), if that stretch is not empty; does it meet the period?
          const stretchEnd = ended ?? now;
          if (stretchEnd > due && Math.max(due, period.from.getTime()) < Math.min(stretchEnd, period.to.getTime())) overdue = true;
        }
        if (overdue) expected++;
        if (last.ranDays === null && lastDue < now) expectedNow++;
      }
      const s = await computeStats(app.ctx.database.db, app.ctx.config, period);
      assert.ok(expected > 3 && expected < 27, `the generated data is mixed (${expected} of 30)`);
      assert.equal(s.overdueInPeriod, expected, `overdue during ${period.from.toISOString()}…${period.to.toISOString()}`);
      assert.equal(s.overdueNow, expectedNow, "overdue now");
      const yearBefore = { from: new Date(period.from.getTime() - 400 * DAY), to: new Date(period.from.getTime() - 300 * DAY) };
      const other = await computeStats(app.ctx.database.db, app.ctx.config, yearBefore);
      assert.equal(other.overdueInPeriod, 0, "a year earlier nothing was overdue");
      assert.equal(other.overdueNow, expectedNow, "overdue now does not depend on the period");
    }
  });
});
