/**
 * CSV files as records with their line numbers, read by `csv-parse` (RFC 4180:
 * quoted fields, doubled quotes, a byte-order mark, CRLF or LF). The units
 * import and the commune classification import both name a bad row by the
 * line it starts on, which csv-parse does not give for a record whose quoted
 * field spans lines; so the line is counted here from the bytes each record
 * ends at. Records whose fields are all empty (",,,") are skipped, as blank
 * lines are.
 */
import { CsvError, parse } from "csv-parse/sync";

/** One parsed record and the 1-based line of the file it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

const LF = 0x0a;
const CR = 0x0d;

export function parseCsv(text: string): CsvRecord[] {
  const bytes = Buffer.from(text, "utf8");
  const records: CsvRecord[] = [];
  let at = 0; // the byte after the last record read
  let line = 1; // the line `at` is on
  /** The line the next record starts on: blank lines after the last record are passed over. */
  const nextLine = () => {
    for (; at < bytes.length && (bytes[at] === LF || bytes[at] === CR); at++) if (bytes[at] === LF) line++;
    return line;
  };
  try {
    parse(bytes, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n"],
      on_record: (fields: string[], info) => {
        const start = nextLine();
        for (; at < info.bytes; at++) if (bytes[at] === LF) line++;
        if (fields.some((f) => f !== "")) records.push({ line: start, fields });
        return null; // kept here, with its line, not in csv-parse's own result
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw new CsvSyntaxError(nextLine(), err.code === "CSV_QUOTE_NOT_CLOSED" ? "an unclosed quote" : `a misplaced quote (${err.code})`);
  }
  return records;
}
