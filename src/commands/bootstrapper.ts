/**
 * bootstrapper: create the first administrator and the province's recovery
 * (escrow) key pair, whose private key exists only sealed to that
 * administrator. Until this has run, the tip line refuses tips (nobody could
 * read them). Refuses when an administrator already exists.
 */
import { eq, sql } from "drizzle-orm";
import * as crypto from "../crypto/index.js";
import type { Db } from "../db/client.js";
import { recoveryKey, recoveryKeyHolders, staffUsers } from "../db/schema.js";
import { createStaff } from "./staffCreator.js";
import { appendAudit } from "../audit/auditLog.js";
import { invalidateIntakeRecipients } from "../tips/intakeRecipients.js";

export class AlreadyBootstrappedError extends Error {
  constructor() {
    super("an administrator already exists; use `staff create` to add accounts");
  }
}

export async function bootstrap(db: Db, email: string, password: string): Promise<{ adminId: string }> {
  const done = await db.transaction(async (tx) => {
    // Serialise concurrent first starts (several processes on an empty database).
    await tx.execute(sql`SELECT pg_advisory_xact_lock(1752132980)`);
    const existing = await tx.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.role, "admin")).limit(1);
    if (existing.length > 0) throw new AlreadyBootstrappedError();
    const admin = await createStaff(tx, { email, role: "admin", districtCode: null, password });
    const recovery = crypto.generateKeyPair();
    await tx.delete(recoveryKey);
    await tx.insert(recoveryKey).values({ id: 1, publicKey: recovery.publicKey });
    await tx.insert(recoveryKeyHolders).values({ userId: admin.id, sealedPrivateKey: crypto.sealTo(recovery.privateKey, admin.publicKey) });
    await appendAudit(tx, { actorId: null, action: "system.bootstrapped", subjectType: "staff", subjectId: admin.id });
    return { adminId: admin.id };
  });
  invalidateIntakeRecipients();
  return done;
}

/** The one line an operator reads at start-up when nobody can sign in yet. */
export const FIRST_ADMIN_HINT = "no administrator exists yet: create the first one with `npm run cli -- bootstrap --email you@example.org` (it also creates the recovery key; tips are refused until then)";
