/**
 * Staff-written text about a case (a reason, a question, a reply) is
 * encrypted like tip content: a fresh key sealed to the tip's public key, so
 * only the tip's key holders read it. Only the public key is needed to write.
 */
import { randomUUID } from "node:crypto";
import * as crypto from "../crypto/index.js";
import type { Tx } from "../db/client.js";
import { tipItems } from "../db/schema.js";

export interface NoteInput {
  tipId: string;
  tipPublicKey: crypto.Bytes;
  kind: "note" | "message";
  author: "staff" | "tipster";
  authorId: string | null;
  body: Record<string, unknown>;
}

/** Encrypt and insert one item; returns its id. */
export async function addEncryptedItem(tx: Tx, n: NoteInput): Promise<string> {
  const id = randomUUID();
  const sealed = crypto.encryptItem(crypto.utf8.encode(JSON.stringify(n.body)), n.tipId, id, n.tipPublicKey);
  await tx.insert(tipItems).values({ id, tipId: n.tipId, kind: n.kind, author: n.author, authorId: n.authorId, ciphertext: sealed.ciphertext, sealedKey: sealed.sealedKey });
  return id;
}
