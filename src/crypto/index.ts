/**
 * homthu's crypto: the only file that touches libsodium or argon2.
 *
 * The protocol is written down in docs/security.md; this module is its code.
 * Every function names its primitive in one line. Handlers, commands and
 * processors call these functions and never see a raw key operation.
 *
 * Primitives (libsodium):
 *  - X25519 key pairs + crypto_box_seal (anonymous sealed boxes) to wrap keys to a recipient.
 *  - XChaCha20-Poly1305-IETF with associated data for items and key wraps.
 *  - crypto_secretstream_xchacha20poly1305 for files (truncation is detected).
 *  - crypto_kdf (BLAKE2b) to split one secret into independent sub-keys.
 *  - crypto_generichash (keyed BLAKE2b) as a MAC for client-address hashing and form tokens.
 * Password and receipt derivations: argon2id (npm `argon2`), raw 32-byte output,
 * with parameters from one options object (tests turn them down) and a bounded
 * number running at once so memory stays bounded under load.
 */
import { randomFillSync } from "node:crypto";
import argon2 from "argon2";
import sodium from "libsodium-wrappers";
import { Semaphore } from "./semaphore.js";

export interface Argon2Options {
  memoryKiB: number;
  passes: number;
  parallelism: number;
  maxConcurrent: number;
}

/** Byte strings everywhere: Uint8Array is what libsodium and Postgres bytea both speak. */
export type Bytes = Uint8Array;

export interface KeyPair {
  publicKey: Bytes;
  privateKey: Bytes;
}

/** An encrypted item: ciphertext under a fresh key, and that key sealed to the tip's public key. */
export interface SealedItem {
  ciphertext: Bytes;
  sealedKey: Bytes;
}

const FORMAT_VERSION = "homthu:v1";
const SECRETSTREAM_CHUNK = 64 * 1024;

let argonOptions: Argon2Options = { memoryKiB: 19456, passes: 2, parallelism: 1, maxConcurrent: 2 };
let argonGate = new Semaphore(argonOptions.maxConcurrent);

/** Wait for libsodium's WebAssembly to load; call once at start-up before anything else here. */
export async function ready(options?: Argon2Options): Promise<void> {
  await sodium.ready;
  poolSodiumRandomness();
  if (options) {
    argonOptions = { ...options };
    argonGate = new Semaphore(options.maxConcurrent);
  }
}

/** How many argon2 derivations wait for a slot right now (exported to metrics). */
export function argon2Waiting(): number {
  return argonGate.waiting;
}

// ---------------------------------------------------------------- randomness

/** 32-bit words of the pool (4 KiB). */
const POOL_WORDS = 1024;

/**
 * libsodium's WebAssembly build asks JavaScript for randomness four bytes at a
 * time: one `crypto.getRandomValues` call per word, so about 150 calls per
 * tip (its key pair, the ephemeral key of every sealed box, item keys,
 * nonces) took 13% of the web process's time besides argon2 in a CPU profile
 * of intake (bench/results/intake-profile.md). The same source
 * (`randomFillSync`, the OS CSPRNG behind Node's OpenSSL) now fills a 4 KiB
 * pool in one call and libsodium takes its words from there; each word is
 * zeroed once handed out. It reaches libsodium through the module object that
 * libsodium-wrappers exposes, which the WebAssembly import reads on every call;
 * a libsodium of another shape keeps its own source (test/unit/crypto.test.ts
 * checks that this one is used).
 */
function poolSodiumRandomness(): void {
  const module = (sodium as unknown as { libsodium?: { getRandomValue?: () => number; homthuPooled?: boolean } }).libsodium;
  if (!module || typeof module.getRandomValue !== "function" || module.homthuPooled) return;
  const pool = new Uint32Array(POOL_WORDS);
  let next = POOL_WORDS;
  module.getRandomValue = () => {
    if (next === POOL_WORDS) {
      randomFillSync(pool);
      next = 0;
    }
    const word = pool[next]!;
    pool[next++] = 0;
    return word >>> 0;
  };
  module.homthuPooled = true;
}

/** Whether libsodium draws its randomness from the pool above (for the tests). */
export function sodiumRandomnessPooled(): boolean {
  return (sodium as unknown as { libsodium?: { homthuPooled?: boolean } }).libsodium?.homthuPooled === true;
}

/** CSPRNG bytes (randombytes_buf). */
export function randomBytes(n: number): Bytes {
  return sodium.randombytes_buf(n);
}

/** A 16-digit receipt, uniformly random (randombytes_uniform per digit), grouped by four for reading. */
export function generateReceipt(): string {
  let digits = "";
  for (let i = 0; i < 16; i++) digits += String(sodium.randombytes_uniform(10));
  return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
}

/** The 16 digits of a receipt as typed (spaces, dashes allowed), or null when it cannot be one. */
export function normalizeReceipt(input: string): string | null {
  const digits = input.replace(/[\s-]/g, "");
  return /^\d{16}$/.test(digits) ? digits : null;
}

// ------------------------------------------------------------- derivations

