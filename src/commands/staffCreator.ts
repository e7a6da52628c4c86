/**
 * staffCreator: create a staff account with its key pair.
 *
 * The password gives two things: an argon2id hash for login, and (with a
 * separate salt) the key that wraps the account's X25519 private key. So the
 * database alone never holds a usable private key.
 */
import { randomUUID } from "node:crypto";
import { staffWrapLabel } from "../auth/staffKeys.js";
import * as crypto from "../crypto/index.js";
import type { Tx } from "../db/client.js";
import { staffUsers } from "../db/schema.js";
import { MIN_PASSWORD_LENGTH, passwordProblem } from "../auth/passwordPolicy.js";

import type { Role } from "../policies/index.js";
import { invalidateIntakeRecipients } from "../tips/intakeRecipients.js";
export type { Role };

export interface NewStaff {
  email: string;
  role: Role;
  /** A district code, or null for the whole province. */
  districtCode: string | null;
  policeUnitId?: string | null;
  password: string;
}

export interface CreatedStaff {
  id: string;
  publicKey: crypto.Bytes;
}

export class StaffInputError extends Error {}

/** Label bound to a staff key wrap, so a wrap cannot be swapped between accounts. */

/**
 * Create the account inside the caller's transaction.
 * @throws StaffInputError for a malformed email, a short password, or a missing jurisdiction.
 */
export async function createStaff(tx: Tx, input: NewStaff): Promise<CreatedStaff> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new StaffInputError(`"${input.email}" is not an email address`);
  const problem = passwordProblem(input.password);
  if (problem) throw new StaffInputError(problem === "errors.password_common" ? "this password is on the list of common passwords" : `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (input.role === "liaison" && !input.districtCode) throw new StaffInputError("a liaison needs --district CODE");
  if (input.role === "police" && !input.policeUnitId) throw new StaffInputError("a police user needs --unit ID");
  const id = randomUUID();
  const keys = crypto.generateKeyPair();
  const keySalt = crypto.newSalt();
  const wrappingKey = await crypto.derivePasswordKey(input.password, keySalt);
  await tx.insert(staffUsers).values({
    id,
    email,
    role: input.role,
    districtCode: input.role === "admin" ? null : input.districtCode,
    policeUnitId: input.policeUnitId ?? null,
    passwordHash: await crypto.hashPassword(input.password),
    keySalt,
    publicKey: keys.publicKey,
    wrappedPrivateKey: crypto.wrapWithKey(keys.privateKey, wrappingKey, staffWrapLabel(id)),
  });
  // Before commit: a tip in between may cache the old set, which its successor's INSERT check then catches.
  invalidateIntakeRecipients();
  return { id, publicKey: keys.publicKey };
}
