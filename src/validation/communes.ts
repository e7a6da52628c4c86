/**
 * The commune register's inputs: one classification (API and form), the
 * targets (administrators), and the CSV import, checked whole — a bad file is
 * refused with the line of its first problem, nothing half-imported.
 */
import { z } from "zod";
import { LEVELS, type Level } from "../communes/register.js";
import { CsvSyntaxError, parseCsv } from "../units/csv.js";
import { optionalText } from "./fields.js";

export const yearField = z.coerce.number({ error: "errors.invalid_year" }).int("errors.invalid_year").min(2000, "errors.invalid_year").max(2100, "errors.invalid_year");
const communeCode = z.string().regex(/^\d{1,10}$/, "errors.invalid_commune");
const decidedOn = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.union([z.literal(""), z.iso.date("errors.invalid_date")]))
  .optional()
  .transform((s) => (s ? s : undefined));

export const classificationSchema = z.strictObject({
  level: z.enum(LEVELS, { error: "errors.invalid_level" }),
  decision: optionalText(100, "errors.too_long"),
  decidedOn,
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});

export const classificationParams = z.object({ code: communeCode, year: yearField });

export const registerTargetsSchema = z.strictObject({
  baselineYear: yearField,
  reductionTarget: z.coerce.number({ error: "errors.invalid_number" }).min(-100, "errors.invalid_number").max(0, "errors.invalid_number"),
  /** Given in percent on the form (50), kept as a share (0.5). */
  drugFreePercent: z.coerce.number({ error: "errors.invalid_number" }).min(1, "errors.invalid_number").max(100, "errors.invalid_number"),
  drugFreeYear: yearField,
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});

export interface ImportedClassification {
  line: number;
  communeCode: string;
  level: Level;
  decision?: string;
  decidedOn?: string;
}

/** A field-level refusal of the whole file: which line, and why (a locale key). */
export class CsvImportError extends Error {
  constructor(readonly line: number, readonly key: string) {
    super(key);
  }
}

/** The columns of the export; the import reads the same file (the name columns are ignored). */
export const CSV_COLUMNS = ["commune_code", "district", "commune", "level", "decision", "decided_on"] as const;
const MAX_ROWS = 5000;

export function parseClassificationCsv(text: string): ImportedClassification[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new CsvImportError(err.line, "errors.csv_syntax");
    throw err;
  }
  records = records.filter((r) => r.fields.some((f) => f.trim() !== ""));
  const header = records.shift();
  if (!header) throw new CsvImportError(1, "errors.csv_empty");
  const col = (name: string) => header.fields.findIndex((f) => f.trim().toLowerCase() === name);
  const at = { code: col("commune_code"), level: col("level"), decision: col("decision"), decidedOn: col("decided_on") };
  if (at.code < 0 || at.level < 0) throw new CsvImportError(header.line, "errors.csv_header");
  if (records.length > MAX_ROWS) throw new CsvImportError(records[MAX_ROWS]!.line, "errors.csv_too_many_rows");
  const seen = new Set<string>();
  const cellOf = (r: { fields: string[] }, i: number) => (i >= 0 ? (r.fields[i] ?? "").trim() : "");
  // A line without a level is a commune not classified (as the export writes it): it changes nothing.
  return records.filter((r) => cellOf(r, at.level) !== "").map((r) => {
    const cell = (i: number) => cellOf(r, i);
    // PostgreSQL text cannot hold NUL; no field of this file has a use for control characters.
    if (r.fields.some((f) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(f))) throw new CsvImportError(r.line, "errors.invalid_characters");
    const row = z
      .object({ communeCode, level: z.enum(LEVELS, { error: "errors.invalid_level" }), decision: optionalText(100, "errors.too_long"), decidedOn })
      .safeParse({ communeCode: cell(at.code), level: cell(at.level), decision: cell(at.decision), decidedOn: cell(at.decidedOn) });
    if (!row.success) throw new CsvImportError(r.line, row.error.issues[0]!.message.startsWith("errors.") ? row.error.issues[0]!.message : "errors.invalid");
    if (seen.has(row.data.communeCode)) throw new CsvImportError(r.line, "errors.csv_duplicate_commune");
    seen.add(row.data.communeCode);
    return { line: r.line, ...row.data };
  });
}
