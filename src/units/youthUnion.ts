/**
 * The Youth Union committee that issues a report, named from the units data:
 * the province's report is the Tỉnh đoàn's ("BCH TỈNH ĐOÀN BẾN TRE"); a
 * district's report is its Huyện đoàn's, Thành đoàn's or Thị đoàn's, under
 * the Tỉnh đoàn ("TỈNH ĐOÀN BẾN TRE" / "BCH HUYỆN ĐOÀN CHÂU THÀNH").
 */
import type { UnitTree } from "./directory.js";
import { unitTypeKey } from "./unitTypes.js";

/** The Đoàn of a unit type: Huyện → Huyện đoàn, Thành phố → Thành đoàn, Thị xã → Thị đoàn, Quận → Quận đoàn, Tỉnh → Tỉnh đoàn. */
const UNION_OF: Record<string, string> = {
  province: "Tỉnh đoàn",
  city: "Thành đoàn",
  town: "Thị đoàn",
  rural_district: "Huyện đoàn",
  urban_district: "Quận đoàn",
};

/** "Huyện Châu Thành" of type "Huyện" → "Châu Thành". */
export function shortName(name: string, type: string): string {
  return name.toLowerCase().startsWith(type.toLowerCase() + " ") ? name.slice(type.length + 1) : name;
}

export interface Issuer {
  /** The committee above the issuer (for a district: the Tỉnh đoàn), or null. */
  parent: string | null;
  /** "BCH TỈNH ĐOÀN BẾN TRE", "BCH HUYỆN ĐOÀN CHÂU THÀNH" */
  committee: string;
  /** The place written before the date: "Bến Tre", "Châu Thành" */
  place: string;
  /** The number's usual ending: "-BC/TĐTN", "-BC/HĐTN" */
  numberSuffix: string;
}

const upper = (s: string) => s.toLocaleUpperCase("vi");

/** The type a name starts with ("Tỉnh Bến Tre" → "Tỉnh"), for units whose data gives none. */
const TYPE_WORDS = ["Tỉnh", "Thành phố", "Thị xã", "Huyện", "Quận"];
const typeFromName = (name: string) => TYPE_WORDS.find((w) => name.toLowerCase().startsWith(w.toLowerCase() + " ")) ?? "";

function unionName(name: string, givenType: string): string {
  const type = givenType.trim() || typeFromName(name);
  const key = unitTypeKey(type);
  const union = (key && UNION_OF[key]) ?? `${type} đoàn`;
  return `${union} ${shortName(name, type)}`;
}

export function issuerOf(tree: UnitTree, districtCode: string | null): Issuer {
  const province = tree.province;
  const provinceUnion = province ? unionName(province.name, province.type) : "Tỉnh đoàn";
  const district = districtCode && tree.hasDistricts ? tree.districts.find((d) => d.code === districtCode) : undefined;
  if (!district) {
    const place = province ? shortName(province.name, province.type.trim() || typeFromName(province.name)) : "";
    return { parent: null, committee: `BCH ${upper(provinceUnion)}`, place, numberSuffix: "-BC/TĐTN" };
  }
  const union = unionName(district.name, district.type);
  const initials = union.split(" ").slice(0, 2).map((w) => upper(w[0]!)).join("");
  return { parent: upper(provinceUnion), committee: `BCH ${upper(union)}`, place: shortName(district.name, district.type), numberSuffix: `-BC/${initials}TN` };
}
