/**
 * A unit's type as a report labels it: taken from the units data (Thành phố
 * Bến Tre is a "Thành phố", Phường 8 a "Phường"), never guessed from its level.
 * Known Vietnamese types have an English word; any other type is shown as given.
 */
import type { Translate } from "../i18n/index.js";

const KNOWN: Record<string, string> = {
  "tỉnh": "province",
  "thành phố": "city",
  "thị xã": "town",
  "huyện": "rural_district",
  "quận": "urban_district",
  "phường": "ward",
  "thị trấn": "township",
  "xã": "commune",
  "đặc khu": "special_zone",
};

/** The key of a type in reports.unitTypes, or null when the data names a type we do not know. */
export function unitTypeKey(type: string): string | null {
  return KNOWN[type.normalize("NFC").trim().toLowerCase()] ?? null;
}

/** The type in the page's language ("Thị trấn" / "Township"); unknown types as the data writes them. */
export function unitTypeLabel(t: Translate, type: string): string {
  const key = unitTypeKey(type);
  return key ? t(`reports.unitTypes.${key}`) : type;
}
