/**
 * How a report names its period and scope in the page's language: "quý 2 năm
 * 2020", "tháng 3 năm 2020", "từ ngày 01/02/2020 đến ngày 15/02/2020",
 * "Huyện Châu Thành" or "toàn tỉnh". Shared by the pages and every export
 * (CSV, XLSX, print), so they all say the same.
 */
import { formatDate } from "../i18n/format.js";
import type { Translate } from "../i18n/index.js";
import type { Period } from "../stats/periods.js";
import type { UnitTree } from "../units/directory.js";

const DAY_MS = 86_400_000;
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** The first and last day of a period, dd/mm/yyyy in Vietnam's calendar. */
export const periodDays = (p: Pick<Period, "from" | "to">) => ({ from: formatDate(p.from), to: formatDate(new Date(p.to.getTime() - DAY_MS)) });

/** "Quý 2 năm 2020", "Tháng 3 năm 2020", "Năm 2020", or the two days of a custom period. */
export function periodName(t: Translate, p: Period): string {
  const from = new Date(p.from.getTime() + VIETNAM_OFFSET_MS);
  const year = from.getUTCFullYear();
  if (p.kind === "year") return t("dashboard.period.year", { year });
  if (p.kind === "quarter") return t("dashboard.period.quarter", { quarter: Math.floor(from.getUTCMonth() / 3) + 1, year });
  if (p.kind === "month") return t("dashboard.period.month", { month: from.getUTCMonth() + 1, year });
  if (p.kind === "half") return t("dashboard.period.half", { half: from.getUTCMonth() < 6 ? 1 : 2, year });
  return t("dashboard.period.custom", periodDays(p));
}

/** The province ("toàn tỉnh"), a district or a commune by its name in the units tree. */
export function scopeName(t: Translate, tree: UnitTree, scope: { districtCode?: string | null; communeCode?: string | null }): string {
  if (scope.communeCode) {
    for (const d of tree.districts) for (const c of d.communes) if (c.code === scope.communeCode) return `${c.name}, ${d.name}`;
    return scope.communeCode;
  }
  if (scope.districtCode) return tree.districts.find((d) => d.code === scope.districtCode)?.name ?? scope.districtCode;
  return t("dashboard.scope.province");
}
