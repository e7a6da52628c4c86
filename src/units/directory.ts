/**
 * The administrative tree as the app reads it: loaded from the units table and
 * kept in memory for a short while (the tree is ~200 rows and changes once in
 * years). Every process reloads on its own, so nothing needs to be shared.
 */
import { asc } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { units } from "../db/schema.js";

export interface Commune {
  code: string;
  name: string;
  /** The unit's own type from the units data: Phường, Thị trấn, Xã… */
  type: string;
}
export interface District {
  code: string;
  name: string;
  /** Thành phố, Thị xã, Huyện… (the province itself for a tree without districts) */
  type: string;
  communes: Commune[];
}
export interface UnitTree {
  province: { code: string; name: string; type: string } | null;
  /** False for a province → commune tree (no district level): one pseudo-district is the province. */
  hasDistricts: boolean;
  districts: District[];
  /** commune code → district code */
  communeDistrict: Map<string, string>;
}

const TTL_MS = 60_000;

export class UnitDirectory {
  private cached?: { at: number; tree: UnitTree };

  constructor(private readonly db: Db) {}

  /** Forget the cached tree (after an import in this process). */
  invalidate(): void {
    this.cached = undefined;
  }

  async tree(): Promise<UnitTree> {
    if (this.cached && Date.now() - this.cached.at < TTL_MS) return this.cached.tree;
    let rows: (typeof units.$inferSelect)[];
    try {
      rows = await this.db.select().from(units).orderBy(asc(units.position));
    } catch (err) {
      // PostgreSQL unreachable: a stale tree still renders the report form (with what was typed) and its 503 notice.
      if (this.cached) return this.cached.tree;
      throw err;
    }
    const province = rows.find((r) => r.level === "province") ?? null;
    const hasDistricts = rows.some((r) => r.level === "district");
    const districts: District[] = hasDistricts
      ? rows.filter((r) => r.level === "district").map((r) => ({ code: r.code, name: r.name, type: r.type, communes: [] }))
      : province
        ? [{ code: province.code, name: province.name, type: province.type, communes: [] }]
        : [];
    const byCode = new Map(districts.map((d) => [d.code, d]));
    const communeDistrict = new Map<string, string>();
    for (const r of rows) {
      if (r.level !== "commune" || !r.parentCode) continue;
      byCode.get(r.parentCode)?.communes.push({ code: r.code, name: r.name, type: r.type });
      communeDistrict.set(r.code, r.parentCode);
    }
    const tree = { province: province && { code: province.code, name: province.name, type: province.type }, hasDistricts, districts, communeDistrict };
    this.cached = { at: Date.now(), tree };
    return tree;
  }
}
