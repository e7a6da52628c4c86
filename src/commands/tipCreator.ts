/**
 * tipCreator: accept one anonymous tip.
 *
 * In one statement (so one transaction) it stores the routing fields in plaintext and everything
 * else encrypted: the tip gets its own key pair; the report and each photo are
 * encrypted under fresh keys sealed to the tip's public key; the tip's private
 * key is sealed to each entitled staff member (the district's active liaisons
 * and the administrators), to the recovery key, and wrapped under the
 * receipt-derived key for the tipster. The receipt itself is never stored.
 * Nothing here records who sent the tip or from where, and it touches only
 * PostgreSQL: routing is the minute sweep's work (workers/processors/maintenance.ts).
 */
import { createHash, randomUUID } from "node:crypto";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import type { Database } from "../db/client.js";
import { notReady } from "../errors.js";
import { coarse } from "../time/coarse.js";
import { intakeKeys, recipientsFor } from "../tips/intakeRecipients.js";
import type { CleanPhoto } from "../photos/sanitizePhoto.js";
import type { ReportContent } from "../tips/reportContent.js";
import type { TipInput, TipSource } from "../validation/tip.js";

export interface CreatedTip {
  tipId: string;
  /** Shown to the tipster once, in groups of four; exists nowhere else. */
  receipt: string;
}

/** Attempts of the checked INSERT before giving up (each retry follows a reload of the cached recipients). */
const MAX_ATTEMPTS = 3;

/**
 * One PostgreSQL round trip in the usual case. The tip, its items and its key
 * wraps go in as one statement (data-modifying CTEs: atomic on its own, so no
 * BEGIN/COMMIT round trips), sealed to the recipients cached by
 * intakeRecipients. The statement inserts only if the recovery key and the
 * district's active recipients (ids and public keys) are still those cached;
 * otherwise it inserts nothing, the cache is reloaded (one round trip) and the
 * statement is sent again. A cold cache costs one more round trip.
 *
 * @throws HttpError not_ready (503) while no recovery key exists: a tip nobody could ever decrypt is refused.
 */
export async function createTip(ctx: AppContext, input: TipInput, photos: CleanPhoto[], source: TipSource = "web"): Promise<CreatedTip> {
  const { database } = ctx;
  const tipId = randomUUID();
  const receipt = crypto.generateReceipt();
  const tipKeys = crypto.generateKeyPair();
  const { lookup, wrapKey } = await crypto.deriveReceiptKeys(crypto.normalizeReceipt(receipt)!, ctx.keys.receiptSalt);

  const photoItems = photos.map((p, i) => ({ id: randomUUID(), position: i, photo: p }));
  const report: ReportContent = { location: input.location, observedAt: input.observedAt, description: input.description };
  const shared = photoItems.filter((p) => input.sharePhotoLocation && p.photo.gps);
  if (shared.length > 0) report.photoLocations = Object.fromEntries(shared.map((p) => [p.id, p.photo.gps!]));
  const reportId = randomUUID();
  const items: ItemRow[] = [{ id: reportId, kind: "report", position: 0, ...crypto.encryptItem(crypto.utf8.encode(JSON.stringify(report)), tipId, reportId, tipKeys.publicKey) }];
  for (const p of photoItems) items.push({ id: p.id, kind: "photo", position: p.position, ...crypto.encryptFile(p.photo.jpeg, tipId, p.id, tipKeys.publicKey) });
  if (input.contact) {
    const contactId = randomUUID();
    items.push({ id: contactId, kind: "contact", position: 0, ...crypto.encryptItem(crypto.utf8.encode(JSON.stringify({ contact: input.contact })), tipId, contactId, tipKeys.publicKey) });
  }
  const receiptWrappedKey = crypto.wrapWithKey(tipKeys.privateKey, wrapKey, `receipt:${tipId}`);

  let keys = await intakeKeys(database);
  for (let attempt = 1; ; attempt++) {
    if (!keys) throw notReady();
    const recipients = recipientsFor(keys, input.districtCode);
    const inserted = await insertTip(database, {
      tipId,
      receivedAt: coarse("minute"),
      input,
      source,
      noLiaison: !recipients.some((r) => r.role === "liaison"),
      publicKey: tipKeys.publicKey,
      lookup,
      receiptWrappedKey,
      recoveryPublicKey: keys.recoveryPublicKey,
      recoverySealedKey: crypto.sealTo(tipKeys.privateKey, keys.recoveryPublicKey),
      items,
      wraps: recipients.map((r) => ({ userId: r.id, publicKey: r.publicKey, sealed: crypto.sealTo(tipKeys.privateKey, r.publicKey) })),
    });
    if (inserted) break;
    if (attempt >= MAX_ATTEMPTS) throw new Error("tip not stored: the recipients kept changing");
    keys = await intakeKeys(database, true);
  }

  // Nothing else: no job, no Redis key. The worker's minute sweep finds the tip "received" and routes it
  // (a job added now would record this moment, in milliseconds, in Redis).
  return { tipId, receipt };
}

interface ItemRow {
  id: string;
  kind: "report" | "photo" | "contact";
  position: number;
  ciphertext: Uint8Array;
  sealedKey: Uint8Array;
}

