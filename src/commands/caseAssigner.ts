/**
 * caseAssigner: give a case to a liaison of its district (or an
 * administrator). The other liaisons of the district keep seeing it and can act.
 */
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { moveCase, type MoveOptions } from "./caseMover.js";

export async function assignCase(ctx: AppContext, actor: Actor, tipId: string, assigneeId: string, opts: MoveOptions = {}) {
  return moveCase(
    ctx,
    actor,
    tipId,
    "assign",
    async (tip, tx) => {
      const [assignee] = await tx.select().from(staffUsers).where(and(eq(staffUsers.id, assigneeId), eq(staffUsers.active, true)));
      const fits = assignee && (assignee.role === "admin" || (assignee.role === "liaison" && assignee.districtCode === tip.districtCode));
      if (!fits) throw invalidInput("invalid_assignee", { assigneeId: "errors.invalid_assignee" });
      return {
        status: tip.status === "received" ? "assigned" : (tip.status as "assigned"),
        set: { assigneeId, assignedAt: new Date(), noLiaison: false },
        details: { assigneeId },
        notify: assigneeId === actor.id ? [] : [{ userId: assigneeId, tipId, kind: "case_assigned", urgent: tip.urgent }],
      };
    },
    opts,
  );
}
