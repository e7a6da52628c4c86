/** Row types used by every layer (queries, commands, presenters), so none of them imports a command for a type. */
import type { staffUsers, tips } from "./schema.js";

export type TipRow = typeof tips.$inferSelect;
export type StaffUser = typeof staffUsers.$inferSelect;
