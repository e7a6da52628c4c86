/**
 * Replace the administrative tree with the units of a CSV file, in one
 * transaction: a bad file (rejected by parseUnitsCsv) changes nothing.
 * Tips keep the codes they were filed under, so past statistics stay correct
 * when a new tree (e.g. the 2025 merged communes) replaces the old one.
 */
import fs from "node:fs";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { units } from "../db/schema.js";
import { parseUnitsCsv } from "../units/parseUnitsCsv.js";

export interface ImportResult {
  provinces: number;
  districts: number;
  communes: number;
}

/**
 * @throws UnitsFileError naming the first bad line; nothing is written then.
 */
export async function importUnits(db: Db, csvText: string): Promise<ImportResult> {
  const rows = parseUnitsCsv(csvText);
  await db.transaction(async (tx) => {
    await tx.delete(units);
    for (let i = 0; i < rows.length; i += 500) await tx.insert(units).values(rows.slice(i, i + 500));
  });
  const count = (level: string) => rows.filter((r) => r.level === level).length;
  return { provinces: count("province"), districts: count("district"), communes: count("commune") };
}

/** Import `file` only when the units table is empty (first start). Returns whether it imported. */
export async function importUnitsIfEmpty(db: Db, file: string): Promise<boolean> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(units);
  if ((row?.n ?? 0) > 0) return false;
  await importUnits(db, fs.readFileSync(file, "utf8"));
  return true;
}
