/**
 * Schemas of the staff API and forms (login, activation, invitations…).
 * Strict: unknown fields are refused. Messages are locale keys.
 */
import { z } from "zod";

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