interface TipInsert {
  tipId: string;
  receivedAt: Date;
  input: TipInput;
  source: TipSource;
  noLiaison: boolean;
  publicKey: Uint8Array;
  lookup: Uint8Array;
  receiptWrappedKey: Uint8Array;
  recoveryPublicKey: Uint8Array;
  recoverySealedKey: Uint8Array;
  items: ItemRow[];
  wraps: { userId: string; publicKey: Uint8Array; sealed: Uint8Array }[];
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * The checked INSERT of a tip with its items and key wraps, in one statement.
 * Returns false (nothing inserted) when the recovery key or the recipients
 * differ from those the wraps were sealed to. Each value is its own parameter
 * (photos travel as binary parameters, not inside an array literal).
 */
async function insertTip(database: Database, row: TipInsert): Promise<boolean> {
  const params: unknown[] = [];
  const p = (v: unknown, cast: string) => (params.push(v), `$${params.length}::${cast}`);
  const check = `SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') AS ids, coalesce(array_agg(s.public_key ORDER BY s.id), '{}') AS pks
                   FROM staff_users s
                  WHERE s.active AND (s.role = 'admin' OR (s.role = 'liaison' AND s.district_code = ${p(row.input.districtCode, "text")}))`;
  const ok = `SELECT 1 FROM cur JOIN recovery_key rk ON rk.id = 1 AND rk.public_key = ${p(buf(row.recoveryPublicKey), "bytea")}
               WHERE cur.ids = ${p(row.wraps.map((w) => w.userId), "uuid[]")} AND cur.pks = ${p(row.wraps.map((w) => buf(w.publicKey)), "bytea[]")}`;
  const tip = `INSERT INTO tips (id, received_at, category, district_code, commune_code, urgent, source, no_liaison, public_key, receipt_lookup, receipt_wrapped_key, recovery_sealed_key)
               SELECT ${p(row.tipId, "uuid")}, ${p(row.receivedAt.toISOString(), "timestamptz")}, ${p(row.input.category, "text")}, ${p(row.input.districtCode, "text")}, ${p(row.input.communeCode, "text")},
                      ${p(row.input.urgent, "boolean")}, ${p(row.source, "text")}, ${p(row.noLiaison, "boolean")}, ${p(buf(row.publicKey), "bytea")}, ${p(buf(row.lookup), "bytea")},
                      ${p(buf(row.receiptWrappedKey), "bytea")}, ${p(buf(row.recoverySealedKey), "bytea")}
                 FROM ok RETURNING id`;
  const itemValues = row.items.map((i) => `(${p(i.id, "uuid")}, ${p(i.kind, "text")}, ${p(i.position, "int")}, ${p(buf(i.ciphertext), "bytea")}, ${p(buf(i.sealedKey), "bytea")})`);
  const items = `INSERT INTO tip_items (id, tip_id, kind, position, ciphertext, sealed_key)
                 SELECT v.id, t.id, v.kind, v.position, v.ciphertext, v.sealed_key FROM t, (VALUES ${itemValues.join(", ")}) v(id, kind, position, ciphertext, sealed_key)`;
  const wrapValues = row.wraps.map((w) => `(${p(w.userId, "uuid")}, ${p(buf(w.sealed), "bytea")})`);
  const wraps =
    wrapValues.length > 0
      ? `, w AS (INSERT INTO tip_key_wraps (tip_id, user_id, sealed_private_key) SELECT t.id, v.user_id, v.sealed FROM t, (VALUES ${wrapValues.join(", ")}) v(user_id, sealed))`
      : "";
  const text = `WITH cur AS (${check}), ok AS (${ok}), t AS (${tip}), i AS (${items})${wraps} SELECT count(*)::int AS n FROM t`;
  // A named (prepared) statement: PostgreSQL parses and plans it once per connection instead of at every tip, and
  // later tips send only its parameters. The text depends only on how many items and wraps there are; the name
  // carries a hash of it, so that a server connection shared through a pooler never runs another version's text.
  const shape = `${row.items.length}-${row.wraps.length}`;
  let name = statementNames.get(shape);
  if (!name) statementNames.set(shape, (name = `tip-insert-${createHash("sha256").update(text).digest("hex").slice(0, 20)}`));
  if (!unprepared.has(database)) {
    try {
      const { rows } = await database.pool.query<{ n: number }>({ name, text, values: params });
      return rows[0]?.n === 1;
    } catch (err) {
      if ((err as { code?: string }).code !== UNDEFINED_PREPARED_STATEMENT) throw err;
      // The server no longer knows a statement pg prepared on this connection: a pooler in transaction mode
      // that does not track prepared statements (PgBouncer before 1.21, or max_prepared_statements = 0) sent the
      // execution to another server connection. Nothing was inserted; from now on this process sends the text.
      unprepared.add(database);
    }
  }
  const { rows } = await database.pool.query<{ n: number }>(text, params);
  return rows[0]?.n === 1;
}

/** The prepared statement's name for each shape (items-wraps) of the INSERT. */
const statementNames = new Map<string, string>();
/** SQLSTATE invalid_sql_statement_name: "prepared statement … does not exist". */
const UNDEFINED_PREPARED_STATEMENT = "26000";
/** Databases whose connections lost a prepared statement once (see insertTip): they get the statement's text. */
const unprepared = new WeakSet<Database>();
