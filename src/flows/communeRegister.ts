/**
 * The commune register's CSV, shared by the API and the staff page: the
 * export (the same columns the import reads) and the import of a whole year.
 */
import type { AppContext } from "../context.js";
import { importClassifications } from "../commands/communeClassifier.js";
import { registerList } from "../communes/register.js";
import { csvRefused } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { toCsv } from "../stats/reportTable.js";
import { CSV_COLUMNS, CsvImportError, parseClassificationCsv } from "../validation/communes.js";

/** The year's register as the CSV the import reads back. */
export async function registerCsv(ctx: AppContext, year: number, district?: string): Promise<string> {
  const list = await registerList(ctx.database.db, await ctx.units.tree(), year, district);
  return toCsv([...CSV_COLUMNS], list.map((e) => [e.code, e.districtName, e.name, e.level ?? "", e.decision ?? "", e.decidedOn ?? ""]));
}

/** Parse and import a year's file; a bad file is a 400 naming its line. */
export async function importRegisterCsv(ctx: AppContext, actor: Actor, year: number, text: string) {
  let rows;
  try {
    rows = parseClassificationCsv(text);
  } catch (err) {
    if (err instanceof CsvImportError) throw csvRefused(err.line, err.key);
    throw err;
  }
  return importClassifications(ctx, actor, year, rows.map((r) => ({ ...r, year })));
}

