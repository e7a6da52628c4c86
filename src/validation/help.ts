/** A help service as administrators enter it (API and staff form share this schema). */
import { z } from "zod";
import { SERVICE_KINDS } from "../help/directory.js";
import { formBoolean } from "./fields.js";

const text = (max: number) => z.string({ error: "errors.required" }).trim().min(1, "errors.required").max(max, "errors.too_long");

export const helpServiceSchema = z.strictObject({
  name: text(200),
  /** Empty = the whole province. */
  districtCode: z
    .string()
    .regex(/^(\d{1,10})?$/, "errors.invalid_district")
    .optional()
    .transform((v) => v || null),
  address: text(300),
  phone: z.string({ error: "errors.required" }).trim().regex(/^[0-9+() .-]{3,30}$/, "errors.invalid_phone"),
  hours: z.string().trim().max(200, "errors.too_long").optional().default(""),
  kind: z.enum(SERVICE_KINDS, { error: "errors.invalid_service_kind" }),
  active: formBoolean().optional().default(false),
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});
export type HelpServiceInput = Omit<z.output<typeof helpServiceSchema>, "_csrf" | "lang">;

/** The referral of a help request may name the kind of service (optional). */
export const serviceKindField = z.enum(SERVICE_KINDS, { error: "errors.invalid_service_kind" });
