/**
 * How a report period is cut into the whole Vietnam months read from the
 * counted rows and the days counted from the cases (src/stats/monthCounts.ts).
 */
import assert from "node:assert/strict";
import { splitPeriod } from "../../src/stats/monthCounts.js";
import { customPeriod, parsePeriod } from "../../src/stats/periods.js";

const iso = (e: { from: Date; to: Date }) => [e.from.toISOString(), e.to.toISOString()];

describe("splitPeriod: whole months from the counts, the rest from the cases", () => {
  it("when a named period is asked (a year, a quarter, a month), then it is whole months and no day is counted from the cases", () => {
    for (const name of ["2025", "2024-Q1", "2025-H2", "2020-02"]) {
      const p = parsePeriod(name)!;
      const s = splitPeriod(p.from, p.to);
      assert.deepEqual(s.edges, [], name);
      assert.ok(s.months, name);
    }
    const y = parsePeriod("2025")!;
    assert.deepEqual(splitPeriod(y.from, y.to).months, { from: "2025-01-01", to: "2026-01-01" });
  });

  it("when a custom period lies inside one month, then all of it is counted from the cases", () => {
    const p = customPeriod("2025-02-03", "2025-02-20")!;
    const s = splitPeriod(p.from, p.to);
    assert.equal(s.months, null);
    assert.deepEqual(s.edges.map(iso), [iso(p)]);
  });

  it("when a custom period starts on the 1st and ends mid-month, then only the last days are counted from the cases", () => {
    const p = customPeriod("2025-01-01", "2025-03-10")!;
    const s = splitPeriod(p.from, p.to);
    assert.deepEqual(s.months, { from: "2025-01-01", to: "2025-03-01" });
    assert.deepEqual(s.edges.map(iso), [["2025-02-28T17:00:00.000Z", "2025-03-10T17:00:00.000Z"]]);
  });

  it("when a custom period starts mid-month and ends on a month's last day, then only the first days are counted from the cases", () => {
    const p = customPeriod("2024-12-15", "2025-02-28")!;
    const s = splitPeriod(p.from, p.to);
    assert.deepEqual(s.months, { from: "2025-01-01", to: "2025-03-01" });
    assert.deepEqual(s.edges.map(iso), [["2024-12-14T17:00:00.000Z", "2024-12-31T17:00:00.000Z"]]);
  });

  it("when a custom period cuts two months and holds 29 February, then both ends are counted from the cases and the leap month from the counts", () => {
    const p = customPeriod("2020-01-20", "2020-03-05")!;
    const s = splitPeriod(p.from, p.to);
    assert.deepEqual(s.months, { from: "2020-02-01", to: "2020-03-01" });
    assert.deepEqual(s.edges.map(iso), [
      ["2020-01-19T17:00:00.000Z", "2020-01-31T17:00:00.000Z"],
      ["2020-02-29T17:00:00.000Z", "2020-03-05T17:00:00.000Z"],
    ]);
  });

  it("when the period is empty, then nothing is read", () => {
    const at = new Date("2025-05-05T00:00:00Z");
    assert.deepEqual(splitPeriod(at, at), { months: null, edges: [] });
  });
});
