/**
 * recoveryTester: an administrator proves the recovery key still opens (their
 * sealed copy unseals, and the private key matches the public key every tip is
 * sealed to). The setup checklist asks for this once: a recovery key nobody
 * ever opened is found broken only on the day it is needed.
 */
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { HttpError } from "../errors.js";
import type { Actor } from "../policies/index.js";
import { openRecoveryKey } from "./accessRestorer.js";

/** @throws 403 not_recovery_holder; 409 recovery_mismatch when the key does not open what it should. */
export async function testRecoveryKey(ctx: AppContext, actor: Actor, actorPrivateKey: crypto.Bytes): Promise<void> {
  const recovery = await openRecoveryKey(ctx, actor, actorPrivateKey);
  const probe = crypto.randomBytes(32);
  const opened = crypto.openSealed(crypto.sealTo(probe, recovery.publicKey), recovery);
  const ok = crypto.constantTimeEqual(opened, probe) && crypto.constantTimeEqual(crypto.publicKeyOf(recovery.privateKey), recovery.publicKey);
  if (!ok) throw new HttpError(409, "recovery_mismatch", "errors.recovery_mismatch");
  await ctx.database.db.transaction((tx) => appendAudit(tx, { actorId: actor.id, action: "recovery.tested", subjectType: "recovery" }));
}
