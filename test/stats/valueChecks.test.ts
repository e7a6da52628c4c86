/**
 * The enumerated columns of a case against the values the code defines (migration 0015, like 0012 for
 * the state): the statistics count each value by name, so PostgreSQL refuses any other one, whatever
 * writes it, and accepts every one the code can write (and NULL where the column allows it).
 */
import assert from "node:assert/strict";
import { DEADLINE_KINDS } from "../../src/cases/deadlines.js";
import { HELP_OUTCOMES, NOT_ACTIONABLE_REASONS, POLICE_OUTCOMES, TRIAGE_OUTCOMES } from "../../src/cases/workflow.js";
import { SERVICE_KINDS } from "../../src/help/directory.js";
import { CATEGORIES, TIP_SOURCES } from "../../src/validation/tip.js";
import { resetData, startTestApp, type TestApp } from "../support/app.js";

/**
 * Each checked column, the code's list of its values, and a value a writer might plausibly get wrong;
 * `with`: what the row needs besides (a reason only with its outcome, migration 0016).
 */
const COLUMNS = [
  { column: "source", values: TIP_SOURCES, nullable: false, wrong: "email" },
  { column: "category", values: CATEGORIES, nullable: false, wrong: "luring" },
  { column: "triage_outcome", values: TRIAGE_OUTCOMES, nullable: true, wrong: "triaged" },
  { column: "not_actionable_reason", values: NOT_ACTIONABLE_REASONS, nullable: true, wrong: "spam", with: { triage_outcome: "not_actionable" } },
  { column: "outcome", values: [...POLICE_OUTCOMES, ...HELP_OUTCOMES], nullable: true, wrong: "referred" },
  { column: "referral_kind", values: SERVICE_KINDS, nullable: true, wrong: "pharmacy" },
  { column: "deadline_kind", values: DEADLINE_KINDS, nullable: true, wrong: "resolve" },
] as const;

type PgError = { code?: string; constraint?: string };

describe("database: the enumerated columns of a case hold only the code's values", function () {
  this.timeout(60_000);
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ role: "web" }); // no sweep: the rows below stay as written
    await resetData(app);
  });
  after(async () => app?.stop());

  /** A closed case (no sweep or page moves it) with `column` set to `value` (and `extra`); returns its id. */
  const insert = async (column?: string, value?: string | null, extra: Record<string, string> = {}) => {
    const set: Record<string, string | null> = { category: "selling", status: "closed", ...extra, ...(column ? { [column]: value ?? null } : {}) };
    const names = Object.keys(set).map((c) => `, "${c}"`).join("");
    const params = Object.keys(set).map((_, i) => `, $${i + 1}`).join("");
    const { rows } = await app.ctx.database.pool.query<{ id: string }>(
      `INSERT INTO tips (id, received_at, district_code, commune_code, public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key${names})
       SELECT x.id, date_trunc('minute', now()), '831', '28801', '\\x00', uuid_send(x.id), '\\x00', '\\x00'${params}
         FROM (SELECT gen_random_uuid() AS id) x RETURNING id`,
      Object.values(set),
    );
    return rows[0]!.id;
  };
  const refusedBy = (constraint: string) => (err: PgError) => {
    assert.equal(err.code, "23514", `check_violation, not ${String(err.code)}`);
    assert.equal(err.constraint, constraint);
    return true;
  };

  for (const entry of COLUMNS) {
    const { column, values, nullable, wrong } = entry;
    const extra: Record<string, string> = "with" in entry ? entry.with : {};
    const constraint = `tips_${column}_check`;

    it(`when anything writes ${column} = '${wrong}', then the database refuses it with 23514 (${constraint})`, async () => {
      await assert.rejects(insert(column, wrong, extra), refusedBy(constraint));
      const id = await insert(undefined, undefined, extra);
      await assert.rejects(app.ctx.database.pool.query(`UPDATE tips SET "${column}" = $1 WHERE id = $2`, [wrong, id]), refusedBy(constraint));
      // Case matters: the statistics compare exactly.
      await assert.rejects(app.ctx.database.pool.query(`UPDATE tips SET "${column}" = $1 WHERE id = $2`, [values[0].toUpperCase(), id]), refusedBy(constraint));
    });

    it(`when ${column} takes each value the code defines${nullable ? ", or NULL" : ""}, then the database accepts it`, async () => {
      for (const value of values) await insert(column, value, extra);
      const id = await insert(undefined, undefined, extra);
      for (const value of values) await app.ctx.database.pool.query(`UPDATE tips SET "${column}" = $1 WHERE id = $2`, [value, id]);
      if (nullable) {
        await insert(column, null, extra);
        await app.ctx.database.pool.query(`UPDATE tips SET "${column}" = NULL WHERE id = $1`, [id]);
      }
    });
  }

  it("when a deadline of the history gets a kind outside the code's, then the database refuses it, and its constraint lists exactly DEADLINE_KINDS", async () => {
    const id = await insert();
    const add = (kind: string) =>
      app.ctx.database.pool.query("INSERT INTO case_deadlines (tip_id, kind, started_at, due_at) VALUES ($1, $2, date_trunc('minute', now()), date_trunc('minute', now()) + interval '1 day')", [id, kind]);
    await assert.rejects(add("resolve"), refusedBy("case_deadlines_kind_check"));
    for (const kind of DEADLINE_KINDS) await add(kind);
    const { rows } = await app.ctx.database.pool.query<{ def: string }>("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'case_deadlines_kind_check'");
    assert.deepEqual([...rows[0]!.def.matchAll(/'(\w+)'/g)].map((m) => m[1]).sort(), [...DEADLINE_KINDS].sort());
  });

  it("when the constraints are read back, then each lists exactly the code's values and has been validated", async () => {
    const { rows } = await app.ctx.database.pool.query<{ name: string; def: string; validated: boolean }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def, convalidated AS validated FROM pg_constraint
        WHERE conrelid = 'tips'::regclass AND contype = 'c' AND conname = ANY($1::text[])`,
      [COLUMNS.map((c) => `tips_${c.column}_check`)],
    );
    assert.equal(rows.length, COLUMNS.length);
    for (const { column, values } of COLUMNS) {
      const row = rows.find((r) => r.name === `tips_${column}_check`)!;
      assert.ok(row.validated, `${row.name} is validated (VALIDATE CONSTRAINT ran)`);
      assert.deepEqual([...row.def.matchAll(/'(\w+)'/g)].map((m) => m[1]).sort(), [...values].sort(), `${row.name}: a new value needs a migration of this constraint too`);
    }
  });
});
