/** Schemas of the case API and forms: list filters and one body per transition. */
import { z } from "zod";
import { serviceKindField } from "./help.js";
import { CATEGORIES, TIP_SOURCES } from "./tip.js";
import { HELP_OUTCOMES, NOT_ACTIONABLE_REASONS, POLICE_OUTCOMES, STATUSES, TRIAGE_OUTCOMES } from "../cases/workflow.js";
import { uuidField, uuidParam } from "./parse.js";
import { formBoolean } from "./fields.js";

const version = z.coerce.number({ error: "errors.invalid" }).int("errors.invalid").min(1, "errors.invalid").max(2 ** 31, "errors.invalid").optional();
const common = { version, _csrf: z.string().optional(), lang: z.string().optional() };
const text = (max: number) => z.string({ error: "errors.required" }).max(max, "errors.too_long");
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);
/** A count or a measure typed in a form: empty is "not given"; a decimal comma is accepted (1,5 g). */
const quantity = (max: number, decimals: number) =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim().replace(",", ".")) : v),
    z.coerce
      .number({ error: "errors.invalid_quantity" })
      .min(0, "errors.invalid_quantity")
      .max(max, "errors.invalid_quantity")
      .refine((n) => Number.isInteger(n * 10 ** decimals), "errors.invalid_quantity")
      .optional(),
  );

export const caseListSchema = z.strictObject({
  status: z.preprocess(emptyToUndefined, z.enum([...STATUSES, "open"], { error: "errors.invalid" }).optional()),
  category: z.preprocess(emptyToUndefined, z.enum(CATEGORIES, { error: "errors.invalid_category" }).optional()),
  districtCode: z.preprocess(emptyToUndefined, z.string().regex(/^\d{1,10}$/, "errors.invalid_district").optional()),
  communeCode: z.preprocess(emptyToUndefined, z.string().regex(/^\d{1,10}$/, "errors.invalid_commune").optional()),
  urgent: z.preprocess(emptyToUndefined, formBoolean().optional()),
  overdue: z.preprocess(emptyToUndefined, formBoolean().optional()),
  assigneeId: z.preprocess(emptyToUndefined, uuidParam.optional()),
  page: z.coerce.number({ error: "errors.invalid" }).int("errors.invalid").min(1, "errors.invalid").max(100_000, "errors.invalid").default(1),
  pageSize: z.coerce.number({ error: "errors.invalid" }).int("errors.invalid").min(1, "errors.invalid").max(100, "errors.invalid").default(25),
  lang: z.string().optional(),
});

export const transitionSchemas = {
  assign: z.strictObject({ assigneeId: uuidField, ...common }),
  triage: z.strictObject({
    outcome: z.enum(TRIAGE_OUTCOMES, { error: "errors.invalid_outcome" }),
    duplicateOfId: z.preprocess(emptyToUndefined, uuidField.optional()),
    reasonCode: z.preprocess(emptyToUndefined, z.enum(NOT_ACTIONABLE_REASONS, { error: "errors.invalid" }).optional()),
    text: z.preprocess(emptyToUndefined, text(5000).optional()),
    ...common,
  }),
  forward: z.strictObject({ policeUnitId: z.preprocess(emptyToUndefined, uuidField.optional()), ...common }),
  acknowledge: z.strictObject({ ...common }),
  verify: z.strictObject({ extend: z.preprocess(emptyToUndefined, formBoolean().optional()), reason: z.preprocess(emptyToUndefined, text(5000).optional()), ...common }),
  /** "Needs action, send to the police": triage as actionable and forward in one step. */
  "triage-forward": z.strictObject({ policeUnitId: z.preprocess(emptyToUndefined, uuidField.optional()), ...common }),
  resolve: z.strictObject({
    outcome: z.enum([...POLICE_OUTCOMES, ...HELP_OUTCOMES], { error: "errors.invalid_outcome" }),
    note: z.preprocess(emptyToUndefined, text(5000).optional()),
    plantsDestroyed: quantity(1_000_000, 0),
    areaM2: quantity(100_000_000, 0),
    peopleHandled: quantity(10_000, 0),
    seizedGrams: quantity(100_000_000, 2),
    /** The form asks once more before recording a result; the API records at once. */
    confirm: z.preprocess(emptyToUndefined, z.literal("yes").optional()),
    /** A help request's referral: the kind of service (counted by the report). */
    serviceKind: z.preprocess(emptyToUndefined, serviceKindField.optional()),
    ...common,
  }),
  close: z.strictObject({ ...common }),
  reopen: z.strictObject({ reason: text(5000), ...common }),
} as const;

export type TransitionName = keyof typeof transitionSchemas;

export const grantAccessSchema = z.strictObject({ userId: uuidField, _csrf: z.string().optional() });

/** A tip received on paper (the school or village mailbox) or by phone, typed in by a liaison. */
export const recordedSourceSchema = z.enum(TIP_SOURCES, { error: "errors.invalid_source" }).exclude(["web"], { error: "errors.invalid_source" });

export const staffMessageSchema = z.strictObject({
  text: z.string({ error: "errors.required" }).trim().min(1, "errors.required").max(5000, "errors.too_long"),
  purpose: z.enum(["reply", "question"], { error: "errors.invalid" }).default("reply"),
  ...common,
});

/** An internal note on a case (encrypted; never shown to the tipster). */
export const caseNoteSchema = z.strictObject({
  text: z.string({ error: "errors.required" }).trim().min(1, "errors.required").max(5000, "errors.too_long"),
  ...common,
});

export const revealContactSchema = z.strictObject({ reason: z.string({ error: "errors.required" }).trim().min(1, "errors.required").max(1000, "errors.too_long"), _csrf: z.string().optional() });

/** A tipster's follow-up message (JSON or the multipart form's text field). */
export const tipsterMessageSchema = z.strictObject({
  text: z.string({ error: "errors.required" }).trim().min(1, "errors.required").max(5000, "errors.description_too_long"),
  _csrf: z.string().optional(),
  lang: z.string().optional(),
});

export const receiptSchema = z.strictObject({ receipt: z.string({ error: "errors.required" }).max(64, "errors.invalid_receipt"), _csrf: z.string().optional(), lang: z.string().optional() });
