/** The administrators' settings form: public figures on or off, and the tipster's wording of each outcome. */
import { z } from "zod";
import { HELP_OUTCOMES, POLICE_OUTCOMES } from "../cases/workflow.js";

/** The outcomes a tipster may be told about, each with a wording of its own in both languages. */
export const WORDED_OUTCOMES = [...POLICE_OUTCOMES, ...HELP_OUTCOMES] as const;

/** One checkbox, two text fields per outcome (empty = the general wording). */
export const settingsSchema = z.strictObject({
  publicFigures: z.enum(["true", "on"]).optional(),
  _csrf: z.string().optional(),
  ...Object.fromEntries(WORDED_OUTCOMES.flatMap((o) => (["vi", "en"] as const).map((l) => [`wording.${o}.${l}`, z.string().trim().max(500, "errors.too_long").optional()]))),
});
