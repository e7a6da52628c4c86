/**
 * The duration figures (src/stats/durations.ts) give PostgreSQL's own
 * percentile_cont, to the last bit, whichever way they are computed: sorting
 * the period's durations or walking the duration's index to the rank.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { durationFigures, type DurationColumn } from "../../src/stats/durations.js";
import { insertTip } from "./tipFixture.js";

describe("duration figures: the sort and the index walk agree with percentile_cont", function () {
  this.timeout(120_000);
  const app = useTestApp();
  beforeEach(async () => resetData(app));
  const db = () => app.ctx.database.db;
  const year = sql`received_at >= '2024-12-31T17:00:00Z' AND received_at < '2025-12-31T17:00:00Z'`;
  const limit = sql`CASE WHEN urgent THEN 14400::float8 ELSE 86400::float8 END`;

  /** What PostgreSQL says directly. */
  async function expected(column: DurationColumn, where = year) {
    const c = sql.raw(column);
    const r = await db().execute<{ pct: number[] | null; n: number; within: number }>(sql`
      SELECT percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY ${c}) AS pct, count(${c})::int AS n,
             count(*) FILTER (WHERE ${c} <= ${limit})::int AS within FROM tips WHERE ${where}`);
    const row = r.rows[0]!;
    return { pct: row.pct ? (row.pct.map(Number) as [number, number]) : null, n: row.n, within: row.within };
  }

  async function casesWithTriageHours(hours: number[], month = "03") {
    for (const [i, h] of hours.entries()) {
      await insertTip(db(), { received: `2025-${month}-${String(1 + (i % 28)).padStart(2, "0")}T08:00:00+07:00`, category: "selling", district: "831", commune: "28756", triageH: h, triage: "actionable", forwardH: h / 3, ackH: h / 7, urgent: i % 5 === 0 });
    }
  }

  for (const size of [1, 2, 3, 10, 37]) {
    it(`when ${size} case${size === 1 ? "" : "s"} ${size === 1 ? "has" : "have"} durations (ties and odd fractions included), then both ways equal percentile_cont for both durations`, async () => {
      const hours = Array.from({ length: size }, (_, i) => (i % 4 === 3 ? 5 : 0.37 + ((i * 7919) % 97) / 3.1));
      await casesWithTriageHours(hours);
      for (const column of ["triage_seconds", "acknowledge_seconds"] as const) {
        const want = await expected(column);
        assert.equal(want.n, size);
        for (const strategy of ["sort", "walk"] as const) assert.deepEqual(await durationFigures(db(), year, column, limit, strategy), want, `${column} by ${strategy}`);
      }
    });
  }

  it("when the period or the scope leaves out some cases, then the walk skips them and still equals percentile_cont", async () => {
    await casesWithTriageHours([1, 2, 3, 4, 50, 60], "03");
    await casesWithTriageHours([0.5, 100, 7, 8.25], "07");
    await insertTip(db(), { received: "2025-03-09T08:00:00+07:00", category: "using", district: "832", commune: "28810", triageH: 0.1, triage: "actionable" });
    const march = sql`received_at >= '2025-02-28T17:00:00Z' AND received_at < '2025-03-31T17:00:00Z' AND district_code = '831'`;
    const want = await expected("triage_seconds", march);
    assert.equal(want.n, 6);
    assert.deepEqual(await durationFigures(db(), march, "triage_seconds", limit, "walk"), want);
  });

  it("when no case has the duration, then there is no percentile and nothing is counted", async () => {
    await insertTip(db(), { received: "2025-03-09T08:00:00+07:00", category: "using", district: "831", commune: "28756" });
    for (const strategy of ["sort", "walk"] as const) assert.deepEqual(await durationFigures(db(), year, "triage_seconds", limit, strategy), { pct: null, within: 0, n: 0 });
  });
});
