/**
 * When PostgreSQL breaks a deadlock (or a replica cancels a query during
 * replay), it ends one transaction with 40P01 / 40001: nothing of it was
 * written and the same request can be sent again. homthu treats that as
 * "try again" (503 with Retry-After), never as a 500.
 */
import assert from "node:assert/strict";
import { isStoreUnavailable } from "../../src/errors.js";
import { useTestApp } from "../support/app.js";

describe("a transaction PostgreSQL ends to break a deadlock", function () {
  this.timeout(60_000);
  const app = useTestApp({ role: "web" });

  it("when two transactions lock two rows in opposite orders, then the one PostgreSQL ends is classed as retryable", async () => {
    const pool = app.ctx.database.pool;
    const table = `deadlock_probe_${process.pid}`;
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int)`);
    try {
      await pool.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
      const [a, b] = [await pool.connect(), await pool.connect()];
      try {
        await a.query("BEGIN");
        await b.query("BEGIN");
        await a.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`);
        await b.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`);
        const outcomes = await Promise.allSettled([a.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`), b.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`)]);
        const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
        assert.equal(failed.length, 1, "PostgreSQL ends exactly one side");
        const err = failed[0]!.reason as { code?: string };
        assert.equal(err.code, "40P01");
        assert.equal(isStoreUnavailable(err), true, "a deadlock is 'try again'");
        assert.equal(isStoreUnavailable({ message: "wrapped by drizzle", cause: err }), true, "also when wrapped");
        assert.equal(isStoreUnavailable({ code: "23505", message: "duplicate key value violates unique constraint" }), false, "a real refusal is not");
      } finally {
        await Promise.allSettled([a.query("ROLLBACK"), b.query("ROLLBACK")]);
        a.release();
        b.release();
      }
    } finally {
      await pool.query(`DROP TABLE ${table}`);
    }
  });
});
