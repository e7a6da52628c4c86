/**
 * The commune register's CSV import, shared by the API and the staff page:
 * the file parsed and refused with its line, then the import command.
 */
import type { AppContext } from "../context.js";
import { importClassifications } from "../commands/communeClassifier.js";
import { csvRefused } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { CsvImportError, parseClassificationCsv } from "../validation/communes.js";

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

