/**
 * The operator's command line: `npm run cli -- <command>`.
 *   units import FILE                      replace the administrative tree with a CSV
 *   bootstrap --email E                    first administrator + recovery key
 *   staff create --email E --role R [--district CODE] [--unit ID]
 * Passwords come from HOMTHU_PASSWORD or a prompt that does not echo.
 * Any failure ends with exit status 1 and one readable line.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../../config/index.js";
import { bootstrap } from "../commands/bootstrapper.js";
import { createStaff, type Role } from "../commands/staffCreator.js";
import { importUnits } from "../commands/unitsImporter.js";
import * as crypto from "../crypto/index.js";
import { openDatabase, type Database } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { createLogger } from "../logging/logger.js";
import path from "node:path";
import { runningEmbeddedPostgresUrl, startEmbeddedPostgres } from "../devServices/embeddedPostgres.js";
import { readPassword } from "./readPassword.js";
import { appendAudit, verifyAudit } from "../audit/auditLog.js";

export class UsageError extends Error {}

const USAGE = `usage: npm run cli -- units import FILE | audit verify | bootstrap --email E | staff create --email E --role admin|liaison|police|supervisor [--district CODE] [--unit ID]`;

type Handler = (database: Database, args: string[]) => Promise<string>;

const commands: Record<string, Handler> = {
  "audit verify": async ({ db }) => {
    const verdict = await verifyAudit(db);
    if (!verdict.ok) throw new Error(`audit log broken at row ${verdict.badRowId}: ${verdict.reason} (${verdict.rows} rows before it are intact)`);
    return `audit log intact: ${verdict.rows} rows, head ${verdict.head}`;
  },
  "units import": async ({ db }, args) => {
    const file = args[0];
    if (!file) throw new UsageError("units import needs a FILE");
    if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const r = await importUnits(db, fs.readFileSync(file, "utf8"));
    return `imported ${r.provinces} province, ${r.districts} districts, ${r.communes} communes`;
  },
  bootstrap: async ({ db }, args) => {
    const { values } = parseArgs({ args, options: { email: { type: "string" } }, strict: true });
    if (!values.email) throw new UsageError("bootstrap needs --email E");
    await bootstrap(db, values.email, await readPassword());
    return `administrator ${values.email} and the recovery key created`;
  },
  "staff create": async ({ db }, args) => {
    const { values } = parseArgs({ args, options: { email: { type: "string" }, role: { type: "string" }, district: { type: "string" }, unit: { type: "string" } }, strict: true });
    const role = values.role as Role | undefined;
    if (!values.email || !role || !["admin", "liaison", "police", "supervisor"].includes(role)) throw new UsageError("staff create needs --email E and --role admin|liaison|police|supervisor");
    const password = await readPassword();
    const created = await db.transaction(async (tx) => {
      const user = await createStaff(tx, { email: values.email!, role, districtCode: values.district ?? null, policeUnitId: values.unit ?? null, password });
      await appendAudit(tx, { actorId: null, action: "user.created_by_cli", subjectType: "staff", subjectId: user.id, districtCode: values.district ?? null, details: { role } });
      return user;
    });
    return `${role} ${values.email} created (id ${created.id})`;
  },
};

export async function runCli(argv: string[]): Promise<string> {
  const name = [`${argv[0]} ${argv[1]}`, argv[0]].find((n) => n && commands[n]);
  if (!name) throw new UsageError(USAGE);
  const rest = argv.slice(name.split(" ").length);
  const config = loadConfig();
  const logger = createLogger("warn");
  await crypto.ready(config.argon2);
  // Only PostgreSQL is needed here (Redis stays untouched): the configured one, the embedded one a
  // running homthu owns, or an embedded one started just for this command.
  const databaseUrl = config.databaseUrl ?? (await runningEmbeddedPostgresUrl(path.join(config.dataDir, "postgres"))) ?? undefined;
  const started = databaseUrl ? null : await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, "postgres"), logger });
  const services = { databaseUrl: databaseUrl ?? started!.url, stop: async () => started?.stop() };
  const database = openDatabase(services.databaseUrl, 2);
  try {
    await runMigrations(database);
    return await commands[name]!(database, rest);
  } finally {
    await database.close();
    await services.stop();
  }
}
