/**
 * tipCreator: accept one anonymous tip.
 *
 * In one transaction it stores the routing fields in plaintext and everything
 * else encrypted: the tip gets its own key pair; the report and each photo are
 * encrypted under fresh keys sealed to the tip's public key; the tip's private
 * key is sealed to each entitled staff member (the district's active liaisons
 * and the administrators), to the recovery key, and wrapped under the
 * receipt-derived key for the tipster. The receipt itself is never stored.
 * Nothing here records who sent the tip or from where.
 */
import { randomUUID } from "node:crypto";
import { and, eq, or } from "drizzle-orm";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { recoveryKey, staffUsers, tipItems, tipKeyWraps, tips } from "../db/schema.js";
import { notReady } from "../errors.js";
import { coarse } from "../time/coarse.js";
import type { ReportContent } from "../tips/reportContent.js";
import type { TipInput } from "../validation/tip.js";

export interface AcceptedPhoto {
  jpeg: Buffer;
  gps?: { lat: number; lon: number };
}

export interface CreatedTip {
  tipId: string;
  /** Shown to the tipster once, in groups of four; exists nowhere else. */
  receipt: string;
}

/**
 * @throws HttpError not_ready (503) while no recovery key exists: a tip nobody could ever decrypt is refused.
 */
export async function createTip(ctx: AppContext, input: TipInput, photos: AcceptedPhoto[], source: "web" | "mailbox" | "phone" = "web"): Promise<CreatedTip> {
  const { db } = ctx.database;
  const [recovery] = await db.select().from(recoveryKey).limit(1);
  if (!recovery) throw notReady();

  const tipId = randomUUID();
  const receipt = crypto.generateReceipt();
  const tipKeys = crypto.generateKeyPair();
  const { lookup, wrapKey } = await crypto.deriveReceiptKeys(crypto.normalizeReceipt(receipt)!, ctx.keys.receiptSalt);

  const photoItems = photos.map((p, i) => ({ id: randomUUID(), position: i, photo: p }));
  const report: ReportContent = { location: input.location, observedAt: input.observedAt, description: input.description };
  const shared = photoItems.filter((p) => input.sharePhotoLocation && p.photo.gps);
  if (shared.length > 0) report.photoLocations = Object.fromEntries(shared.map((p) => [p.id, p.photo.gps!]));
  const reportId = randomUUID();
  const reportItem = crypto.encryptItem(crypto.utf8.encode(JSON.stringify(report)), tipId, reportId, tipKeys.publicKey);

  const recipients = await db
    .select({ id: staffUsers.id, role: staffUsers.role, publicKey: staffUsers.publicKey })
    .from(staffUsers)
    .where(and(eq(staffUsers.active, true), or(eq(staffUsers.role, "admin"), and(eq(staffUsers.role, "liaison"), eq(staffUsers.districtCode, input.districtCode)))));

  await db.transaction(async (tx) => {
    await tx.insert(tips).values({
      id: tipId,
      receivedAt: coarse("minute"),
      category: input.category,
      districtCode: input.districtCode,
      communeCode: input.communeCode,
      urgent: input.urgent,
      source,
      noLiaison: !recipients.some((r) => r.role === "liaison"),
      publicKey: tipKeys.publicKey,
      receiptLookup: lookup,
      receiptWrappedKey: crypto.wrapWithKey(tipKeys.privateKey, wrapKey, `receipt:${tipId}`),
      recoverySealedKey: crypto.sealTo(tipKeys.privateKey, recovery.publicKey),
    });
    await tx.insert(tipItems).values({ id: reportId, tipId, kind: "report", ciphertext: reportItem.ciphertext, sealedKey: reportItem.sealedKey });
    for (const p of photoItems) {
      const enc = crypto.encryptFile(p.photo.jpeg, tipId, p.id, tipKeys.publicKey);
      await tx.insert(tipItems).values({ id: p.id, tipId, kind: "photo", position: p.position, ciphertext: enc.ciphertext, sealedKey: enc.sealedKey });
    }
    if (input.contact) {
      const contactId = randomUUID();
      const enc = crypto.encryptItem(crypto.utf8.encode(JSON.stringify({ contact: input.contact })), tipId, contactId, tipKeys.publicKey);
      await tx.insert(tipItems).values({ id: contactId, tipId, kind: "contact", ciphertext: enc.ciphertext, sealedKey: enc.sealedKey });
    }
    if (recipients.length > 0)
      await tx.insert(tipKeyWraps).values(recipients.map((r) => ({ tipId, userId: r.id, sealedPrivateKey: crypto.sealTo(tipKeys.privateKey, r.publicKey) })));
  });

  // After commit: the job only carries the id. If Redis is down the tip is safe
  // in PostgreSQL and the worker's sweeper enqueues it later.
  await ctx.queues.enqueueRouting(tipId).catch((err: unknown) => ctx.logger.warn({ err }, "routing job not enqueued; the sweeper will pick the tip up"));
  return { tipId, receipt };
}
