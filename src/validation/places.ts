/**
 * The places register's inputs: a new place, a state change, a case link and
 * the list's filters. Every refusal is a field-level locale key.
 */
import { z } from "zod";
import { PLACE_KINDS, RECORDED_STATES } from "../places/register.js";
import { optionalText } from "./fields.js";
import { uuidField } from "./parse.js";

const communeCode = z.string({ error: "errors.invalid_commune" }).regex(/^\d{1,10}$/, "errors.invalid_commune");
const day = z.iso.date("errors.invalid_date").refine((d) => d >= "2000-01-01", "errors.invalid_date");
const optionalDay = z
  .string({ error: "errors.invalid_date" })
  .transform((s) => s.trim())
  .pipe(z.union([z.literal(""), day]))
  .optional()
  .transform((s) => (s ? s : undefined));
const formExtras = { _csrf: z.string().optional(), lang: z.string().optional() };

export const placeKindField = z.enum(PLACE_KINDS, { error: "errors.invalid_place_kind" });

export const newPlaceSchema = z.strictObject({
  communeCode,
  kind: placeKindField,
  label: z.string({ error: "errors.required" }).transform((s) => s.trim()).pipe(z.string().min(1, "errors.required").max(120, "errors.too_long")),
  location: optionalText(300, "errors.too_long"),
  detectedOn: optionalDay,
  caseId: z.union([z.literal("").transform(() => undefined), uuidField]).optional(),
  ...formExtras,
});

export const placeStateSchema = z.strictObject({
  state: z.enum(RECORDED_STATES, { error: "errors.invalid_place_state" }),
  onDate: z.string({ error: "errors.required" }).transform((s) => s.trim()).pipe(day),
  ...formExtras,
});

/** The staff page's link and unlink forms (the API takes both ids in the URL). */
export const placeLinkSchema = z.strictObject({ caseId: uuidField, ...formExtras });

export const placeListQuery = z.object({
  district: z.string().regex(/^\d{1,10}$/, "errors.invalid_district").optional(),
  commune: communeCode.optional(),
  kind: placeKindField.optional(),
  lang: z.string().optional(),
});
