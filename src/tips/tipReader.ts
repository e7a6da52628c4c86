/**
 * Opening a tip: from a staff member's password-unlocked key pair (through
 * that member's own wrap of the tip's private key) or from a receipt (through
 * the tipster's wrap). Without a wrap there is no content — the crypto wall
 * behind the authorization policy.
 */
import { and, asc, eq } from "drizzle-orm";
import * as crypto from "../crypto/index.js";
import type { Db } from "../db/client.js";
import { staffUsers, tipItems, tipKeyWraps, tips } from "../db/schema.js";
import { staffWrapLabel } from "../auth/staffKeys.js";
import type { ReportContent } from "./reportContent.js";

export interface OpenedTip {
  tipId: string;
  report: ReportContent;
  photos: Array<{ id: string; jpeg: Uint8Array }>;
}

export class NoAccessError extends Error {
  constructor() {
    super("no key for this tip");
  }
}

/** Unwrap a staff member's private key with their password (argon2id → XChaCha20-Poly1305). */
export async function unlockStaffKey(db: Db, userId: string, password: string): Promise<crypto.KeyPair> {
  const [user] = await db.select().from(staffUsers).where(eq(staffUsers.id, userId));
  if (!user) throw new NoAccessError();
  const kek = await crypto.derivePasswordKey(password, user.keySalt);
  const privateKey = crypto.unwrapWithKey(user.wrappedPrivateKey, kek, staffWrapLabel(user.id));
  return { publicKey: user.publicKey, privateKey };
}

async function decryptContent(db: Db, tipId: string, tipKeys: crypto.KeyPair): Promise<OpenedTip> {
  const items = await db.select().from(tipItems).where(eq(tipItems.tipId, tipId)).orderBy(asc(tipItems.position));
  const reportItem = items.find((i) => i.kind === "report");
  if (!reportItem) throw new NoAccessError();
  const report = JSON.parse(crypto.utf8.decode(crypto.decryptItem(reportItem, tipId, reportItem.id, tipKeys))) as ReportContent;
  const photos = items.filter((i) => i.kind === "photo").map((i) => ({ id: i.id, jpeg: crypto.decryptFile(i, tipId, i.id, tipKeys) }));
  return { tipId, report, photos };
}

/** The tip's key pair through a staff member's wrap. @throws NoAccessError when they have none. */
export async function tipKeysForStaff(db: Db, tipId: string, staffKeys: crypto.KeyPair, userId: string): Promise<crypto.KeyPair> {
  const [row] = await db
    .select({ sealed: tipKeyWraps.sealedPrivateKey, publicKey: tips.publicKey })
    .from(tipKeyWraps)
    .innerJoin(tips, eq(tips.id, tipKeyWraps.tipId))
    .where(and(eq(tipKeyWraps.tipId, tipId), eq(tipKeyWraps.userId, userId)));
  if (!row) throw new NoAccessError();
  return { publicKey: row.publicKey, privateKey: crypto.openSealed(row.sealed, staffKeys) };
}

export async function openTipAsStaff(db: Db, tipId: string, userId: string, staffKeys: crypto.KeyPair): Promise<OpenedTip> {
  return decryptContent(db, tipId, await tipKeysForStaff(db, tipId, staffKeys, userId));
}

/**
 * Find and open a tip by its receipt: one argon2id derivation gives the lookup
 * value and the wrapping key. Returns null for an unknown receipt (the same
 * argon2 work is done either way).
 */
export async function openTipByReceipt(db: Db, receipt: string, receiptSalt: Uint8Array): Promise<OpenedTip | null> {
  const digits = crypto.normalizeReceipt(receipt);
  const { lookup, wrapKey } = await crypto.deriveReceiptKeys(digits ?? "0".repeat(16), receiptSalt);
  if (!digits) return null;
  const [tip] = await db.select().from(tips).where(eq(tips.receiptLookup, lookup));
  if (!tip) return null;
  const privateKey = crypto.unwrapWithKey(tip.receiptWrappedKey, wrapKey, `receipt:${tip.id}`);
  return decryptContent(db, tip.id, { publicKey: tip.publicKey, privateKey });
}
