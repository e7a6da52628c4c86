/**
 * Fill a database with generated cases, for demos and for `npm run bench`:
 *
 *   npm run seed -- --cases 100000 [--year 2020] [--district 831]
 *
 * The cases are spread over every commune of the units table (or one
 * district's), over one calendar year in Vietnam time (--year) or else the
 * last 365 days, with statuses, outcomes and timestamps that follow the
 * workflow: each case gets a planned path (triage outcome, police or referral)
 * and random durations per step, and its status is the last step reached by
 * the end of the period. Running deadlines, liaisons (the district's first
 * active one) and police units (when any exist) are filled in as the app would;
 * an untriaged case of a district without an active liaison stays "received".
 *
 * Generated cases carry statistics and list fields only: their keys are random
 * bytes and they have no encrypted content, so they show in the inbox and the
 * reports but cannot be opened. One INSERT … SELECT generate_series does the
 * work inside PostgreSQL. Refuses to run with NODE_ENV=production.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { loadConfig, type AppConfig } from "../config/index.js";
import { importUnitsIfEmpty } from "../src/commands/unitsImporter.js";
import { openDatabase, type Database } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { createLogger } from "../src/logging/logger.js";
import { runningEmbeddedPostgresUrl, startEmbeddedPostgres } from "../src/devServices/embeddedPostgres.js";
import { DEFAULT_UNITS_FILE } from "../src/runtime.js";
import { parsePeriod } from "../src/stats/periods.js";

export interface SeedOptions {
  cases: number;
  /** A calendar year (Vietnam time); default: the 365 days before `now`. */
  year?: number;
  /** Only this district's communes; default: every district. */
  districtCode?: string;
  /** Deadline lengths in milliseconds (AppConfig["deadlines"]); the defaults of config/index.ts otherwise. */
  deadlines?: Pick<AppConfig["deadlines"], "triage" | "urgentTriage" | "acknowledge" | "verify" | "verifyExtended">;
  now?: Date;
}

export interface SeedResult {
  inserted: number;
  from: Date;
  to: Date;
  communes: number;
  ms: number;
}

export class SeedError extends Error {}

const DEFAULT_DEADLINES = { triage: 24 * 3_600_000, urgentTriage: 4 * 3_600_000, acknowledge: 48 * 3_600_000, verify: 20 * 86_400_000, verifyExtended: 60 * 86_400_000 };

/** The period the cases are spread over: [from, to), `to` never in the future. */
export function seedPeriod(opts: Pick<SeedOptions, "year" | "now">): { from: Date; to: Date } {
  const now = opts.now ?? new Date();
  if (opts.year === undefined) return { from: new Date(now.getTime() - 365 * 86_400_000), to: now };
  const p = parsePeriod(String(opts.year));
  if (!p || p.from >= now) throw new SeedError(`--year ${opts.year} is not a past or current year`);
  return { from: p.from, to: p.to < now ? p.to : now };
}

/*
 * $1 count · $2 from · $3 to (also the moment the statuses are computed for) · $4 district or null
 * $5 run salt (keeps receipt_lookup unique across runs) · $6..$10 deadlines in seconds
 * Stages: 1 assigned, 2 needs_info, 3 actionable, 4 forwarded, 5 acknowledged, 6 verifying, 7 resolved, 8 closed.
 */
