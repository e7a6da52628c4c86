/** A report to file in the Youth Union's format: its period and scope (as the statistics take them) and the text written for it. */
import { z } from "zod";
import { CATEGORIES } from "./tip.js";

const text = (max: number) => z.string().trim().max(max, "errors.too_long").default("");

export const REPORT_TYPES = ["periodic", "thematic", "adhoc"] as const;

export const fileReportSchema = z.strictObject({
  period: z.string().max(20).optional(),
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
  scope: z.string().regex(/^(province|district:\d{1,10})$/, "errors.invalid_scope").default("province"),
  category: z.enum(CATEGORIES, { error: "errors.invalid_category" }).optional(),
  /** periodic: month, quarter, six months, year (from the period); thematic (chuyên đề) and ad hoc (đột xuất) name a subject. */
  reportType: z.enum(REPORT_TYPES, { error: "errors.invalid" }).default("periodic"),
  number: text(100),
  place: text(100),
  issuedOn: z.iso.date("errors.invalid_date"),
  subject: text(500),
  assessment: text(20_000),
  nextSteps: text(20_000),
  signerTitle: text(200),
  signerName: text(200),
  recipients: text(2000),
  lang: z.string().optional(),
  _csrf: z.string().optional(),
});

export type FileReportInput = z.output<typeof fileReportSchema>;
