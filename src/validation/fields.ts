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

/** Deepest nesting any input may have: every form and API body here is flat or one level deep. */
export const MAX_INPUT_DEPTH = 16;
/** Values (strings, keys, containers) one input may hold; a 64 KB body stays far below. */
const MAX_INPUT_NODES = 20_000;

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
/** A surrogate without its pair: not text, and PostgreSQL would store it mangled. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type Problem = "errors.invalid_characters" | "errors.invalid_encoding" | "errors.too_deep";

/**
 * U+FFFD is what the body parsers put in place of bytes that are not UTF-8:
 * it is refused, like a lone surrogate, rather than stored as if it had been typed.
 */
function textProblem(s: string, controls: boolean): Problem | undefined {
  if (s.includes("\ufffd") || LONE_SURROGATE.test(s)) return "errors.invalid_encoding";
  if (controls && CONTROL.test(s)) return "errors.invalid_characters";
  return undefined;
}

/** Walk one value with an explicit stack (no recursion: 30,000 nested arrays must not overflow it). */
function valueProblem(value: unknown, controls: boolean, maxDepth: number): Problem | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let budget = MAX_INPUT_NODES;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (--budget < 0) return "errors.too_deep";
    if (typeof v === "string") {
      const p = textProblem(v, controls);
      if (p) return p;
    } else if (v !== null && typeof v === "object") {
      if (depth >= maxDepth) return "errors.too_deep";
      if (Array.isArray(v)) for (const item of v) stack.push([item, depth + 1]);
      else
        for (const [k, item] of Object.entries(v)) {
          const p = textProblem(k, controls);
          if (p) return p;
          stack.push([item, depth + 1]);
        }
    }
  }
  return undefined;
}

/**
 * Problems of raw input before any schema sees it, by top-level field (`_`
 * for the whole body): nesting deeper than `maxDepth`, text that is not valid
 * Unicode (U+FFFD, lone surrogates) and, unless `controls` is false, C0
 * control characters other than tab and line breaks (a NUL cannot be stored
 * in PostgreSQL text).
 */
export function rawInputProblems(raw: unknown, opts: { controls?: boolean; maxDepth?: number } = {}): Record<string, string> {
  const controls = opts.controls ?? true;
  const maxDepth = opts.maxDepth ?? MAX_INPUT_DEPTH;
  const out: Record<string, string> = {};
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      const p = textProblem(k, controls) ?? valueProblem(v, controls, maxDepth - 1);
      if (p) out[k] = p;
    }
  } else {
    const p = valueProblem(raw, controls, maxDepth);
    if (p) out._ = p;
  }
  return out;
}

/** The check every validator entry point runs on the raw input, before the schema (see rawInputProblems). */
export function controlCharacterFields(raw: unknown): Record<string, string> {
  return rawInputProblems(raw);
}