/** argon2id with raw 32-byte output, queued behind the concurrency bound. */
async function argon2idRaw(secret: string | Bytes, salt: Bytes): Promise<Bytes> {
  return argonGate.run(async () => {
    const out = await argon2.hash(Buffer.from(secret), {
      type: argon2.argon2id,
      raw: true,
      hashLength: 32,
      salt: Buffer.from(salt),
      memoryCost: argonOptions.memoryKiB,
      timeCost: argonOptions.passes,
      parallelism: argonOptions.parallelism,
    });
    return new Uint8Array(out);
  });
}

/** crypto_kdf_derive_from_key (BLAKE2b): a 32-byte sub-key of `key` for an 8-character context. */
export function deriveSubkey(key: Bytes, context: string, id = 1): Bytes {
  if (context.length !== sodium.crypto_kdf_CONTEXTBYTES) throw new Error("kdf context must be 8 characters");
  return sodium.crypto_kdf_derive_from_key(32, id, context, key);
}

/**
 * One argon2id derivation of a receipt, split by crypto_kdf into the lookup
 * value (stored, unique index) and the wrapping key (never stored) of the
 * tipster's copy of the tip's private key. `siteSalt` is one salt for the site,
 * so the lookup value is deterministic and can be indexed.
 */
export async function deriveReceiptKeys(receiptDigits: string, siteSalt: Bytes): Promise<{ lookup: Bytes; wrapKey: Bytes }> {
  const master = await argon2idRaw(receiptDigits, siteSalt.subarray(0, 16));
  const keys = { lookup: deriveSubkey(master, "rcptlkup"), wrapKey: deriveSubkey(master, "rcptwrap") };
  sodium.memzero(master);
  return keys;
}

/** argon2id key-encryption key from a staff password and that user's own salt (separate from the password hash). */
export async function derivePasswordKey(password: string, salt: Bytes): Promise<Bytes> {
  return argon2idRaw(password, salt);
}

/** argon2id encoded hash (PHC string) of a password for login verification. */
export async function hashPassword(password: string): Promise<string> {
  return argonGate.run(() =>
    argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: argonOptions.memoryKiB,
      timeCost: argonOptions.passes,
      parallelism: argonOptions.parallelism,
    }),
  );
}

/** argon2 verify of a PHC string; false (not an exception) for a malformed hash. */
export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  return argonGate.run(() => argon2.verify(encoded, password).catch(() => false));
}

/** A fresh 16-byte salt for derivePasswordKey (randombytes_buf). */
export function newSalt(): Bytes {
  return randomBytes(16);
}

// --------------------------------------------------------------- key pairs

/** X25519 key pair (crypto_box_keypair) for a tip, a staff member or the recovery key. */
export function generateKeyPair(): KeyPair {
  const kp = sodium.crypto_box_keypair();
  return { publicKey: kp.publicKey, privateKey: kp.privateKey };
}

/** crypto_box_seal: encrypt `message` so that only the holder of `publicKey`'s private key can open it. */
export function sealTo(message: Bytes, publicKey: Bytes): Bytes {
  return sodium.crypto_box_seal(message, publicKey);
}

/** crypto_box_seal_open; throws when the box was not sealed to this key pair or was altered. */
export function openSealed(sealed: Bytes, keyPair: KeyPair): Bytes {
  return sodium.crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.privateKey);
}

/** The X25519 public key of a private key (crypto_scalarmult_base), to rebuild a key pair from a wrap. */
export function publicKeyOf(privateKey: Bytes): Bytes {
  return sodium.crypto_scalarmult_base(privateKey);
}

// -------------------------------------------------------- symmetric wraps

function aad(label: string, ...ids: string[]): Bytes {
  return sodium.from_string([FORMAT_VERSION, label, ...ids].join(":"));
}

/** XChaCha20-Poly1305-IETF with a random nonce; output is nonce || ciphertext. `label` is bound as associated data. */
export function wrapWithKey(secret: Bytes, key: Bytes, label: string): Bytes {
  const nonce = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, aad("wrap", label), null, nonce, key);
  return concat(nonce, ct);
}

/** Inverse of wrapWithKey; throws on a wrong key, a wrong label or any alteration. */
export function unwrapWithKey(wrapped: Bytes, key: Bytes, label: string): Bytes {
  const n = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, wrapped.subarray(n), aad("wrap", label), wrapped.subarray(0, n), key);
}

// ------------------------------------------------------ replayed answers

/**
 * Keys for an answer kept so that a repeated submission (the same form token,
 * or the same Idempotency-Key) gets the same receipt: `id` names the record in
 * the store, `key` encrypts it. Both come from the token itself (with a server
 * sub-key, `secret`) through separate BLAKE2b derivations; the token is never
 * stored, so the record opens only for someone who holds the token.
 */
export function deriveReplayKeys(secret: Bytes, token: string): { id: string; key: Bytes } {
  const root = sodium.crypto_generichash(32, sodium.from_string(`replay:${token}`), secret);
  const keys = { id: sodium.to_hex(deriveSubkey(root, "replayid")), key: deriveSubkey(root, "replayky") };
  sodium.memzero(root);
  return keys;
}

