/**
 * The administrative trees shipped in config/units: Bến Tre as it stood in
 * 2019 (164 communes, the seed plan's period), after the 01/02/2020 merges
 * (157), and the 48 communes that replaced Bến Tre's on 01/07/2025 inside the
 * new Vĩnh Long province (no district level). Sources: config/units/README.md.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseUnitsCsv, type UnitRow } from "./parseUnitsCsv.js";

export const BUNDLED_TREES = ["ben-tre-2019", "ben-tre-2020", "vinh-long-2025-ben-tre"] as const;
export type BundledTree = (typeof BUNDLED_TREES)[number];

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "config", "units");

export const bundledTreeFile = (key: BundledTree) => path.join(DIR, `${key}.csv`);

const parsed = new Map<BundledTree, UnitRow[]>();
export function bundledTreeRows(key: BundledTree): UnitRow[] {
  if (!parsed.has(key)) parsed.set(key, parseUnitsCsv(fs.readFileSync(bundledTreeFile(key), "utf8")));
  return parsed.get(key)!;
}

/** Which bundled tree the loaded units are (same codes and names), or null for a tree imported from elsewhere. */
export function recogniseTree(loaded: Array<{ code: string; name: string; level: string }>): BundledTree | null {
  const sign = (rows: Array<{ code: string; name: string; level: string }>) => rows.map((r) => `${r.level}:${r.code}:${r.name}`).sort().join("|");
  const mine = sign(loaded);
  return BUNDLED_TREES.find((k) => sign(bundledTreeRows(k)) === mine) ?? null;
}
