/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF). The units
 * file is a few hundred rows; a dependency would be more code to trust than this.
 */

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

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"') {
      if (field !== "") throw new CsvSyntaxError(line, "a quote inside an unquoted field");
      quoted = true;
    } else if (c === ",") (fields.push(field), (field = ""));
    else if (c === "\r" && src[i + 1] === "\n") continue;
    else if (c === "\n") {
      fields.push(field);
      if (fields.some((f) => f !== "")) records.push({ line: start, fields });
      (fields = []), (field = ""), (start = ++line);
    } else field += c;
  }
  if (quoted) throw new CsvSyntaxError(start, "an unclosed quote");
  fields.push(field);
  if (fields.some((f) => f !== "")) records.push({ line: start, fields });
  return records;
}
