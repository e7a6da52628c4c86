/**
 * Shared field parsers and the translation of zod issues into field-level
 * messages. Every message is a locale key (errors.*), translated per request.
 */
import { z } from "zod";

/** A boolean as JSON sends it (true/false) or as an HTML form sends it ("true", "on", absent). */
export const formBoolean = (key = "errors.invalid_boolean") =>
  z.union([z.boolean(), z.enum(["true", "false", "on", ""]).transform((v) => v === "true" || v === "on")], { error: key });

/** A trimmed string, where the empty string means "not given". */
export const optionalText = (max: number, key: string) =>
  z
    .string({ error: key })
    .transform((s) => s.trim())
    .pipe(z.string().max(max, key))
    .optional()
    .transform((s) => (s === "" ? undefined : s));

/** field → locale key, first problem per field; unknown keys each get errors.unknown_field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out[key] ??= "errors.unknown_field";
      continue;
    }
    const field = String(issue.path[0] ?? "_");
    out[field] ??= issue.message.startsWith("errors.") ? issue.message : "errors.invalid";
  }
  return out;
}

/**
 * Fields holding a NUL character (PostgreSQL text cannot store it) or other
 * C0 controls except tab and line breaks. Checked on the raw input by every
 * validator entry point, before the schema.
 */
export function controlCharacterFields(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const bad = (v: unknown): boolean => {
    if (typeof v === "string") return /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v);
    if (Array.isArray(v)) return v.some(bad);
    if (v && typeof v === "object") return Object.values(v).some(bad);
    return false;
  };
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (bad(v) || bad(k)) out[k] = "errors.invalid_characters";
  } else if (bad(raw)) out._ = "errors.invalid_characters";
  return out;
}
