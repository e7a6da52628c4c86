/**
 * The database schema (Drizzle). Migrations in src/db/migrations are generated
 * from this file with `npm run db:generate` and committed as SQL.
 *
 * Plaintext is limited on purpose: a tip keeps in the clear only what routing
 * and statistics need (id, time received, category, district, commune,
 * urgency, status, source). Everything the tipster wrote or sent is in
 * tip_items, encrypted (see src/crypto and docs/security.md).
 */
import { sql } from "drizzle-orm";
import { boolean, customType, index, integer, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/** PostgreSQL bytea as Uint8Array (node-postgres returns Buffer, a Uint8Array). */
const bytea = customType<{ data: Uint8Array; driverData: Buffer }>({
  dataType: () => "bytea",
  toDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength),
  fromDriver: (v) => new Uint8Array(v),
});

/** The administrative tree (province → district → commune, or province → commune). Data, replaced whole by `units import`. */
export const units = pgTable(
  "units",
  {
    code: text("code").primaryKey(),
    parentCode: text("parent_code"),
    level: text("level", { enum: ["province", "district", "commune"] }).notNull(),
    name: text("name").notNull(),
    type: text("type").notNull(),
    position: integer("position").notNull(),
  },
  (t) => [index("units_parent_idx").on(t.parentCode)],
);

/** Staff accounts. The private key is stored only wrapped under a key derived from the password. */
export const staffUsers = pgTable("staff_users", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  role: text("role", { enum: ["admin", "liaison", "police", "supervisor"] }).notNull(),
  /** Jurisdiction: a district code, or null for the whole province. */
  districtCode: text("district_code"),
  policeUnitId: uuid("police_unit_id"),
  passwordHash: text("password_hash").notNull(),
  keySalt: bytea("key_salt").notNull(),
  publicKey: bytea("public_key").notNull(),
  wrappedPrivateKey: bytea("wrapped_private_key").notNull(),
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The province's recovery (escrow) key: one row. Its private key exists only sealed to the administrators who hold it. */
export const recoveryKey = pgTable("recovery_key", {
  id: smallint("id").primaryKey().default(1),
  publicKey: bytea("public_key").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The recovery private key sealed to each administrator's public key. */
export const recoveryKeyHolders = pgTable("recovery_key_holders", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => staffUsers.id, { onDelete: "cascade" }),
  sealedPrivateKey: bytea("sealed_private_key").notNull(),
});

/** A tip: routing fields in plaintext, keys and content encrypted. */
export const tips = pgTable(
  "tips",
  {
    id: uuid("id").primaryKey(),
    /** Truncated to the minute: enough for deadlines, less to correlate with. */
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
    category: text("category").notNull(),
    districtCode: text("district_code").notNull(),
    communeCode: text("commune_code").notNull(),
    urgent: boolean("urgent").notNull().default(false),
    status: text("status").notNull().default("received"),
    source: text("source", { enum: ["web", "mailbox", "phone"] }).notNull().default("web"),
    /** Set when no active liaison existed for the district at intake. */
    noLiaison: boolean("no_liaison").notNull().default(false),
    assigneeId: uuid("assignee_id"),
    assignedAt: timestamp("assigned_at", { withTimezone: true }),
    version: integer("version").notNull().default(1),
    publicKey: bytea("public_key").notNull(),
    /** crypto_kdf sub-key of argon2id(receipt): finds the tip, proves nothing else. */
    receiptLookup: bytea("receipt_lookup").notNull(),
    /** The tip's private key wrapped under the receipt-derived key (the tipster's copy). */
    receiptWrappedKey: bytea("receipt_wrapped_key").notNull(),
    /** The tip's private key sealed to the recovery public key. */
    recoverySealedKey: bytea("recovery_sealed_key").notNull(),
  },
  (t) => [
    uniqueIndex("tips_receipt_lookup_idx").on(t.receiptLookup),
    index("tips_district_received_idx").on(t.districtCode, t.receivedAt),
    index("tips_received_idx").on(t.receivedAt),
  ],
);

/** The tip's private key sealed to each staff member entitled to read it. */
export const tipKeyWraps = pgTable(
  "tip_key_wraps",
  {
    tipId: uuid("tip_id")
      .notNull()
      .references(() => tips.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => staffUsers.id, { onDelete: "cascade" }),
    sealedPrivateKey: bytea("sealed_private_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tipId, t.userId] }), index("tip_key_wraps_user_idx").on(t.userId)],
);

/** Encrypted pieces of a tip: the report itself, photos, later messages. */
export const tipItems = pgTable(
  "tip_items",
  {
    id: uuid("id").primaryKey(),
    tipId: uuid("tip_id")
      .notNull()
      .references(() => tips.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["report", "photo", "message"] }).notNull(),
    position: integer("position").notNull().default(0),
    ciphertext: bytea("ciphertext").notNull(),
    sealedKey: bytea("sealed_key").notNull(),
    /** Truncated to the hour: when a tipster writes can identify them. */
    createdHour: timestamp("created_hour", { withTimezone: true }).notNull().default(sql`date_trunc('hour', now())`),
  },
  (t) => [index("tip_items_tip_idx").on(t.tipId, t.kind, t.position)],
);
