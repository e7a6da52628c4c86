/**
 * Settings administrators change at run time, stored as JSON rows. Each has
 * a default here, so an empty table means "as shipped".
 */
import { eq } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { settings } from "../db/schema.js";
import type { RegisterTargets } from "../communes/register.js";

/** What the tipster is told for each outcome; the default is deliberately general. */
export type OutcomeWordings = Record<string, { vi: string; en: string }>;

export const DEFAULTS = {
  outcomeWordings: {} as OutcomeWordings,
  publicFigures: false,
  /** What the commune register's figures are measured against (see src/communes/register.ts). */
  registerTargets: { baselineYear: 2019, reductionTarget: -5, drugFreeShare: 0.5, drugFreeYear: 2030 } as RegisterTargets,
  /** The argon2 parameters this installation was set up with (see runtime.ts). */
  argon2Parameters: null as null | { memoryKiB: number; passes: number; parallelism: number },
};

export type SettingKey = keyof typeof DEFAULTS;

export async function getSetting<K extends SettingKey>(db: Db | Tx, key: K): Promise<(typeof DEFAULTS)[K]> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return (row?.value as (typeof DEFAULTS)[K] | undefined) ?? DEFAULTS[key];
}

export async function putSetting<K extends SettingKey>(tx: Tx, key: K, value: (typeof DEFAULTS)[K]): Promise<void> {
  await tx.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
}
