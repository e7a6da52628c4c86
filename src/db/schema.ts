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
import { bigint, bigserial, boolean, check, customType, date, doublePrecision, index, integer, jsonb, numeric, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

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
  /** TOTP secret, encrypted under a SECRET_KEY sub-key (the server must read it to verify codes). */
  totpSecret: bytea("totp_secret"),
  totpEnabled: boolean("totp_enabled").notNull().default(false),
  /** Set by an administrator's reset (which also clears TOTP, for a lost phone): old tips stay unreadable until "restore access". */
  needsRestore: boolean("needs_restore").notNull().default(false),
  notifyMode: text("notify_mode", { enum: ["instant", "digest"] }).notNull().default("instant"),
  lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Police units: one district, or the whole province when districtCode is null. */
export const policeUnits = pgTable("police_units", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  districtCode: text("district_code"),
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One-time activation links. Only a hash of the token is stored. */
export const invitations = pgTable("invitations", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull(),
  role: text("role", { enum: ["admin", "liaison", "police", "supervisor"] }).notNull(),
  districtCode: text("district_code"),
  policeUnitId: uuid("police_unit_id"),
  tokenHash: bytea("token_hash").notNull().unique(),
  /** Set for a password reset of an existing account; null for a new account. */
  userId: uuid("user_id"),
  invitedBy: uuid("invited_by").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The audit log: append-only, each row holding the SHA-256 of the previous
 * row's hash and its own content (a hash chain). `npm run cli -- audit verify` walks it.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    actorId: uuid("actor_id"),
    action: text("action").notNull(),
    subjectType: text("subject_type"),
    subjectId: text("subject_id"),
    /** District the subject belongs to, so supervisors can be given their district's rows. */
    districtCode: text("district_code"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    prevHash: bytea("prev_hash").notNull(),
    hash: bytea("hash").notNull(),
  },
  (t) => [index("audit_subject_idx").on(t.subjectType, t.subjectId), index("audit_at_idx").on(t.at)],
);

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
    // Workflow bookkeeping (the state machine in src/cases/workflow.ts); no content.
    triagedAt: timestamp("triaged_at", { withTimezone: true }),
    triageOutcome: text("triage_outcome"),
    /** For "not actionable": a reason code (insufficient, out_of_scope, false_or_malicious, other); the free text is encrypted. */
    notActionableReason: text("not_actionable_reason"),
    duplicateOfId: uuid("duplicate_of_id"),
    forwardedUnitId: uuid("forwarded_unit_id"),
    forwardedAt: timestamp("forwarded_at", { withTimezone: true }),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    verifyExtended: boolean("verify_extended").notNull().default(false),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    outcome: text("outcome"),
    /** The police result's quantities (the plan's report sums them); null when not given. No content: counts only. */
    plantsDestroyed: integer("plants_destroyed"),
    areaM2: integer("area_m2"),
    peopleHandled: integer("people_handled"),
    seizedGrams: numeric("seized_grams", { precision: 12, scale: 2, mode: "number" }),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    /** The running deadline (null when none runs, e.g. while waiting for the tipster). */
    deadlineAt: timestamp("deadline_at", { withTimezone: true }),
    deadlineFrom: timestamp("deadline_from", { withTimezone: true }),
    deadlineKind: text("deadline_kind"),
    /** Help requests: referred to counselling or treatment (the plan's 80% target). */
    referred: boolean("referred"),
    /** Help requests: the kind of service the person was referred to (counselling, methadone, voluntary_rehab, community_rehab). */
    referralKind: text("referral_kind"),
    /** The durations the statistics' percentiles sort, computed by PostgreSQL when the times change (migration 0011). */
    triageSeconds: doublePrecision("triage_seconds").generatedAlwaysAs(sql`date_part('epoch', triaged_at - received_at)`),
    acknowledgeSeconds: doublePrecision("acknowledge_seconds").generatedAlwaysAs(sql`date_part('epoch', acknowledged_at - forwarded_at)`),
    /** Set when the content was purged by the retention job; routing fields stay for statistics. */
    purgedAt: timestamp("purged_at", { withTimezone: true }),
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
    index("tips_assignee_status_idx").on(t.assigneeId, t.status),
    index("tips_unit_idx").on(t.forwardedUnitId),
    index("tips_deadline_idx").on(t.deadlineAt),
    // The sweep's "which districts have tips waiting" and each routing batch's read (migration 0009).
    index("tips_waiting_idx").on(t.districtCode, t.receivedAt, t.id).where(sql`${t.status} = 'received'`),
    // State and assignee never contradict: "assigned" (Đã giao cán bộ) always names someone.
    check("tips_assigned_has_assignee", sql`${t.status} <> 'assigned' OR ${t.assigneeId} IS NOT NULL`),
    // Only the workflow's states, src/cases/workflow.ts STATUSES (migration 0012).
    check(
      "tips_status_check",
      sql`${t.status} IN ('received', 'assigned', 'needs_info', 'actionable', 'forwarded', 'acknowledged', 'verifying', 'resolved', 'closed')`,
    ),
    // The other enumerated columns hold only the code's values, the sets the statistics count (migration 0015;
    // test/stats/valueChecks.test.ts keeps each list equal to its constant). NULL passes a CHECK.
    check("tips_source_check", sql`${t.source} IN ('web', 'mailbox', 'phone')`), // src/validation/tip.ts TIP_SOURCES
    check("tips_category_check", sql`${t.category} IN ('selling', 'using', 'storage', 'cultivation', 'luring_minors', 'help_request', 'other')`), // CATEGORIES
    // src/cases/workflow.ts TRIAGE_OUTCOMES, NOT_ACTIONABLE_REASONS, POLICE_OUTCOMES + HELP_OUTCOMES
    check("tips_triage_outcome_check", sql`${t.triageOutcome} IN ('actionable', 'duplicate', 'needs_info', 'not_actionable')`),
    check("tips_not_actionable_reason_check", sql`${t.notActionableReason} IN ('insufficient', 'out_of_scope', 'false_or_malicious', 'other')`),
    check(
      "tips_outcome_check",
      sql`${t.outcome} IN ('spot_eliminated', 'plants_destroyed', 'arrests_made', 'nothing_found', 'handed_over', 'referred_counselling', 'referred_treatment', 'not_referred')`,
    ),
    check("tips_referral_kind_check", sql`${t.referralKind} IN ('counselling', 'methadone', 'voluntary_rehab', 'community_rehab')`), // src/help/directory.ts SERVICE_KINDS
    check("tips_deadline_kind_check", sql`${t.deadlineKind} IN ('triage', 'forward', 'needs_info', 'acknowledge', 'verify')`), // src/cases/deadlines.ts DEADLINE_KINDS
    // A triage decision is whole (0016): its reason and its duplicate link only with their outcome.
    check("tips_reason_with_not_actionable", sql`${t.notActionableReason} IS NULL OR ${t.triageOutcome} IS NOT DISTINCT FROM 'not_actionable'`),
    check("tips_duplicate_with_outcome", sql`${t.duplicateOfId} IS NULL OR ${t.triageOutcome} IS NOT DISTINCT FROM 'duplicate'`),
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
    kind: text("kind", { enum: ["report", "photo", "message", "note", "contact"] }).notNull(),
    /** For messages: who wrote it. A staff author is named; a tipster never is. */
    author: text("author", { enum: ["tipster", "staff"] }),
    authorId: uuid("author_id"),
    position: integer("position").notNull().default(0),
    ciphertext: bytea("ciphertext").notNull(),
    sealedKey: bytea("sealed_key").notNull(),
    /** Truncated to the hour: when a tipster writes can identify them. */
    createdHour: timestamp("created_hour", { withTimezone: true }).notNull().default(sql`date_trunc('hour', now())`),
  },
  (t) => [index("tip_items_tip_idx").on(t.tipId, t.kind, t.position)],
);

