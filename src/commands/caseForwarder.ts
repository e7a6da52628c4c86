/**
 * caseForwarder: send an actionable case to a police unit (the coverage rule's
 * unit unless one is chosen). The tip's private key — opened through the
 * forwarding person's own wrap, with the key unlocked in their session — is
 * sealed to every active member of the unit. Help requests never go to police.
 */
import { and, eq, inArray } from "drizzle-orm";
import { unitForCase } from "../cases/coverageRules.js";
import { acknowledgeDeadline } from "../cases/deadlines.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { policeUnits, staffUsers, tipKeyWraps } from "../db/schema.js";
import { HttpError, invalidInput } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { tipKeysForStaff } from "../tips/tipReader.js";
import { moveCase, type MoveOptions } from "./caseMover.js";

export async function forwardCase(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes, tipId: string, unitId: string | undefined, opts: MoveOptions = {}) {
  return moveCase(
    ctx,
    actor,
    tipId,
    "forward",
    async (tip, tx) => {
      if (tip.category === "help_request") throw new HttpError(409, "help_request_not_forwardable", "errors.help_request_not_forwardable");
      const target = unitId ?? (await unitForCase(tx, tip));
      const [unit] = target ? await tx.select().from(policeUnits).where(and(eq(policeUnits.id, target), eq(policeUnits.active, true))) : [];
      if (!unit) throw invalidInput("invalid_forward", { policeUnitId: "errors.invalid_police_unit" });
      const members = await tx.select({ id: staffUsers.id, publicKey: staffUsers.publicKey }).from(staffUsers).where(and(eq(staffUsers.policeUnitId, unit.id), eq(staffUsers.active, true), eq(staffUsers.role, "police")));
      const me = await tx.select({ publicKey: staffUsers.publicKey }).from(staffUsers).where(eq(staffUsers.id, actor.id));
      const tipKeys = await tipKeysForStaff(tx, tipId, { publicKey: me[0]!.publicKey, privateKey: actorPrivateKey }, actor.id).catch(() => {
        throw new HttpError(409, "no_key", "errors.no_key");
      });
      const now = new Date();
      return {
        status: "forwarded",
        set: { forwardedUnitId: unit.id, forwardedAt: now, acknowledgedAt: null },
        deadline: acknowledgeDeadline(ctx.config, now),
        details: { policeUnitId: unit.id, members: members.length },
        notify: members.map((m) => ({ userId: m.id, tipId, kind: "case_forwarded" as const, urgent: tip.urgent })),
        also: async (t) => {
          // Forwarded again to another unit: the previous unit's members lose their keys, not only their view.
          if (tip.forwardedUnitId && tip.forwardedUnitId !== unit.id) {
            const previous = await t.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.policeUnitId, tip.forwardedUnitId));
            if (previous.length) await t.delete(tipKeyWraps).where(and(eq(tipKeyWraps.tipId, tipId), inArray(tipKeyWraps.userId, previous.map((p) => p.id))));
          }
          for (const m of members) {
            const sealed = crypto.sealTo(tipKeys.privateKey, m.publicKey);
            await t.insert(tipKeyWraps).values({ tipId, userId: m.id, sealedPrivateKey: sealed }).onConflictDoUpdate({ target: [tipKeyWraps.tipId, tipKeyWraps.userId], set: { sealedPrivateKey: sealed } });
          }
        },
      };
    },
    opts,
  );
}
