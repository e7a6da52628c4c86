/**
 * Reading police units for the pages and the API: the list, the active ones
 * (the choices of the invite and forward forms), one unit's name. Creating a
 * unit is a command (commands/policeUnitCreator.ts); which unit takes a case
 * is in cases/coverageRules.ts.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { policeUnits } from "../db/schema.js";

/** Every police unit, by name. */
export const listPoliceUnits = (db: Db) => db.select().from(policeUnits).orderBy(asc(policeUnits.name));

/** The active units (id and name), by name. */
export const activePoliceUnits = (db: Db) =>
  db.select({ id: policeUnits.id, name: policeUnits.name }).from(policeUnits).where(eq(policeUnits.active, true)).orderBy(asc(policeUnits.name));

/** One unit's name, or null. */
export async function policeUnitName(db: Db, id: string | null | undefined): Promise<string | null> {
  if (!id) return null;
  const [row] = await db.select({ name: policeUnits.name }).from(policeUnits).where(eq(policeUnits.id, id));
  return row?.name ?? null;
}