/** Which police unit takes a district's actionable cases; a commune may be given to another unit. */
export const coverage = pgTable(
  "coverage",
  {
    /** A district code or a commune code. */
    unitCode: text("unit_code").primaryKey(),
    policeUnitId: uuid("police_unit_id")
      .notNull()
      .references(() => policeUnits.id, { onDelete: "cascade" }),
  },
);

/** In-app notifications. They name a case id and a reason, never content. */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => staffUsers.id, { onDelete: "cascade" }),
    tipId: uuid("tip_id"),
    kind: text("kind").notNull(),
    urgent: boolean("urgent").notNull().default(false),
    /** Makes creating the same notification twice (a retried job) a no-op. */
    dedupeKey: text("dedupe_key").unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp("read_at", { withTimezone: true }),
    /** Kept to the hour: it is only a "sent" mark, and an exact time would date what a tipster did. */
    emailedAt: timestamp("emailed_at", { withTimezone: true }),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.createdAt)],
);

/** Settings administrators change at run time (outcome wordings, public figures page…). */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Each district's model commune for drug prevention (mô hình điểm), registered once a year. */
export const modelCommunes = pgTable(
  "model_communes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    districtCode: text("district_code").notNull(),
    year: integer("year").notNull(),
    communeCode: text("commune_code").notNull(),
    content: text("content").notNull(),
    startDate: text("start_date").notNull(),
    plannedEndDate: text("planned_end_date").notNull(),
    progress: text("progress").notNull().default(""),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    registeredBy: uuid("registered_by").notNull(),
    registeredAt: timestamp("registered_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("model_communes_district_year_commune_idx").on(t.districtCode, t.year, t.communeCode)],
);

/**
 * Every deadline a case has had: when its clock started, when it fell due and when it ended (met,
 * replaced or stopped). Reports count the cases overdue during a period from it.
 */
export const caseDeadlines = pgTable(
  "case_deadlines",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tipId: uuid("tip_id")
      .notNull()
      .references(() => tips.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    index("case_deadlines_tip_idx").on(t.tipId),
    index("case_deadlines_open_due_idx").on(t.dueAt).where(sql`ended_at IS NULL`),
    check("case_deadlines_kind_check", sql`${t.kind} IN ('triage', 'forward', 'needs_info', 'acknowledge', 'verify')`), // DEADLINE_KINDS (0017)
  ],
);

/**
 * The reminders and escalations the deadline sweep has sent, written in the same transaction as their
 * notifications: a re-run, a second worker or a Redis that lost its data finds them and sends nothing twice.
 */
export const deadlineAlerts = pgTable(
  "deadline_alerts",
  {
    deadlineId: bigint("deadline_id", { mode: "number" })
      .notNull()
      .references(() => caseDeadlines.id, { onDelete: "cascade" }),
    stage: text("stage", { enum: ["reminder", "escalation", "returned"] }).notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.deadlineId, t.stage, t.dueAt] })],
);

