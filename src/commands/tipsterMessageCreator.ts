/**
 * tipsterMessageCreator: the tipster adds a message (and photos) to their tip.
 * Encrypted like everything else (fresh keys sealed to the tip's public key,
 * bound to tip and item ids), stamped only to the hour. If the case was
 * waiting for their answer it goes back to the liaison's desk with a fresh
 * triage clock; either way the assignee is notified (content-free). It adds
 * no job and touches no Redis key: the next minute sweep sends the email.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { addEncryptedItem, nextPosition } from "../cases/caseNotes.js";
import { triageDeadline } from "../cases/deadlines.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { tipItems, tips } from "../db/schema.js";
import { conflict, HttpError } from "../errors.js";
import { addNotifications, adminIds } from "../notifications/notifications.js";
import type { CleanPhoto } from "../photos/sanitizePhoto.js";
import { moveCase } from "./caseMover.js";
import { coarse } from "../time/coarse.js";

/** Attempts before a conflict reaches the tipster (each one reads the case afresh). */
const ATTEMPTS = 3;

/**
 * A staff change or the needs-info deadline can move the case between reading
 * it and writing the message (a 409 from the version check). A tipster cannot
 * act on "changed by someone else", and nothing was written by the attempt that
 * lost (one transaction), so read the case again and write on its new state.
 */
export async function addTipsterMessage(ctx: AppContext, tipId: string, text: string, photos: CleanPhoto[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await addOnce(ctx, tipId, text, photos);
    } catch (err) {
      const concurrentChange = err instanceof HttpError && err.status === 409 && err.code !== "case_closed";
      if (!concurrentChange || attempt >= ATTEMPTS) throw err;
    }
  }
}

async function addOnce(ctx: AppContext, tipId: string, text: string, photos: CleanPhoto[]): Promise<void> {
  const [tip] = await ctx.database.db.select().from(tips).where(eq(tips.id, tipId));
  if (!tip || tip.purgedAt || tip.status === "closed") throw new HttpError(409, "case_closed", "errors.case_closed");
  const write = async (tx: Parameters<Parameters<typeof ctx.database.db.transaction>[0]>[0]) => {
    const next = await nextPosition(tx, tipId);
    const photoIds: string[] = [];
    for (const [i, p] of photos.entries()) {
      const id = randomUUID();
      const enc = crypto.encryptFile(p.jpeg, tipId, id, tip.publicKey);
      await tx.insert(tipItems).values({ id, tipId, kind: "photo", position: next + i, author: "tipster", ciphertext: enc.ciphertext, sealedKey: enc.sealedKey });
      photoIds.push(id);
    }
    await addEncryptedItem(tx, { tipId, tipPublicKey: tip.publicKey, kind: "message", author: "tipster", authorId: null, body: { text, photoIds } });
  };
  const recipients = async (tx: Parameters<typeof adminIds>[0]) => (tip.assigneeId ? [tip.assigneeId] : await adminIds(tx));
  if (tip.status === "needs_info") {
    await moveCase(ctx, null, tipId, "answer", async (t, tx) => ({
      status: "assigned",
      // The clock restarts from the hour, not the second, of the answer.
      deadline: triageDeadline(ctx.config, coarse("hour"), t.urgent),
      also: write,
      coarseTime: "hour",
      emailsBySweep: true,
      notify: (await recipients(tx)).map((userId) => ({ userId, tipId, kind: "tipster_message" as const, urgent: t.urgent, coarseTime: "hour" as const })),
    }));
    return;
  }
  // No job now: the next sweep emails the notification (a job added here would date the message).
  await ctx.database.db.transaction(async (tx) => {
    // The case must still be in the state read above (a question asked meanwhile makes this an answer).
    const [now] = await tx.select({ version: tips.version }).from(tips).where(eq(tips.id, tipId)).for("update");
    if (!now || now.version !== tip.version) throw conflict();
    await write(tx);
    await addNotifications(tx, (await recipients(tx)).map((userId) => ({ userId, tipId, kind: "tipster_message" as const, urgent: tip.urgent, coarseTime: "hour" as const })));
  });
}
