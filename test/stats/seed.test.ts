/**
 * scripts/seed.ts (the bench's and the demos' generated cases) against the
 * rules the app keeps: an "assigned" case has its liaison (migration 0008),
 * and in a district without an active liaison an untriaged case stays
 * "received", with no assignment time. Every case is in a state of the
 * workflow, with the columns that state implies.
 */
import assert from "node:assert/strict";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { aStaffMember } from "../support/factories.js";
import { seedCases } from "../../scripts/seed.js";
import { STATUSES } from "../../src/cases/workflow.js";

describe("seed script: generated cases", function () {
  this.timeout(120_000);
  let app: TestApp;
  before(async () => (app = await startTestApp({ role: "web" })));
  after(async () => app?.stop());

  it("when only district 831 has a liaison, then its untriaged cases are assigned to her and every other district's stay received", async () => {
    await resetData(app);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const seeded = await seedCases(app.ctx.database, { cases: 20_000, year: new Date().getUTCFullYear() - 1 });
    assert.equal(seeded.inserted, 20_000);
    const { rows } = await app.ctx.database.pool.query<{ district: boolean; status: string; assignee: string | null; assigned: boolean; n: number }>(
      `SELECT district_code = '831' AS district, status, assignee_id AS assignee, assigned_at IS NOT NULL AS assigned, count(*)::int AS n
         FROM tips WHERE status IN ('received', 'assigned') GROUP BY 1, 2, 3, 4`,
    );
    assert.ok(rows.length > 0, "a year's cases include some not yet triaged at its end");
    for (const r of rows) {
      if (r.district) assert.deepEqual({ status: r.status, assignee: r.assignee, assigned: r.assigned }, { status: "assigned", assignee: liaison.id, assigned: true });
      else assert.deepEqual({ status: r.status, assignee: r.assignee, assigned: r.assigned }, { status: "received", assignee: null, assigned: false });
    }
    // Past the desk, a case was triaged (needs_info by a question); forwarding, a result and closing leave their times.
    const { rows: odd } = await app.ctx.database.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM tips
        WHERE NOT (status = ANY($1::text[]))
           OR (status IN ('received', 'assigned')) <> (triaged_at IS NULL AND triage_outcome IS NULL)
           OR (status = 'needs_info' AND triage_outcome <> 'needs_info')
           OR (status IN ('forwarded', 'acknowledged', 'verifying') AND forwarded_at IS NULL)
           OR (status IN ('acknowledged', 'verifying') AND acknowledged_at IS NULL)
           OR (status = 'resolved' AND (resolved_at IS NULL OR outcome IS NULL))
           OR (status = 'closed' AND closed_at IS NULL)
        GROUP BY status`,
      [[...STATUSES]],
    );
    assert.deepEqual(odd, [], "every generated case is in a workflow state consistent with its columns");
  });

  it("when anything writes a state the workflow does not have, then the database refuses it; its list is the workflow's", async () => {
    const insert = (status: string) =>
      app.ctx.database.pool.query(
        `INSERT INTO tips (id, received_at, category, district_code, commune_code, status, public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key)
         SELECT x.id, now(), 'selling', '831', '28801', $1, '\\x00', uuid_send(x.id), '\\x00', '\\x00' FROM (SELECT gen_random_uuid() AS id) x`,
        [status],
      );
    await assert.rejects(insert("triaged"), /tips_status_check/);
    await insert("received"); // the same row in a real state is accepted (this app runs no sweep)
    const { rows } = await app.ctx.database.pool.query<{ def: string }>("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'tips_status_check'");
    assert.deepEqual([...rows[0]!.def.matchAll(/'(\w+)'/g)].map((m) => m[1]), [...STATUSES], "a new state needs a migration of this constraint too");
  });
});
