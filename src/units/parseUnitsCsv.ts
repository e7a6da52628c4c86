/**
 * Validate a units CSV and turn it into the rows of the units table.
 *
 * Accepted header (order free): province_code, province_name, commune_code,
 * commune_name, and optionally district_code, district_name, district_type,
 * commune_type. A file either gives every commune a district (the 2019 tree:
 * province → district → commune) or none (the 2025 tree: province → commune).
 * The whole file is rejected at the first bad line, named by its number.
 */
import { parseCsv, CsvSyntaxError } from "./csv.js";

export interface UnitRow {
  code: string;
  parentCode: string | null;
  level: "province" | "district" | "commune";
  name: string;
  type: string;
  position: number;
}

export class UnitsFileError extends Error {
  constructor(readonly line: number, reason: string) {
    super(`line ${line}: ${reason}`);
  }
}

const REQUIRED = ["province_code", "province_name", "commune_code", "commune_name"] as const;
const CODE = /^\d{1,10}$/;

export function parseUnitsCsv(text: string): UnitRow[] {
  let records;
  try {
    records = parseCsv(text.normalize("NFC"));
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new UnitsFileError(e.line, e.message);
    throw e;
  }
  const header = records.shift();
  if (!header) throw new UnitsFileError(1, "the file is empty");
  const col = new Map(header.fields.map((h, i) => [h.trim().toLowerCase(), i]));
  for (const name of REQUIRED) if (!col.has(name)) throw new UnitsFileError(1, `missing column ${name}`);
  if (records.length === 0) throw new UnitsFileError(2, "no units in the file");

  const get = (fields: string[], name: string) => (col.has(name) ? (fields[col.get(name)!] ?? "").trim() : "");
  const byCode = new Map<string, UnitRow>();
  const withDistrict = col.has("district_code") && get(records[0]!.fields, "district_code") !== "";
  let province: Omit<UnitRow, "position"> | undefined;

  const add = (line: number, row: Omit<UnitRow, "position">) => {
    const seen = byCode.get(row.code);
    if (!seen) return void byCode.set(row.code, { ...row, position: byCode.size });
    if (seen.level !== row.level || seen.name !== row.name || seen.parentCode !== row.parentCode) {
      const what = row.level === "commune" ? "commune" : row.level;
      throw new UnitsFileError(line, `${what} code ${row.code} is already used for "${seen.name}" (${seen.level}${seen.parentCode ? ` in ${seen.parentCode}` : ""})`);
    }
    if (row.level === "commune") throw new UnitsFileError(line, `commune ${row.code} is listed twice`);
  };

  for (const { line, fields } of records) {
    if (fields.length !== header.fields.length) throw new UnitsFileError(line, `expected ${header.fields.length} columns, found ${fields.length}`);
    const p = { code: get(fields, "province_code"), name: get(fields, "province_name") };
    const d = { code: get(fields, "district_code"), name: get(fields, "district_name"), type: get(fields, "district_type") };
    const c = { code: get(fields, "commune_code"), name: get(fields, "commune_name"), type: get(fields, "commune_type") };
    for (const [label, code] of [["province_code", p.code], ["commune_code", c.code]] as const)
      if (!CODE.test(code)) throw new UnitsFileError(line, `${label} "${code}" is not a numeric code`);
    if (!p.name || !c.name) throw new UnitsFileError(line, "a name is empty");
    if (province && province.code !== p.code) throw new UnitsFileError(line, `a second province (${p.code}); one file holds one province`);
    if ((d.code !== "") !== withDistrict) throw new UnitsFileError(line, "either every row has a district or none does");
    if (!province) {
      province = { code: p.code, parentCode: null, level: "province", name: p.name, type: "" };
      add(line, province!);
    } else if (province.name !== p.name) throw new UnitsFileError(line, `province ${p.code} has two names`);
    let parent = p.code;
    if (withDistrict) {
      if (!CODE.test(d.code)) throw new UnitsFileError(line, `district_code "${d.code}" is not a numeric code`);
      if (!d.name) throw new UnitsFileError(line, "district_name is empty");
      add(line, { code: d.code, parentCode: p.code, level: "district", name: d.name, type: d.type });
      parent = d.code;
    }
    add(line, { code: c.code, parentCode: parent, level: "commune", name: c.name, type: c.type });
  }
  return [...byCode.values()];
}
