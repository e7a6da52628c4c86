/**
 * The commune drug-situation register's changes: one commune's
 * classification for a year, a whole year's CSV import, and the targets the
 * figures are measured against. Each checks the policy itself and writes its
 * audit row in the same transaction as the change.
 */
import { and, eq, sql } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { communeClassifications } from "../db/schema.js";
import type { Tx } from "../db/client.js";
import { csvRefused, invalidInput } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import { getSetting, putSetting } from "../settings/settings.js";
import { registerList, type Level, type RegisterTargets } from "../communes/register.js";
import { toCsv } from "../stats/reportTable.js";
import { CSV_COLUMNS } from "../validation/communes.js";

export interface ClassificationInput {
  communeCode: string;
  year: number;
  level: Level;
  decision?: string;
  decidedOn?: string;
}

async function upsert(tx: Tx, actor: Actor, input: ClassificationInput): Promise<{ before: string | null }> {
  const [old] = await tx
    .select({ level: communeClassifications.level })
    .from(communeClassifications)
    .where(and(eq(communeClassifications.communeCode, input.communeCode), eq(communeClassifications.year, input.year)))
    .for("update");
  const values = { level: input.level, decision: input.decision ?? null, decidedOn: input.decidedOn ?? null, enteredBy: actor.id, enteredAt: sql`now()` };
  await tx
    .insert(communeClassifications)
    .values({ communeCode: input.communeCode, year: input.year, ...values })
    .onConflictDoUpdate({ target: [communeClassifications.communeCode, communeClassifications.year], set: values });
  return { before: old?.level ?? null };
}

/** Enter or change one commune's classification for a year. */
export async function classifyCommune(ctx: AppContext, actor: Actor, input: ClassificationInput): Promise<{ before: string | null }> {
  const district = (await ctx.units.tree()).communeDistrict.get(input.communeCode);
  if (!district) throw invalidInput("invalid_classification", { communeCode: "errors.invalid_commune" });
  authorize(actor, "communes.classify", { districtCode: district });
  return ctx.database.db.transaction(async (tx) => {
    const r = await upsert(tx, actor, input);
    await appendAudit(tx, {
      actorId: actor.id,
      action: "commune.classified",
      subjectType: "commune",
      subjectId: input.communeCode,
      districtCode: district,
      details: { year: input.year, level: input.level, before: r.before, decision: input.decision ?? null, decidedOn: input.decidedOn ?? null },
    });
    return r;
  });
}

/**
 * A year's classifications from a file, all or nothing: every commune must be
 * in the tree and within the actor's jurisdiction. Communes not in the file
 * keep what they had.
 */
export async function importClassifications(
  ctx: AppContext,
  actor: Actor,
  year: number,
  rows: Array<ClassificationInput & { line: number }>,
): Promise<{ imported: number; changed: number }> {
  const tree = await ctx.units.tree();
  for (const r of rows) {
    const district = tree.communeDistrict.get(r.communeCode);
    if (!district) throw csvRefused(r.line, "errors.csv_unknown_commune");
    authorize(actor, "communes.classify", { districtCode: district });
  }
  authorize(actor, "communes.classify");
  return ctx.database.db.transaction(async (tx) => {
    let changed = 0;
    for (const r of rows) {
      const { before } = await upsert(tx, actor, { ...r, year });
      if (before !== r.level) changed++;
    }
    await appendAudit(tx, {
      actorId: actor.id,
      action: "commune.classifications_imported",
      subjectType: "commune_register",
      subjectId: String(year),
      details: { year, rows: rows.length, changed },
    });
    return { imported: rows.length, changed };
  });
}

/** A year's register as CSV (the columns the import reads back); the export is audited. */
export async function exportClassifications(ctx: AppContext, actor: Actor, year: number, districtCode?: string): Promise<string> {
  authorize(actor, "communes.view", districtCode === undefined ? undefined : { districtCode });
  const list = await registerList(ctx.database.db, await ctx.units.tree(), year, districtCode);
  const csv = toCsv([...CSV_COLUMNS], list.map((e) => [e.code, e.districtName, e.name, e.level ?? "", e.decision ?? "", e.decidedOn ?? ""]));
  await ctx.database.db.transaction((tx) =>
    appendAudit(tx, { actorId: actor.id, action: "commune_register.exported", subjectType: "commune_register", subjectId: String(year), districtCode: districtCode ?? null }),
  );
  return csv;
}

/** Change the baseline year and targets of the register's figures (administrators). */
export async function setRegisterTargets(ctx: AppContext, actor: Actor, targets: RegisterTargets): Promise<void> {
  authorize(actor, "settings.manage");
  await ctx.database.db.transaction(async (tx) => {
    const before = await getSetting(tx, "registerTargets");
    await putSetting(tx, "registerTargets", targets);
    await appendAudit(tx, { actorId: actor.id, action: "settings.changed", subjectType: "settings", details: { changed: ["registerTargets"], before, after: targets } });
  });
}
