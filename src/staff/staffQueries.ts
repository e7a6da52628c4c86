/**
 * Reading staff accounts for the pages and the API: the account list, one
 * account, e-mails by id, who a case may be given to, the district liaisons,
 * who holds the recovery key, the e-mail behind an activation link, and
 * whether an administrator exists yet.
 * Every change to an account is a command (src/commands/).
 */
import { createHash } from "node:crypto";
import { and, asc, eq, gt, inArray, isNull, or } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { invitations, recoveryKeyHolders, staffUsers } from "../db/schema.js";

/** Whether the first administrator exists (the tip line accepts tips only then). */
export async function hasAdministrator(db: Db): Promise<boolean> {
  const rows = await db.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.role, "admin")).limit(1);
  return rows.length > 0;
}

/** Every account, by e-mail. */
export const listStaff = (db: Db) => db.select().from(staffUsers).orderBy(asc(staffUsers.email));

/** One account, or null. */
export async function staffById(db: Db, id: string) {
  const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
  return row ?? null;
}

/** id → e-mail for the given ids (nulls and repeats ignored). */
export async function staffEmails(db: Db, ids: ReadonlyArray<string | null | undefined>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i))];
  if (!wanted.length) return new Map();
  const rows = await db.select({ id: staffUsers.id, email: staffUsers.email }).from(staffUsers).where(inArray(staffUsers.id, wanted));
  return new Map(rows.map((r) => [r.id, r.email]));
}

/** People a case of `districtCode` may be given to (null: every district): its liaisons and the administrators. */
export function assigneeChoices(db: Db, districtCode: string | null) {
  const liaisons = districtCode ? and(eq(staffUsers.role, "liaison"), eq(staffUsers.districtCode, districtCode)) : eq(staffUsers.role, "liaison");
  return db
    .select({ id: staffUsers.id, email: staffUsers.email, role: staffUsers.role })
    .from(staffUsers)
    .where(and(eq(staffUsers.active, true), or(eq(staffUsers.role, "admin"), liaisons)))
    .orderBy(asc(staffUsers.role), asc(staffUsers.email));
}

/** The active liaisons with their district, by e-mail (who covers which district). */
export const activeLiaisons = (db: Db) =>
  db
    .select({ email: staffUsers.email, districtCode: staffUsers.districtCode })
    .from(staffUsers)
    .where(and(eq(staffUsers.role, "liaison"), eq(staffUsers.active, true)))
    .orderBy(asc(staffUsers.email));

/** The ids of the people who hold the recovery key. */
export async function recoveryKeyHolderIds(db: Db): Promise<Set<string>> {
  const rows = await db.select({ userId: recoveryKeyHolders.userId }).from(recoveryKeyHolders);
  return new Set(rows.map((r) => r.userId));
}

/** What is stored of an activation link's token, and looked up by: its SHA-256 (the token itself is random). */
export const hashToken = (token: string) => new Uint8Array(createHash("sha256").update(token).digest());

/** The e-mail of the unused, unexpired invitation (or reset) whose token hashes to `tokenHash`, or null. */
export async function pendingInvitationEmail(db: Db, tokenHash: Uint8Array): Promise<string | null> {
  const [inv] = await db
    .select({ email: invitations.email })
    .from(invitations)
    .where(and(eq(invitations.tokenHash, tokenHash), isNull(invitations.usedAt), gt(invitations.expiresAt, new Date())));
  return inv?.email ?? null;
}
