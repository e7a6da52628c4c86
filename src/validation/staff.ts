/**
 * Schemas of the staff API and forms (login, activation, invitations…).
 * Strict: unknown fields are refused. Messages are locale keys.
 */
import { z } from "zod";
import { controlCharacterFields, fieldErrors } from "./fields.js";
import type { Validation } from "./tip.js";
import { invalidInput } from "../errors.js";

const text = (max: number) => z.string({ error: "errors.required" }).min(1, "errors.required").max(max, "errors.too_long");

export const loginSchema = z.strictObject({
  email: text(320),
  password: text(1024),
  totp: z.string().max(12, "errors.invalid").optional(),
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});

export const totpEnrollSchema = z.strictObject({ code: z.string({ error: "errors.required" }).regex(/^\d{6}$/, "errors.invalid_totp"), _csrf: z.string().optional(), lang: z.string().optional() });

export const activationSchema = z.strictObject({ token: text(200), password: text(1024), _csrf: z.string().optional(), lang: z.string().optional() });

export const passwordChangeSchema = z.strictObject({ oldPassword: text(1024), newPassword: text(1024), _csrf: z.string().optional(), lang: z.string().optional() });

export const invitationSchema = z.strictObject({
  email: text(320),
  role: z.enum(["admin", "liaison", "police", "supervisor"], { error: "errors.invalid_role" }),
  districtCode: z.string().max(10).optional().transform((v) => (v ? v : null)),
  policeUnitId: z.string().max(40).optional().transform((v) => (v ? v : null)),
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});

export const policeUnitSchema = z.strictObject({
  name: text(200),
  districtCode: z.string().max(10).optional().transform((v) => (v ? v : null)),
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});

export const coverageSchema = z.strictObject({
  unitCode: z.string({ error: "errors.required" }).regex(/^\d{1,10}$/, "errors.invalid_commune"),
  policeUnitId: z
    .string()
    .regex(/^([0-9a-f-]{36})?$/i, "errors.invalid_police_unit")
    .nullable()
    .optional()
    .transform((v) => v || null),
  _csrf: z.string().optional(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An id in the URL: a malformed one is simply not found. */
export const uuidParam = z.string().regex(UUID, "errors.not_found");
/** An id typed into a form field: a malformed one is a field error. */
export const uuidField = z.string().regex(UUID, "errors.invalid_id");

/** Parse or throw a 400 with field messages (`code` names the kind of input). */
export function parseOrThrow<T extends z.ZodType>(schema: T, raw: unknown, code: string): z.output<T> {
  const r = validate(schema, raw);
  if (!r.ok) throw invalidInput(code, r.fields);
  return r.value;
}

export function validate<T extends z.ZodType>(schema: T, raw: unknown): Validation<z.output<T>> {
  const controls = controlCharacterFields(raw);
  if (Object.keys(controls).length > 0) return { ok: false, fields: controls };
  const parsed = schema.safeParse(raw ?? {});
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, fields: fieldErrors(parsed.error) };
}
