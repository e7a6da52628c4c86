/**
 * The retention rule: the content of a case closed longer than
 * RETENTION_DAYS is deleted — the rows, not a flag — while the plaintext
 * routing fields stay, so statistics of past years do not change, and the
 * tipster's receipt still says the case is closed.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { sql } from "drizzle-orm";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";
import { decodeHexRuns, dumpDatabase, findEverywhere } from "../support/leakScan.js";
import { registerCanary } from "../support/canaries.js";
import { services } from "../support/services.js";
import { purgeClosedContent } from "../../src/commands/contentPurger.js";
import { computeStats } from "../../src/stats/statistics.js";

const DAY = 86_400_000;

describe("retention of closed cases", function () {
  this.timeout(120_000);
  const app = useTestApp();
  beforeEach(async () => resetData(app));

  const casesMade = new Set<string>();
  /** A tip with a canary in its description and a question from the liaison, as the tipster and staff would leave it. */
  async function aCaseWithContent(marker: string) {
    const sent = await request(app.url).post("/api/v1/tips").send(aTip({ description: `Có người bán ma túy ở bến đò. ${marker}` }));
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const staff = await signIn(app, "lien.lac.831@example.org");
    // The sweep routes tips a little after their 201: wait for this tip's case, not one made before.
    const item = await within(10_000, "the new tip routed to the liaison", async () =>
      (await staff.agent.get("/api/v1/cases")).body.cases?.find((c: { id: string; assigneeId: string | null }) => c.assigneeId && !casesMade.has(c.id)),
    );
    casesMade.add(item.id);
    const asked = await staff.agent.post(`/api/v1/cases/${item.id}/messages`).set("X-CSRF-Token", staff.csrf).send({ text: `Bến đò nào? ${marker}`, purpose: "question" });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    return { id: item.id as string, receipt: sent.body.receipt as string };
  }

  /** Close a case in the past, as the workflow leaves it: no deadline running. */
  async function closedDaysAgo(id: string, days: number) {
    await app.ctx.database.db.execute(sql`
      UPDATE tips SET status = 'closed', received_at = now() - make_interval(days => ${days + 10}), closed_at = now() - make_interval(days => ${days}),
                      triaged_at = now() - make_interval(days => ${days + 9}), triage_outcome = 'actionable',
                      deadline_at = NULL, deadline_kind = NULL, deadline_from = NULL
       WHERE id = ${id}`);
  }

  const rowsOf = async (table: "tip_items" | "tip_key_wraps", id: string) =>
    (await app.ctx.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE tip_id = ${id}`)).rows[0]!.n;

  it("when a case was closed 400 days ago, then its content and keys are deleted, its statistics stay, and the receipt says closed", async () => {
    await anAdministrator(app.ctx);
    await aStaffMember(app.ctx, "liaison", "831", "lien.lac.831@example.org");
    const marker = registerCanary(`PURGE-${randomBytes(6).toString("hex")}`);
    const old = await aCaseWithContent(marker);
    const recent = await aCaseWithContent(registerCanary(`KEEP-${randomBytes(6).toString("hex")}`));
    await closedDaysAgo(old.id, 400);
    await closedDaysAgo(recent.id, 10);

    assert.ok((await rowsOf("tip_items", old.id)) >= 2, "the report and the question are stored");
    assert.ok((await rowsOf("tip_key_wraps", old.id)) >= 1);
    const ciphertexts = (await app.ctx.database.db.execute<{ c: Buffer }>(sql`SELECT ciphertext AS c FROM tip_items WHERE tip_id = ${old.id}`)).rows.map((r) => Buffer.from(r.c).toString("hex"));
    const wraps = (await app.ctx.database.db.execute<{ w: Buffer }>(sql`SELECT sealed_private_key AS w FROM tip_key_wraps WHERE tip_id = ${old.id}`)).rows.map((r) => Buffer.from(r.w).toString("hex"));
    const dumpBefore = await dumpDatabase(services().databaseUrl);
    for (const hex of [...ciphertexts, ...wraps]) assert.ok(dumpBefore.text.includes(hex), "the dump shows stored bytes (so the check below means something)");

    const query = { from: new Date(Date.now() - 800 * DAY), to: new Date(Date.now() + DAY) };
    const before = await computeStats(app.ctx.database.db, app.ctx.config, query);
    const oldQuery = { from: new Date(Date.now() - 420 * DAY), to: new Date(Date.now() - 400 * DAY) };
    const beforeOld = await computeStats(app.ctx.database.db, app.ctx.config, oldQuery);
    assert.equal(before.received.total, 2);
    assert.equal(beforeOld.received.total, 1);

    assert.equal(await purgeClosedContent(app.ctx), 1, "only the case closed longer than a year ago");
    assert.equal(await purgeClosedContent(app.ctx), 0, "a second run finds nothing to do");

    assert.equal(await rowsOf("tip_items", old.id), 0);
    assert.equal(await rowsOf("tip_key_wraps", old.id), 0);
    assert.ok((await rowsOf("tip_items", recent.id)) >= 2, "a case closed ten days ago keeps its content");
    const [kept] = (await app.ctx.database.db.execute<{ category: string; district_code: string; status: string; purged: boolean; wrapped: number; sealed: number }>(sql`
      SELECT category, district_code, status, purged_at IS NOT NULL AS purged, length(receipt_wrapped_key) AS wrapped, length(recovery_sealed_key) AS sealed FROM tips WHERE id = ${old.id}`)).rows;
    assert.deepEqual(kept, { category: "cultivation", district_code: "831", status: "closed", purged: true, wrapped: 0, sealed: 0 }, "the routing fields stay; every key that could open the content is gone");

    assert.deepEqual(await computeStats(app.ctx.database.db, app.ctx.config, query), before, "statistics are identical after the purge");
    assert.deepEqual(await computeStats(app.ctx.database.db, app.ctx.config, oldQuery), beforeOld);

    const dump = await dumpDatabase(services().databaseUrl);
    const places = { database: dump.text, "database bytes": decodeHexRuns(dump.text) };
    assert.deepEqual(findEverywhere(marker, places), []);
    for (const hex of [...ciphertexts, ...wraps]) assert.ok(!dump.text.includes(hex), "deleted rows, not flagged ones: the bytes are gone from the dump");

    const audit = await app.ctx.database.db.execute<{ details: { cases: number; retentionDays: number } }>(sql`SELECT details FROM audit_log WHERE action = 'retention.purged'`);
    assert.deepEqual(audit.rows.map((r) => r.details), [{ cases: 1, retentionDays: 365 }]);

    const tipster = request.agent(app.url);
    const signIn = await tipster.post("/api/v1/tipster/session").send({ receipt: old.receipt });
    assert.equal(signIn.status, 200, "the receipt still finds the case");
    const view = await tipster.get("/api/v1/tipster/tip");
    assert.equal(view.status, 200);
    assert.equal(view.body.closed, true);
    assert.equal(view.body.purged, true);
    assert.deepEqual(view.body.messages, []);
    assert.ok(!JSON.stringify(view.body).includes(marker));

    const other = request.agent(app.url);
    assert.equal((await other.post("/api/v1/tipster/session").send({ receipt: recent.receipt })).status, 200);
    assert.equal((await other.get("/api/v1/tipster/tip")).body.messages.length, 1, "the recent case's conversation is still readable");
  });
});