// ------------------------------------------------------------ tip content

/**
 * Encrypt one item of a tip (the report, a message, photo metadata) with a
 * fresh XChaCha20-Poly1305 key; tip id and item id are the associated data, so
 * an item cannot be moved to another tip or slot. The key is sealed to the
 * tip's public key: anyone may add to a tip, only its key holders can read.
 */
export function encryptItem(plaintext: Bytes, tipId: string, itemId: string, tipPublicKey: Bytes): SealedItem {
  return sealUnder(plaintext, aad("item", tipId, itemId), tipPublicKey);
}

/** Inverse of encryptItem with the tip's key pair; throws on any mismatch. */
export function decryptItem(item: SealedItem, tipId: string, itemId: string, tipKeyPair: KeyPair): Bytes {
  return openUnder(item, aad("item", tipId, itemId), tipKeyPair);
}

/** XChaCha20-Poly1305 under a fresh key with associated data `ad`; the key sealed to `publicKey`. */
function sealUnder(plaintext: Bytes, ad: Bytes, publicKey: Bytes): SealedItem {
  const key = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
  const nonce = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
  const sealedKey = sealTo(key, publicKey);
  sodium.memzero(key);
  return { ciphertext: concat(nonce, ct), sealedKey };
}

function openUnder(item: SealedItem, ad: Bytes, keyPair: KeyPair): Bytes {
  const key = openSealed(item.sealedKey, keyPair);
  const n = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  const out = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, item.ciphertext.subarray(n), ad, item.ciphertext.subarray(0, n), key);
  sodium.memzero(key);
  return out;
}

// ---------------------------------------------------------------- places

/**
 * Encrypt a place's details (its label and location) like a tip's item: a
 * fresh XChaCha20-Poly1305 key, the place id bound as associated data
 * ("homthu:v1:place:<placeId>"), the key sealed to the place's public key.
 */
export function encryptPlace(plaintext: Bytes, placeId: string, placePublicKey: Bytes): SealedItem {
  return sealUnder(plaintext, aad("place", placeId), placePublicKey);
}

/** Inverse of encryptPlace with the place's key pair; throws on any mismatch (another place's row included). */
export function decryptPlace(item: SealedItem, placeId: string, placeKeyPair: KeyPair): Bytes {
  return openUnder(item, aad("place", placeId), placeKeyPair);
}

/**
 * Encrypt a file with crypto_secretstream_xchacha20poly1305 in 64 KiB chunks,
 * the last one tagged FINAL, so a truncated or reordered file fails to open.
 * Output: header || chunks. Tip and item ids are bound as associated data of every chunk.
 */
export function encryptFile(data: Bytes, tipId: string, itemId: string, tipPublicKey: Bytes): SealedItem {
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const ad = aad("file", tipId, itemId);
  const parts: Bytes[] = [header];
  for (let off = 0; off < data.length || off === 0; off += SECRETSTREAM_CHUNK) {
    const end = Math.min(off + SECRETSTREAM_CHUNK, data.length);
    const tag = end >= data.length ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    parts.push(sodium.crypto_secretstream_xchacha20poly1305_push(state, data.subarray(off, end), ad, tag));
    if (end >= data.length) break;
  }
  const sealedKey = sealTo(key, tipPublicKey);
  sodium.memzero(key);
  return { ciphertext: concat(...parts), sealedKey };
}

/** Inverse of encryptFile; throws when a chunk is altered or the FINAL chunk is missing. */
export function decryptFile(item: SealedItem, tipId: string, itemId: string, tipKeyPair: KeyPair): Bytes {
  const key = openSealed(item.sealedKey, tipKeyPair);
  const hlen = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(item.ciphertext.subarray(0, hlen), key);
  sodium.memzero(key);
  const ad = aad("file", tipId, itemId);
  const clen = SECRETSTREAM_CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  const parts: Bytes[] = [];
  let final = false;
  for (let off = hlen; off < item.ciphertext.length; off += clen) {
    if (final) throw new Error("data after the final chunk");
    const res = sodium.crypto_secretstream_xchacha20poly1305_pull(state, item.ciphertext.subarray(off, off + clen), ad);
    if (!res) throw new Error("file chunk failed authentication");
    parts.push(res.message);
    final = res.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  }
  if (!final) throw new Error("file is truncated");
  return concat(...parts);
}

// ------------------------------------------------------------------ MACs

/** Keyed BLAKE2b (crypto_generichash) of `data`, hex; used for client-address hashing and token signatures. */
export function mac(key: Bytes, data: string | Bytes): string {
  return sodium.to_hex(sodium.crypto_generichash(32, data, key));
}

/** Constant-time comparison of two byte strings (sodium_memcmp); false for different lengths. */
export function constantTimeEqual(a: Bytes, b: Bytes): boolean {
  return a.length === b.length && sodium.memcmp(a, b);
}

/** UTF-8 helpers so callers need not import libsodium for them. */
export const utf8 = {
  encode: (s: string): Bytes => sodium.from_string(s),
  decode: (b: Bytes): string => sodium.to_string(b),
};

function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
