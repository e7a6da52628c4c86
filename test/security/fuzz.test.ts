/**
 * Whatever an attacker sends — arbitrary JSON, Unicode controls, huge
 * numbers, deep nesting, odd multipart — the tip, tipster and login endpoints
 * never answer 5xx and never store anything for a rejected request.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import request from "supertest";
import { useTestApp, resetData } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";

const RUNS = 60;

/** Strings an attacker likes: controls, bidi overrides, NUL, SQL and template syntax, long runs. */
const nasty = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("\u0000", "\u202e", "\ufeff", "'; DROP TABLE tips; --", "\" OR 1=1 --", "{{7*7}}", "${7*7}", "<script>alert(1)</script>", "../../etc/passwd", "%00", "\r\n\r\n"),
  fc.string({ maxLength: 3 }).map((s) => s.repeat(3000)),
);
const anyJson = fc.jsonValue({ maxDepth: 6 });
const deep = fc.integer({ min: 1, max: 800 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown);
const hugeNumber = fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, -0, 1e-320);

describe("attack surface: fuzzing the public and login endpoints", function () {
  this.timeout(300_000);
  const app = useTestApp({ env: { TIP_RATE_LIMIT_PER_HOUR: "100000", TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: "100000", LOGIN_RATE_LIMIT_PER_HOUR: "100000" } });
  const tipRows = async () => (await app.ctx.database.pool.query("SELECT count(*)::int AS n FROM tips")).rows[0].n as number;

  before(async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(app.logs.filter((l) => l.includes('unhandled')).slice(-3).join("\n"));
  });

  it("when arbitrary JSON is posted as a tip, then the answer is 4xx (or 201 for a valid tip) and a rejected one stores nothing", async () => {
    const body = fc.oneof(
      anyJson,
      deep,
      fc.record({ category: nasty, districtCode: fc.oneof(nasty, hugeNumber), communeCode: nasty, description: nasty, urgent: fc.oneof(fc.boolean(), nasty, hugeNumber) }, { requiredKeys: [] }),
      fc.record({ extra: anyJson }).map((r) => ({ ...aTip(), ...r })),
      fc.dictionary(nasty, anyJson, { maxKeys: 5 }).map((d) => ({ ...aTip(), ...d })),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = await tipRows();
        const res = await request(app.url).post("/api/v1/tips").set("Content-Type", "application/json").send(JSON.stringify(b) ?? "null");
        assert.ok(res.status < 500, `5xx for ${JSON.stringify(b)?.slice(0, 200)}: ${res.status}`);
        if (res.status !== 201) assert.equal(await tipRows(), before, "a rejected tip stored nothing");
      }),
      { numRuns: RUNS },
    );
  });

  it("when odd multipart bodies are posted, then the answer is never 5xx and rejected ones store nothing", async () => {
    const part = fc.record({ name: fc.oneof(nasty, fc.constantFrom("photos", "category", "description", "__proto__", "constructor")), value: nasty, file: fc.boolean(), bytes: fc.uint8Array({ maxLength: 2048 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 8 }), fc.boolean(), async (parts, truncate) => {
        const before = await tipRows();
        const boundary = "----fuzz" + Math.random().toString(16).slice(2);
        const chunks: Buffer[] = [];
        for (const p of parts) {
          const safeName = p.name.replace(/["\r\n]/g, "_");
          chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safeName}"${p.file ? '; filename="x.jpg"\r\nContent-Type: image/jpeg' : ""}\r\n\r\n`));
          chunks.push(p.file ? Buffer.from(p.bytes) : Buffer.from(p.value));
          chunks.push(Buffer.from("\r\n"));
        }
        chunks.push(Buffer.from(`--${boundary}--\r\n`));
        let payload = Buffer.concat(chunks);
        if (truncate) payload = payload.subarray(0, Math.floor(payload.length / 2));
        const res = await request(app.url).post("/api/v1/tips").set("Content-Type", `multipart/form-data; boundary=${boundary}`).send(payload);
        assert.ok(res.status < 500, `5xx (${res.status}) for ${parts.length} parts, truncated=${truncate}: ${JSON.stringify(res.body)}`);
        if (res.status !== 201) assert.equal(await tipRows(), before);
      }),
      { numRuns: RUNS },
    );
  });

  it("when arbitrary receipts and bodies are sent to the tipster sign-in, then it answers 4xx, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, fc.record({ receipt: fc.oneof(nasty, hugeNumber, anyJson) })), async (b) => {
        const res = await request(app.url).post("/api/v1/tipster/session").set("Content-Type", "application/json").set("X-Forwarded-For", `192.0.2.${Math.floor(Math.random() * 250)}`).send(JSON.stringify(b) ?? "null");
        assert.ok(res.status >= 400 && res.status < 500, `status ${res.status} for ${JSON.stringify(b)?.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("when arbitrary credentials are sent to the staff login, then it answers 4xx, never 5xx, and no session is created", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, fc.record({ email: fc.oneof(nasty, anyJson), password: fc.oneof(nasty, hugeNumber), totp: fc.oneof(nasty, anyJson) }, { requiredKeys: [] })), async (b) => {
        const res = await request(app.url).post("/api/v1/auth/login").set("Content-Type", "application/json").set("X-Forwarded-For", `192.0.2.${Math.floor(Math.random() * 250)}`).send(JSON.stringify(b) ?? "null");
        assert.ok(res.status >= 400 && res.status < 500, `status ${res.status} for ${JSON.stringify(b)?.slice(0, 200)}`);
        assert.equal(res.headers["set-cookie"], undefined);
      }),
      { numRuns: RUNS },
    );
  });

  it("when SQL injection is tried in every query parameter of the case list, then there is no error leak and no change of result", async () => {
    const liaison = await aStaffMember(app.ctx, "liaison", "831", "sqli@example.org");
    assert.ok(liaison.id);
    await request(app.url).post("/api/v1/tips").send(aTip());
    const rowsBefore = await tipRows();
    const s = await signIn(app, "sqli@example.org");
    const baseline = await s.agent.get("/api/v1/cases");
    assert.equal(baseline.status, 200);
    for (const param of ["status", "category", "districtCode", "communeCode", "urgent", "overdue", "assigneeId", "page", "pageSize"]) {
      for (const attack of ["' OR '1'='1", "1; DROP TABLE tips; --", "831' UNION SELECT * FROM staff_users --", "1)) OR pg_sleep(5)--"]) {
        const res = await s.agent.get("/api/v1/cases").query({ [param]: attack });
        assert.ok(res.status === 400 || res.status === 200, `${param}=${attack}: ${res.status}`);
        assert.ok(!/syntax|postgres|relation|pg_/i.test(JSON.stringify(res.body)), "no database error leaks");
        if (res.status === 200) assert.ok(res.body.total <= baseline.body.total, "an injection never widens the result");
      }
    }
    assert.equal(await tipRows(), rowsBefore, "the table is still there and unchanged");
  });
});
