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
