/**
 * The one validator of a tip, shared by the JSON API and the HTML form.
 * Shape and ranges are checked by the zod schema; that the district and
 * commune exist and belong together is checked against the units tree.
 */
import { z } from "zod";
import type { UnitTree } from "../units/directory.js";
import { controlCharacterFields, fieldErrors, formBoolean, optionalText } from "./fields.js";
import type { Validation } from "./parse.js";

export const CATEGORIES = ["selling", "using", "storage", "cultivation", "luring_minors", "help_request", "other"] as const;
export type Category = (typeof CATEGORIES)[number];
/** How a tip reached us: the web form, or typed in by a liaison from the mailbox or a phone call. */
export const TIP_SOURCES = ["web", "mailbox", "phone"] as const;
export type TipSource = (typeof TIP_SOURCES)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A real calendar day: JavaScript's Date.parse quietly rolls 30 February over to March. */
function realDay(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** ISO 8601 date or date-time, not in the future (a day's grace for time zones). */
const observedAt = z
  .string({ error: "errors.invalid_date" })
  .transform((s) => s.trim())
  .refine((s) => s === "" || ((DATE.test(s) || DATE_TIME.test(s)) && !Number.isNaN(Date.parse(s)) && realDay(s)), "errors.invalid_date")
  .refine((s) => s === "" || Date.parse(s) <= Date.now() + 86_400_000, "errors.date_in_future")
  .optional()
  .transform((s) => (s ? s : undefined));

export const tipSchema = z.strictObject({
  category: z.enum(CATEGORIES, { error: "errors.invalid_category" }),
  districtCode: z.string({ error: "errors.required" }).trim().regex(/^\d{1,10}$/, "errors.invalid_district"),
  communeCode: z.string({ error: "errors.required" }).trim().regex(/^\d{1,10}$/, "errors.invalid_commune"),
  location: optionalText(500, "errors.location_too_long"),
  observedAt,
  description: z
    .string({ error: "errors.required" })
    .transform((s) => s.trim())
    .pipe(z.string().min(20, "errors.description_too_short").max(5000, "errors.description_too_long")),
  urgent: formBoolean().optional().default(false),
  /** Optional, off by default: a phone or email the tipster chooses to leave (it removes anonymity towards the handlers). */
  contact: optionalText(200, "errors.contact_too_long"),
  sharePhotoLocation: formBoolean().optional().default(false),
});

export type TipInput = z.output<typeof tipSchema>;

/** Validate a raw tip (parsed JSON or form fields) against the schema and the units tree. */
export function validateTip(raw: unknown, tree: UnitTree): Validation<TipInput> {
  const parsed = tipSchema.safeParse(raw);
  const fields = { ...(parsed.success ? {} : fieldErrors(parsed.error)), ...controlCharacterFields(raw) };
  const value = parsed.success ? parsed.data : undefined;
  // Place checks run even when other fields failed, so the form shows every problem at once.
  const r = (raw ?? {}) as Record<string, unknown>;
  const district = typeof r.districtCode === "string" ? r.districtCode.trim() : undefined;
  const commune = typeof r.communeCode === "string" ? r.communeCode.trim() : undefined;
  if (!fields.districtCode && district !== undefined && !tree.districts.some((d) => d.code === district)) fields.districtCode = "errors.invalid_district";
  if (!fields.communeCode && commune !== undefined) {
    const owner = tree.communeDistrict.get(commune);
    if (!owner) fields.communeCode = "errors.invalid_commune";
    else if (!fields.districtCode && owner !== district) fields.communeCode = "errors.commune_not_in_district";
  }
  if (Object.keys(fields).length > 0 || !value) return { ok: false, fields };
  return { ok: true, value };
}