const SEED_SQL = `
WITH places AS MATERIALIZED (
  SELECT c.code AS commune_code, c.parent_code AS district_code, (row_number() OVER (ORDER BY c.code))::int - 1 AS idx
    FROM units c JOIN units d ON d.code = c.parent_code AND d.level = 'district'
   WHERE c.level = 'commune' AND ($4::text IS NULL OR d.code = $4::text)
),
liaisons AS MATERIALIZED (
  SELECT DISTINCT ON (district_code) district_code, id FROM staff_users
   WHERE role = 'liaison' AND active ORDER BY district_code, created_at, id
),
police AS MATERIALIZED (
  SELECT DISTINCT ON (coalesce(district_code, '')) coalesce(district_code, '') AS district_code, id FROM police_units
   WHERE active ORDER BY coalesce(district_code, ''), created_at, id
),
picks AS MATERIALIZED (
  SELECT i, floor(random() * (SELECT count(*) FROM places))::int AS place,
         date_trunc('minute', $2::timestamptz + random() * ($3::timestamptz - $2::timestamptz)) AS received_at,
         random() AS r_cat, random() AS r_urgent, random() AS r_src, random() AS r_triage, random() AS r_reason,
         random() AS r_outcome, random() AS r_ext, random() AS r_d1, random() AS r_d2, random() AS r_d3, random() AS r_d4, random() AS r_d5, random() AS r_d6
    FROM generate_series(1, $1::int) AS g(i)
),
drawn AS (
  SELECT k.*, p.district_code, p.commune_code,
         CASE WHEN r_cat < 0.30 THEN 'selling' WHEN r_cat < 0.55 THEN 'using' WHEN r_cat < 0.65 THEN 'storage' WHEN r_cat < 0.70 THEN 'cultivation'
              WHEN r_cat < 0.75 THEN 'luring_minors' WHEN r_cat < 0.90 THEN 'help_request' ELSE 'other' END AS category,
         r_urgent < 0.08 AS urgent,
         CASE WHEN r_src < 0.85 THEN 'web' WHEN r_src < 0.95 THEN 'mailbox' ELSE 'phone' END AS source
    FROM picks k JOIN places p ON p.idx = k.place
),
planned AS (
  SELECT d.*,
         CASE WHEN category = 'help_request' THEN CASE WHEN r_triage < 0.85 THEN 'actionable' WHEN r_triage < 0.95 THEN 'not_actionable' ELSE 'needs_info' END
              ELSE CASE WHEN r_triage < 0.50 THEN 'actionable' WHEN r_triage < 0.75 THEN 'not_actionable' WHEN r_triage < 0.87 THEN 'duplicate' ELSE 'needs_info' END END AS plan,
         received_at + CASE WHEN urgent THEN interval '30 minutes' + r_d1 * interval '5 hours' ELSE interval '1 hour' + r_d1 * r_d1 * interval '40 hours' END AS t_triage
    FROM drawn d
),
timed AS (
  SELECT p.*,
         t_triage + interval '10 minutes' + r_d2 * interval '24 hours' AS t_forward,
         t_triage + interval '10 minutes' + r_d2 * interval '24 hours' + interval '1 hour' + r_d3 * r_d3 * interval '72 hours' AS t_ack
    FROM planned p
),
timed2 AS (
  SELECT t.*, r_ext < 0.1 AS extended,
         t_ack + r_d4 * interval '2 days' AS t_verify,
         CASE WHEN category = 'help_request' THEN t_triage + interval '1 day' + r_d5 * interval '9 days'
              ELSE t_ack + interval '2 days' + r_d5 * CASE WHEN r_ext < 0.1 THEN interval '55 days' ELSE interval '17 days' END END AS t_resolve
    FROM timed t
),
staged AS (
  SELECT t.*, t_resolve + interval '1 day' + r_d6 * interval '9 days' AS t_close,
         CASE
           WHEN $3::timestamptz < t_triage THEN 1
           WHEN plan IN ('not_actionable', 'duplicate') THEN 8
           WHEN plan = 'needs_info' THEN CASE WHEN $3::timestamptz < t_triage + interval '14 days' THEN 2 ELSE 8 END
           WHEN category = 'help_request' THEN CASE WHEN $3::timestamptz < t_resolve THEN 3 WHEN $3::timestamptz < t_resolve + interval '1 day' + r_d6 * interval '9 days' THEN 7 ELSE 8 END
           WHEN $3::timestamptz < t_forward THEN 3
           WHEN $3::timestamptz < t_ack THEN 4
           WHEN $3::timestamptz < t_verify THEN 5
           WHEN $3::timestamptz < t_resolve THEN 6
           WHEN $3::timestamptz < t_resolve + interval '1 day' + r_d6 * interval '9 days' THEN 7
           ELSE 8
         END AS stage
    FROM timed2 t
),
final AS (
  SELECT s.*,
         plan = 'actionable' AND category <> 'help_request' AS police_path,
         CASE WHEN stage >= 2 AND plan = 'needs_info' AND stage = 8 THEN 'not_actionable' WHEN stage >= 2 THEN plan END AS triage_outcome,
         CASE WHEN stage = 8 AND plan = 'needs_info' THEN t_triage + interval '14 days' ELSE t_triage END AS triage_time
    FROM staged s
)
INSERT INTO tips (id, received_at, category, district_code, commune_code, urgent, status, source, no_liaison, assignee_id, assigned_at,
                  triaged_at, triage_outcome, not_actionable_reason, forwarded_unit_id, forwarded_at, acknowledged_at, verify_extended,
                  resolved_at, outcome, closed_at, deadline_at, deadline_from, deadline_kind, referred, version,
                  public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key)
SELECT gen_random_uuid(), f.received_at, f.category, f.district_code, f.commune_code, f.urgent,
       CASE WHEN f.stage = 1 AND l.id IS NULL THEN 'received' ELSE (ARRAY['assigned','needs_info','actionable','forwarded','acknowledged','verifying','resolved','closed'])[f.stage] END,
       f.source, l.id IS NULL, l.id, CASE WHEN l.id IS NOT NULL THEN f.received_at END,
       CASE WHEN f.stage >= 2 THEN f.triage_time END,
       f.triage_outcome,
       CASE WHEN f.triage_outcome = 'not_actionable' THEN
         CASE WHEN f.plan = 'needs_info' OR f.r_reason < 0.5 THEN 'insufficient' WHEN f.r_reason < 0.7 THEN 'out_of_scope' WHEN f.r_reason < 0.9 THEN 'false_or_malicious' ELSE 'other' END END,
       CASE WHEN f.police_path AND f.stage >= 4 THEN coalesce(pd.id, pp.id) END,
       CASE WHEN f.police_path AND f.stage >= 4 THEN f.t_forward END,
       CASE WHEN f.police_path AND f.stage >= 5 THEN f.t_ack END,
       f.police_path AND f.stage >= 6 AND f.extended,
       CASE WHEN f.plan = 'actionable' AND f.stage >= 7 THEN f.t_resolve END,
       CASE WHEN f.plan = 'actionable' AND f.stage >= 7 THEN
         CASE WHEN f.category = 'help_request' THEN CASE WHEN f.r_outcome < 0.55 THEN 'referred_counselling' WHEN f.r_outcome < 0.80 THEN 'referred_treatment' ELSE 'not_referred' END
              ELSE CASE WHEN f.r_outcome < 0.25 THEN 'spot_eliminated' WHEN f.r_outcome < 0.30 THEN 'plants_destroyed' WHEN f.r_outcome < 0.50 THEN 'arrests_made' WHEN f.r_outcome < 0.90 THEN 'nothing_found' ELSE 'handed_over' END END END,
       CASE WHEN f.stage = 8 THEN CASE WHEN f.plan = 'actionable' THEN f.t_close ELSE f.triage_time END END,
       CASE f.stage WHEN 1 THEN f.received_at + make_interval(secs => CASE WHEN f.urgent THEN $7::float8 ELSE $6::float8 END)
                    WHEN 4 THEN f.t_forward + make_interval(secs => $8::float8)
                    WHEN 5 THEN f.t_ack + make_interval(secs => $9::float8)
                    WHEN 6 THEN f.t_ack + make_interval(secs => CASE WHEN f.extended THEN $10::float8 ELSE $9::float8 END) END,
       CASE f.stage WHEN 1 THEN f.received_at WHEN 4 THEN f.t_forward WHEN 5 THEN f.t_ack WHEN 6 THEN f.t_ack END,
       CASE f.stage WHEN 1 THEN 'triage' WHEN 4 THEN 'acknowledge' WHEN 5 THEN 'verify' WHEN 6 THEN 'verify' END,
       CASE WHEN f.category = 'help_request' AND f.plan = 'actionable' AND f.stage >= 7 THEN f.r_outcome < 0.80 END,
       f.stage + 1,
       sha256(convert_to(random()::text || f.i, 'UTF8')),
       sha256(convert_to($5::text || ':' || f.i, 'UTF8')),
       sha256(convert_to(random()::text || 'w' || f.i, 'UTF8')) || sha256(convert_to(random()::text || 'x' || f.i, 'UTF8')) || substring(sha256(convert_to(random()::text, 'UTF8')) FROM 1 FOR 8),
       sha256(convert_to(random()::text || 'r' || f.i, 'UTF8')) || sha256(convert_to(random()::text || 's' || f.i, 'UTF8')) || substring(sha256(convert_to(random()::text, 'UTF8')) FROM 1 FOR 16)
  FROM final f
  LEFT JOIN liaisons l ON l.district_code = f.district_code
  LEFT JOIN police pd ON pd.district_code = f.district_code
  LEFT JOIN police pp ON pp.district_code = ''`;

