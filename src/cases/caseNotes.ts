/**
 * Staff-written text about a case (a reason, a question, a reply) is
 * encrypted like tip content: a fresh key sealed to the tip's public key, so
 * only the tip's key holders read it. Only the public key is needed to write.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import * as crypto from "../crypto/index.js";
import type { Tx } from "../db/client.js";
import { tipItems, tips } from "../db/schema.js";

export interface NoteInput {
  tipId: string;
  tipPublicKey: crypto.Bytes;
  kind: "note" | "message";
  author: "staff" | "tipster";
  authorId: string | null;
  body: Record<string, unknown>;
}

/**
 * The next place in the tip's own order of events. Times of items keep only the hour, so
 * this is what orders a conversation: the tip's row is locked until the transaction ends,
 * so two writers never take the same place. It is per tip: it orders nothing across tips.
 */
export async function nextPosition(tx: Tx, tipId: string): Promise<number> {
  await tx.select({ id: tips.id }).from(tips).where(eq(tips.id, tipId)).for("update");
  const [row] = await tx.select({ next: sql<number>`coalesce(max(${tipItems.position}), -1)::int + 1` }).from(tipItems).where(eq(tipItems.tipId, tipId));
  return row?.next ?? 0;
}

/** Encrypt and insert one item after every item the tip already has; returns its id. */
export async function addEncryptedItem(tx: Tx, n: NoteInput): Promise<string> {
  const id = randomUUID();
  const sealed = crypto.encryptItem(crypto.utf8.encode(JSON.stringify(n.body)), n.tipId, id, n.tipPublicKey);
  const position = await nextPosition(tx, n.tipId);
  await tx.insert(tipItems).values({ id, tipId: n.tipId, kind: n.kind, author: n.author, authorId: n.authorId, position, ciphertext: sealed.ciphertext, sealedKey: sealed.sealedKey });
  return id;
}
