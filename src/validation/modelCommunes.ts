/** Model commune registration and progress: shared by the API and the staff pages. */
import { z } from "zod";
import { formBoolean } from "./fields.js";

const isoDate = z.iso.date("errors.invalid_date");
export const modelCommuneSchema = z.strictObject({
  districtCode: z.string().regex(/^\d{1,10}$/, "errors.invalid_district"),
  year: z.coerce.number({ error: "errors.invalid" }).int("errors.invalid").min(2000, "errors.invalid").max(2100, "errors.invalid"),
  communeCode: z.string().regex(/^\d{1,10}$/, "errors.invalid_commune"),
  content: z.string({ error: "errors.required" }).trim().min(1, "errors.required").max(5000, "errors.too_long"),
  startDate: isoDate,
  plannedEndDate: isoDate,
  _csrf: z.string().optional(),
});
export const modelProgressSchema = z.strictObject({
  progress: z.string().max(5000, "errors.too_long").default(""),
  completed: formBoolean().optional().default(false),
  _csrf: z.string().optional(),
});
