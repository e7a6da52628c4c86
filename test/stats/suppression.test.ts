/**
 * The attacker test of #11: a supervisor collects every figure the API gives
 * about one district over every whole-month period of a generated half-year,
 * then tries every subtraction — two published numbers, a district total
 * minus its visible communes, any linear combination of them all — and the
 * "all hidden cells are 1" guess. None may give back a commune's hidden count
 * between 1 and the threshold. The same attacker run on the plain "<3" rule
 * (computed here, without secondary suppression) must find a leak, so this
 * test can fail. Then: the dashboard, printed report and CSV hide the same
 * cells as the API; shorter than a month and category splits are refused or
 * hidden.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { insertTips, type FixtureTip } from "./tipFixture.js";

const THRESHOLD = 3;
const DISTRICT = "831";
const YEAR = 2020;
/** January to July 2020; July stays empty (a period may run past the data). */
const MONTHS = 7;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

/** A published number: which fine cells (commune × month) it adds up, and its value. */
interface Release {
  cells: number[];
  value: number;
}
/** A hidden commune cell the attacker would like to know. */
interface Secret {
  label: string;
  cells: number[];
  value: number;
}

const key = (cells: number[]) => [...cells].sort((a, b) => a - b).join(",");

/** Every subtraction of two releases, and every total minus the visible parts of the same period. */
function subtractionAttack(releases: Release[], totals: Array<{ release: Release; parts: Release[] }>, secrets: Secret[]): string[] {
  const wanted = new Map(secrets.filter((s) => s.value >= 1 && s.value < THRESHOLD).map((s) => [key(s.cells), s]));
  const found: string[] = [];
  const check = (cells: number[], value: number, how: string) => {
    const s = wanted.get(key(cells));
    if (s && s.value === value) found.push(`${s.label} = ${value} by ${how}`);
  };
  for (const a of releases) {
    const inA = new Set(a.cells);
    for (const b of releases) {
      if (a === b || b.cells.length >= a.cells.length || !b.cells.every((c) => inA.has(c))) continue;
      check(a.cells.filter((c) => !b.cells.includes(c)), a.value - b.value, "A − B");
    }
  }
  for (const t of totals) {
    const shown = new Set(t.parts.flatMap((p) => p.cells));
    check(t.release.cells.filter((c) => !shown.has(c)), t.release.value - t.parts.reduce((s, p) => s + p.value, 0), "total − visible communes");
  }
  return found;
}

/** Whether a secret's cells are a linear combination of the releases (Gaussian elimination modulo a large prime). */
function linearAttack(releases: Release[], secrets: Secret[], size: number): string[] {
  const P = 1_000_003;
  const basis = new Map<number, number[]>(); // pivot → row
  const reduce = (row: number[]) => {
    for (let i = 0; i < size; i++) {
      if (row[i] === 0) continue;
      const b = basis.get(i);
      if (!b) return i;
      const f = row[i]!;
      for (let j = i; j < size; j++) row[j] = (((row[j]! - f * b[j]!) % P) + P) % P;
    }
    return -1;
  };
  const inv = (a: number) => {
    let [r, x, y, nx] = [P, a, 0, 1];
    while (x) {
      const q = Math.floor(r / x);
      [r, x] = [x, r - q * x];
      [y, nx] = [nx, y - q * nx];
    }
    return ((y % P) + P) % P;
  };
  for (const r of releases) {
    const row = Array<number>(size).fill(0);
    for (const c of r.cells) row[c] = 1;
    const pivot = reduce(row);
    if (pivot < 0) continue;
    const f = inv(row[pivot]!);
    for (let j = pivot; j < size; j++) row[j] = (row[j]! * f) % P;
    basis.set(pivot, row);
  }
  return secrets
    .filter((s) => s.value >= 1 && s.value < THRESHOLD)
    .filter((s) => {
      const row = Array<number>(size).fill(0);
      for (const c of s.cells) row[c] = 1;
      return reduce(row) < 0;
    })
    .map((s) => `${s.label} = ${s.value} by a linear combination`);
}

/** Knowing zeros are printed as 0: if a period's hidden communes add up to their number, each is 1. */
function allOnesAttack(totals: Array<{ release: Release; parts: Release[]; hidden: Secret[] }>): string[] {
  const found: string[] = [];
  for (const t of totals) {
    const rest = t.release.value - t.parts.reduce((s, p) => s + p.value, 0);
    if (t.hidden.length > 0 && rest === t.hidden.length && t.hidden.every((h) => h.value === 1)) found.push(`${t.hidden.map((h) => h.label).join(", ")} all = 1`);
  }
  return found;
}