/**
 * The official drug-situation classification of each commune, per year, as
 * the authorities decided it (Quyết định 3122/2010/QĐ-BCA, 28/2025/QĐ-TTg):
 * entered by police or administrators, audited. Not tip data.
 */
export const communeClassifications = pgTable(
  "commune_classifications",
  {
    communeCode: text("commune_code").notNull(),
    year: integer("year").notNull(),
    level: text("level", { enum: ["drug_free", "has_drugs", "key_type_3", "key_type_2", "key_type_1"] }).notNull(),
    /** The decision's number (e.g. 123/QĐ-UBND) and date (YYYY-MM-DD), when known. */
    decision: text("decision"),
    decidedOn: text("decided_on"),
    enteredBy: uuid("entered_by").notNull(),
    enteredAt: timestamp("entered_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.communeCode, t.year] }), index("commune_classifications_year_idx").on(t.year)],
);

/** Counselling and treatment services a person asking for help can turn to; kept by administrators, public. */
export const helpServices = pgTable("help_services", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  /** The district it serves; null = the whole province. */
  districtCode: text("district_code"),
  address: text("address").notNull(),
  phone: text("phone").notNull(),
  hours: text("hours").notNull().default(""),
  kind: text("kind", { enum: ["counselling", "methadone", "voluntary_rehab", "community_rehab"] }).notNull(),
  active: boolean("active").notNull().default(true),
  updatedBy: uuid("updated_by").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Reports filed in the Youth Union's format: the text written for them and a
 * snapshot of their figures, so a report filed for March does not change when
 * a late tip arrives. Two snapshots: exact, and as supervisors may see it.
 */
export const savedReports = pgTable(
  "saved_reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** month | quarter | half | year | thematic | adhoc */
    kind: text("kind").notNull(),
    periodFrom: timestamp("period_from", { withTimezone: true }).notNull(),
    periodTo: timestamp("period_to", { withTimezone: true }).notNull(),
    periodLabel: text("period_label").notNull(),
    /** null = the province's report */
    districtCode: text("district_code"),
    category: text("category"),
    number: text("number").notNull().default(""),
    place: text("place").notNull().default(""),
    /** YYYY-MM-DD, the date written on the report */
    issuedOn: text("issued_on").notNull(),
    /** The subject of a thematic or ad-hoc report */
    subject: text("subject").notNull().default(""),
    assessment: text("assessment").notNull().default(""),
    nextSteps: text("next_steps").notNull().default(""),
    signerTitle: text("signer_title").notNull().default(""),
    signerName: text("signer_name").notNull().default(""),
    recipients: text("recipients").notNull().default(""),
    figures: jsonb("figures").$type<Record<string, unknown>>().notNull(),
    figuresSuppressed: jsonb("figures_suppressed").$type<Record<string, unknown>>().notNull(),
    /** The small-number threshold the suppressed snapshot was made with */
    threshold: integer("threshold").notNull(),
    createdBy: uuid("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("saved_reports_district_idx").on(t.districtCode, t.periodFrom)],
);

/**
 * The places register: a sale point, a hangout where drugs are used, a storage
 * place or a cultivation area, in a commune. Only the commune and the kind are
 * in the clear; the label and location are one item encrypted like case content
 * (a fresh key sealed to the place's public key), and the place's private key is
 * sealed to the staff entitled to it and to the recovery key. Created on: the day only.
 */
export const places = pgTable(
  "places",
  {
    id: uuid("id").primaryKey(),
    communeCode: text("commune_code").notNull(),
    kind: text("kind", { enum: ["sale_point", "use_hangout", "storage", "cultivation"] }).notNull(),
    /** The day it was entered (Vietnam), YYYY-MM-DD. */
    createdOn: date("created_on", { mode: "string" }).notNull(),
    publicKey: bytea("public_key").notNull(),
    recoverySealedKey: bytea("recovery_sealed_key").notNull(),
    /** {label, location?} encrypted (AD homthu:v1:place:<id>) */
    ciphertext: bytea("ciphertext").notNull(),
    sealedKey: bytea("sealed_key").notNull(),
  },
  (t) => [index("places_commune_kind_idx").on(t.communeCode, t.kind)],
);

/** A place's private key sealed to each staff member entitled to read it. */
export const placeKeyWraps = pgTable(
  "place_key_wraps",
  {
    placeId: uuid("place_id")
      .notNull()
      .references(() => places.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => staffUsers.id, { onDelete: "cascade" }),
    sealedPrivateKey: bytea("sealed_private_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.placeId, t.userId] }), index("place_key_wraps_user_idx").on(t.userId)],
);

/** A place's states over time (first row: active, the day it was detected); each change audited. */
export const placeStates = pgTable(
  "place_states",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    placeId: uuid("place_id")
      .notNull()
      .references(() => places.id, { onDelete: "cascade" }),
    state: text("state", { enum: ["active", "eliminated", "re_emerged", "replanted"] }).notNull(),
    /** The day of the change (Vietnam), YYYY-MM-DD. */
    onDate: date("on_date", { mode: "string" }).notNull(),
    enteredBy: uuid("entered_by").notNull(),
  },
  (t) => [index("place_states_place_idx").on(t.placeId, t.onDate), index("place_states_date_idx").on(t.onDate)],
);

/** Which cases are about which place (repeat tips about the same house). */
export const casePlaces = pgTable(
  "case_places",
  {
    tipId: uuid("tip_id")
      .notNull()
      .references(() => tips.id, { onDelete: "cascade" }),
    placeId: uuid("place_id")
      .notNull()
      .references(() => places.id, { onDelete: "cascade" }),
    linkedBy: uuid("linked_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tipId, t.placeId] }), index("case_places_place_idx").on(t.placeId)],
);
