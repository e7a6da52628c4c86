/**
 * Replace the administrative tree with the units of a CSV file, in one
 * transaction: a bad file (rejected by parseUnitsCsv) changes nothing.
 * Tips keep the codes they were filed under, so past statistics stay correct
 * when a new tree (e.g. the 2025 merged communes) replaces the old one.
 */
import fs from "node:fs";
import { sql } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { units } from "../db/schema.js";
import { parseUnitsCsv, type UnitRow } from "../units/parseUnitsCsv.js";

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
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${UNITS_LOCK})`);
    await replaceUnits(tx, rows);
  });
  const count = (level: string) => rows.filter((r) => r.level === level).length;
  return { provinces: count("province"), districts: count("district"), communes: count("commune") };
}

/** Serialises imports: several processes may start on an empty database at once. */
export const UNITS_LOCK = 0x756e6974; // "unit"

/** Replace the whole tree inside the caller's transaction (which holds UNITS_LOCK). */
export async function replaceUnits(tx: Tx, rows: UnitRow[]): Promise<void> {
  await tx.delete(units);
  for (let i = 0; i < rows.length; i += 500) await tx.insert(units).values(rows.slice(i, i + 500));
}

/** Import `file` only when the units table is empty (first start). Returns whether it imported. */
export async function importUnitsIfEmpty(db: Db, file: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${UNITS_LOCK})`);
    const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(units);
    if ((row?.n ?? 0) > 0) return false;
    await replaceUnits(tx, parseUnitsCsv(fs.readFileSync(file, "utf8")));
    return true;
  });
}
