/**
 * settingsUpdater: the site settings an administrator saves (public figures
 * on or off, the tipster-facing wording of each outcome), with the policy
 * checked here and the audit row (which settings changed) in the same
 * transaction.
 */
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { authorize, type Actor } from "../policies/index.js";
import { getSetting, putSetting, type OutcomeWordings } from "../settings/settings.js";

export async function updateSettings(ctx: AppContext, actor: Actor, publicFigures: boolean, wordings: OutcomeWordings): Promise<void> {
  authorize(actor, "settings.manage");
  await ctx.database.db.transaction(async (tx) => {
    const before = { publicFigures: await getSetting(tx, "publicFigures"), outcomeWordings: await getSetting(tx, "outcomeWordings") };
    await putSetting(tx, "publicFigures", publicFigures);
    await putSetting(tx, "outcomeWordings", wordings);
    const changed = [
      ...(before.publicFigures !== publicFigures ? ["publicFigures"] : []),
      ...(JSON.stringify(before.outcomeWordings) !== JSON.stringify(wordings) ? ["outcomeWordings"] : []),
    ];
    await appendAudit(tx, { actorId: actor.id, action: "settings.changed", subjectType: "settings", details: { changed, publicFigures, outcomesWithWording: Object.keys(wordings) } });
  });
}
