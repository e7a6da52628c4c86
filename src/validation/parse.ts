/**
 * The generic parsing helpers every route and validator uses: run a zod
 * schema (after the control-character check) into field messages or a 400,
 * ids in URLs and forms, and a posted or query value as text or a count.
 * The schemas themselves live beside this file, one file per kind of input.
 */
import { z } from "zod";
import { invalidInput, notFound } from "../errors.js";
import { controlCharacterFields, fieldErrors } from "./fields.js";

/** A parse that did not throw: the value, or field → locale key. */
export type Validation<T> = { ok: true; value: T } | { ok: false; fields: Record<string, string> };

/** Validate `raw` against `schema`; control characters in any field are refused first. */
export function validate<T extends z.ZodType>(schema: T, raw: unknown): Validation<z.output<T>> {
  const controls = controlCharacterFields(raw);
  if (Object.keys(controls).length > 0) return { ok: false, fields: controls };
  const parsed = schema.safeParse(raw ?? {});
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, fields: fieldErrors(parsed.error) };
}

/** Parse or throw a 400 with field messages (`code` names the kind of input). */
export function parseOrThrow<T extends z.ZodType>(schema: T, raw: unknown, code: string): z.output<T> {
  const r = validate(schema, raw);
  if (!r.ok) throw invalidInput(code, r.fields);
  return r.value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Is `v` an id (a UUID) at all? */
export const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);
/** An id in the URL: a malformed one is simply not found. */
export const uuidParam = z.string().regex(UUID, "errors.not_found");
/** An id typed into a form field: a malformed one is a field error. */
export const uuidField = z.string().regex(UUID, "errors.invalid_id");

/** An id from the URL, or a 404 when it is not one. */
export function uuidOr404(v: unknown): string {
  if (!isUuid(v)) throw notFound();
  return v;
}

/** A posted or query value as text ("" when missing or repeated), to put back in a form. */
export const textOf = (v: unknown): string => (typeof v === "string" ? v : "");

/** A posted or query value as a number, 0 when it is none (counts shown after a redirect). */
export const countOf = (v: unknown): number => Number(textOf(v)) || 0;

/** A client's Idempotency-Key: a UUID or any 16 to 128 URL-safe characters. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** The Idempotency-Key header's value (undefined when none was sent), or a 400 field error for a malformed one. */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header !== undefined && !IDEMPOTENCY_KEY.test(header)) throw invalidInput("invalid_idempotency_key", { "Idempotency-Key": "errors.invalid_idempotency_key" });
  return header;
}