describe("small numbers against an attacker who subtracts", function () {
  this.timeout(300_000);
  const app = useTestApp({ env: { SMALL_NUMBER_THRESHOLD: String(THRESHOLD) } });
  let supervisor: Awaited<ReturnType<typeof signIn>>;
  let communes: string[];
  /** counts[commune][month], as generated here. */
  const counts = new Map<string, number[]>();
  const iso = (m: number, last = false) => {
    const d = last ? new Date(Date.UTC(YEAR, m + 1, 0)) : new Date(Date.UTC(YEAR, m, 1));
    return d.toISOString().slice(0, 10);
  };
  const intervals: Array<[number, number]> = [];
  for (let i = 0; i < MONTHS; i++) for (let j = i; j < MONTHS; j++) intervals.push([i, j]);

  before(async () => {
    await resetData(app);
    communes = (await app.ctx.units.tree()).districts.find((d) => d.code === DISTRICT)!.communes.map((c) => c.code);
    const rand = rng(1101);
    const tips: FixtureTip[] = [];
    // Eight communes with tips; the others stay at zero. Months Jan–Jun; many 1s and 2s.
    const active = communes.slice(0, 8);
    for (const c of communes) counts.set(c, Array<number>(MONTHS).fill(0));
    for (const c of active) {
      for (let m = 0; m < MONTHS - 1; m++) {
        const r = rand();
        const n = r < 0.35 ? 0 : r < 0.6 ? 1 : r < 0.75 ? 2 : 3 + Math.floor(rand() * 5);
        counts.get(c)![m] = n;
        for (let k = 0; k < n; k++) {
          // Some on the month's Bến Tre midnights (00:00 on the 1st, 23:59 on the last day), the rest inside it.
          const edge = rand();
          const day = edge < 0.2 ? iso(m) : edge < 0.4 ? iso(m, true) : `${YEAR}-${String(m + 1).padStart(2, "0")}-${String(2 + Math.floor(rand() * 26)).padStart(2, "0")}`;
          const time = edge < 0.2 ? "00:00" : edge < 0.4 ? "23:59" : "10:00";
          tips.push({ received: `${day}T${time}:00+07:00`, category: rand() < 0.5 ? "selling" : "using", district: DISTRICT, commune: c });
        }
      }
    }
    await insertTips(app.ctx.database.db, tips);
    await anAdministrator(app.ctx);
    supervisor = await signIn(app, (await aStaffMember(app.ctx, "supervisor", null)).email);
  });

  /** Fine cell index of (commune, month). */
  const cell = (c: number, m: number) => c * MONTHS + m;
  const span = (c: number, [i, j]: [number, number]) => Array.from({ length: j - i + 1 }, (_, k) => cell(c, i + k));
  const truth = (c: string, [i, j]: [number, number]) => counts.get(c)!.slice(i, j + 1).reduce((s, n) => s + n, 0);

  /** What the supervisor sees for every whole-month period, through the API. */
  async function collect() {
    const releases: Release[] = [];
    const secrets: Secret[] = [];
    const totals: Array<{ release: Release; parts: Release[]; hidden: Secret[] }> = [];
    for (const iv of intervals) {
      const r = await supervisor.agent.get(`/api/v1/stats?from=${iso(iv[0])}&to=${iso(iv[1], true)}&scope=district:${DISTRICT}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const byCommune = r.body.received.byCommune as Record<string, number | string>;
      const total: Release = { cells: communes.flatMap((_, c) => span(c, iv)), value: r.body.received.byDistrict[DISTRICT] ?? 0 };
      releases.push(total);
      const parts: Release[] = [];
      const hidden: Secret[] = [];
      communes.forEach((code, c) => {
        const v = byCommune[code];
        const cells = span(c, iv);
        if (v === "x") hidden.push({ label: `${code} ${iso(iv[0])}..${iso(iv[1], true)}`, cells, value: truth(code, iv) });
        else {
          assert.equal(v, truth(code, iv), `a shown count is exact: ${code} ${iv}`);
          parts.push({ cells, value: v as number });
        }
      });
      releases.push(...parts);
      secrets.push(...hidden);
      totals.push({ release: total, parts, hidden });
    }
    return { releases, secrets, totals };
  }

  it("when every whole-month period of the half-year is collected, then no subtraction, linear combination or all-ones guess gives back a hidden count of 1 or 2", async () => {
    const { releases, secrets, totals } = await collect();
    const small = secrets.filter((s) => s.value >= 1 && s.value < THRESHOLD);
    assert.ok(small.length > 20, `the data has small hidden counts to attack (${small.length})`);
    assert.ok(releases.length > 100);
    assert.deepEqual(subtractionAttack(releases, totals, secrets), []);
    assert.deepEqual(linearAttack(releases, secrets, communes.length * MONTHS), []);
    assert.deepEqual(allOnesAttack(totals), []);
  });

  it("when the same attacker meets the plain rule (hide 1 and 2, nothing else), then it finds hidden counts — the attack works", () => {
    const releases: Release[] = [];
    const secrets: Secret[] = [];
    const totals: Array<{ release: Release; parts: Release[]; hidden: Secret[] }> = [];
    for (const iv of intervals) {
      const total: Release = { cells: communes.flatMap((_, c) => span(c, iv)), value: communes.reduce((s, code) => s + truth(code, iv), 0) };
      releases.push(total);
      const parts: Release[] = [];
      const hidden: Secret[] = [];
      communes.forEach((code, c) => {
        const v = truth(code, iv);
        if (v >= 1 && v < THRESHOLD) hidden.push({ label: `${code} ${iv}`, cells: span(c, iv), value: v });
        else parts.push({ cells: span(c, iv), value: v });
      });
      releases.push(...parts);
      secrets.push(...hidden);
      totals.push({ release: total, parts, hidden });
    }
    assert.ok(subtractionAttack(releases, totals, secrets).length > 0);
    assert.ok(linearAttack(releases, secrets, communes.length * MONTHS).length > 0);
  });

  it("when the dashboard, the printed report and the CSV show a period, then they hide exactly the communes the API hides, in every column the same way", async () => {
    const cellsOf = (html: string, tableId: string) => {
      const table = new RegExp(`<table[^>]*id="${tableId}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? "";
      return new Map([...table.matchAll(/<tr[^>]*>\s*<th scope="row">([^<]+)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => [m[1]!, [...m[2]!.matchAll(/<td>([^<]*)<\/td>/g)].map((x) => x[1]!.trim())] as const));
    };
    const tree = await app.ctx.units.tree();
    const names = new Map(tree.districts.find((d) => d.code === DISTRICT)!.communes.map((c) => [c.code, c.name]));
    for (const [period, query] of [["2020-Q1", "period=2020-Q1"], ["2020-02", "period=2020-02"], ["custom", "from=2020-02-01&to=2020-05-31"]] as const) {
      const api = (await supervisor.agent.get(`/api/v1/stats?${query}&scope=district:${DISTRICT}`)).body.received.byCommune as Record<string, number | string>;
      const csvRes = await supervisor.agent.get(`/api/v1/reports/${period}.csv?${period === "custom" ? `${query}&` : ""}scope=district:${DISTRICT}`).buffer(true);
      assert.equal(csvRes.status, 200, csvRes.text);
      const csv = csvRes.text;
      // The default separator is ";" (Excel in Vietnamese); the title line comes before the header.
      const csvRows = new Map(csv.replace(/^\uFEFF/, "").split("\r\n").filter(Boolean).slice(2).map((l) => l.split(";")).map((c) => [c[1]!, c.slice(3)] as const));
      const dash = cellsOf((await supervisor.agent.get(`/staff/dashboard?${query}&scope=district:${DISTRICT}`)).text, "district-table");
      const print = (await supervisor.agent.get(`/staff/reports/print?${query}&scope=district:${DISTRICT}`)).text;
      assert.ok(print.includes(">x<"), "the printed report hides too");
      for (const code of communes) {
        const shown = String(api[code]);
        assert.equal(csvRows.get(code)![0], shown, `CSV received ${period} ${code}`);
        assert.deepEqual(dash.get(names.get(code)!), csvRows.get(code), `dashboard = CSV, every column, ${period} ${code}`);
      }
    }
  });

  it("when a supervisor asks for less than whole months, or one category, then days are refused and commune cells all hidden", async () => {
    const part = await supervisor.agent.get(`/api/v1/stats?from=2020-01-01&to=2020-01-15&scope=district:${DISTRICT}`);
    assert.equal(part.status, 400);
    assert.match(part.body.error.fields.period, /trọn tháng/);
    assert.equal((await supervisor.agent.get(`/api/v1/reports/custom.csv?from=2020-01-02&to=2020-01-31&scope=district:${DISTRICT}`)).status, 400);
    assert.equal((await supervisor.agent.get(`/staff/dashboard?from=2020-01-01&to=2020-01-15&scope=district:${DISTRICT}`)).status, 400);
    const selling = await supervisor.agent.get(`/api/v1/stats?period=2020-Q1&scope=district:${DISTRICT}&category=selling`);
    assert.equal(selling.status, 200);
    assert.ok(Object.values(selling.body.received.byCommune as Record<string, unknown>).every((v) => v === "x"), "no commune cell under a category filter");
    assert.equal(typeof selling.body.received.byDistrict[DISTRICT], "number", "the district's count stays");
    // An administrator still gets days and exact counts.
    const admin = await signIn(app, "admin@example.org");
    const exact = await admin.agent.get(`/api/v1/stats?from=2020-01-01&to=2020-01-15&scope=district:${DISTRICT}`);
    assert.equal(exact.status, 200);
    assert.ok(!Object.values(exact.body.received.byCommune as Record<string, unknown>).includes("x"));
    assert.equal((await request(app.url).get("/api/v1/stats")).status, 401);
  });
});
