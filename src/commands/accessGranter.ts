/**
 * accessGranter: a member who joined a police unit (or a district) after a
 * case was shared gets the tip's key from someone who already holds it: a
 * member of the unit, the district's liaison, or an administrator. The tip's
 * private key is opened through the granter's own wrap and sealed to the new
 * member, who must be entitled to the case.
 */
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/auditLog.js";
import { visibleTipsWhere } from "../cases/visibleTips.js";
import { loadCase, tipKeyPairFor } from "../cases/caseView.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { staffUsers, tipKeyWraps, tips } from "../db/schema.js";
import { HttpError, invalidInput } from "../errors.js";
import { actorOf, authorizeCase, type Actor } from "../policies/index.js";

export async function grantCaseAccess(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes, tipId: string, userId: string): Promise<void> {
  const tip = await loadCase(ctx, tipId);
  authorizeCase(actor, "case.grantAccess", tip);
  const [user] = await ctx.database.db.select().from(staffUsers).where(and(eq(staffUsers.id, userId), eq(staffUsers.active, true)));
  if (!user) throw invalidInput("invalid_grant", { userId: "errors.not_found" });
  const entitled = await ctx.database.db.select({ id: tips.id }).from(tips).where(and(eq(tips.id, tipId), visibleTipsWhere(actorOf(user))));
  if (entitled.length === 0) throw invalidInput("invalid_grant", { userId: "errors.not_entitled" });
  const keys = await tipKeyPairFor(ctx, actor, actorPrivateKey, tipId);
  if (!keys) throw new HttpError(409, "no_key", "errors.no_key");
  const sealed = crypto.sealTo(keys.privateKey, user.publicKey);
  await ctx.database.db.transaction(async (tx) => {
    await tx.insert(tipKeyWraps).values({ tipId, userId, sealedPrivateKey: sealed }).onConflictDoUpdate({ target: [tipKeyWraps.tipId, tipKeyWraps.userId], set: { sealedPrivateKey: sealed } });
    await appendAudit(tx, { actorId: actor.id, action: "case.access_granted", subjectType: "case", subjectId: tipId, districtCode: tip.districtCode, details: { userId } });
  });
}