/**
 * Insert `opts.cases` generated cases into an already migrated database whose units table is filled.
 * @throws SeedError when no commune (of the district asked for) exists, or the year is in the future.
 */
export async function seedCases(database: Database, opts: SeedOptions): Promise<SeedResult> {
  if (!Number.isInteger(opts.cases) || opts.cases < 1) throw new SeedError("--cases must be a positive whole number");
  const { from, to } = seedPeriod(opts);
  const d = { ...DEFAULT_DEADLINES, ...opts.deadlines };
  const started = performance.now();
  const places = await database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM units c JOIN units d ON d.code = c.parent_code AND d.level = 'district' WHERE c.level = 'commune' AND ($1::text IS NULL OR d.code = $1::text)`,
    [opts.districtCode ?? null],
  );
  const communes = places.rows[0]?.n ?? 0;
  if (communes === 0) throw new SeedError(opts.districtCode ? `no communes of district ${opts.districtCode} in the units table` : "the units table has no communes");
  const seconds = (ms: number) => ms / 1000;
  const result = await database.pool.query(SEED_SQL, [
    opts.cases,
    from.toISOString(),
    to.toISOString(),
    opts.districtCode ?? null,
    randomBytes(8).toString("hex"),
    seconds(d.triage),
    seconds(d.urgentTriage),
    seconds(d.acknowledge),
    seconds(d.verify),
    seconds(d.verifyExtended),
  ]);
  await database.pool.query("ANALYZE tips");
  return { inserted: result.rowCount ?? 0, from, to, communes, ms: performance.now() - started };
}

async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { cases: { type: "string", default: "100000" }, year: { type: "string" }, district: { type: "string" } }, strict: true });
  const config = loadConfig();
  if (config.isProduction) throw new SeedError("refusing to seed generated cases with NODE_ENV=production");
  const cases = Number(values.cases);
  if (values.year !== undefined && !/^\d{4}$/.test(values.year)) throw new SeedError("--year must be a year such as 2020");
  if (values.district !== undefined && !/^\d{1,10}$/.test(values.district)) throw new SeedError("--district must be a district code such as 831");
  const year = values.year === undefined ? undefined : Number(values.year);
  seedPeriod({ year }); // a bad --year is refused before any database is started
  if (!Number.isInteger(cases) || cases < 1) throw new SeedError("--cases must be a positive whole number");
  // Like the CLI: the configured PostgreSQL, the embedded one a running homthu owns, or an embedded one started for this.
  const dataDir = path.join(config.dataDir, "postgres");
  const url = config.databaseUrl ?? (await runningEmbeddedPostgresUrl(dataDir)) ?? undefined;
  const started = url ? null : await startEmbeddedPostgres({ dataDir, logger: createLogger("warn") });
  const database = openDatabase(url ?? started!.url, 2);
  try {
    await runMigrations(database);
    await importUnitsIfEmpty(database.db, DEFAULT_UNITS_FILE);
    const r = await seedCases(database, { cases, year, districtCode: values.district, deadlines: config.deadlines });
    return `seeded ${r.inserted} cases over ${r.communes} communes, ${r.from.toISOString()} to ${r.to.toISOString()}, in ${(r.ms / 1000).toFixed(1)} s`;
  } finally {
    await database.close();
    await started?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (message) => {
      process.stdout.write(`${message}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`seed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
