/**
 * Every export of src/crypto, on its own: a round trip where there is one,
 * and a tamper test (a flipped bit, a wrong key, a wrong label or id) that
 * must fail. No services; argon2 turned down so the suite takes seconds.
 */
import assert from "node:assert/strict";
import * as c from "../../src/crypto/index.js";
import { Semaphore } from "../../src/crypto/semaphore.js";

const flip = (b: Uint8Array, at = b.length - 1): Uint8Array => {
  const out = Uint8Array.from(b);
  out[at] = (out[at] ?? 0) ^ 1;
  return out;
};
const text = (s: string) => c.utf8.encode(s);
const TIP = "7b1c3f0e-0000-4000-8000-000000000001";

describe("src/crypto, export by export", () => {
  before(async () => {
    await c.ready({ memoryKiB: 1024, passes: 1, parallelism: 1, maxConcurrent: 2 });
  });

  it("randomBytes / newSalt: the length asked, different every time", () => {
    assert.equal(c.randomBytes(24).length, 24);
    assert.equal(c.newSalt().length, 16);
    assert.notDeepEqual(c.randomBytes(32), c.randomBytes(32));
  });

  it("ready: libsodium draws its randomness from the pool (4 KiB per OS call, not one call per 4 bytes); 5,000 key pairs, nonces and receipts never repeat", () => {
    assert.equal(c.sodiumRandomnessPooled(), true);
    const webcrypto = globalThis.crypto;
    let calls = 0;
    const original = webcrypto.getRandomValues.bind(webcrypto);
    webcrypto.getRandomValues = ((a: ArrayBufferView) => (calls++, original(a as Uint8Array))) as typeof webcrypto.getRandomValues;
    const seen = new Set<string>();
    try {
      for (let i = 0; i < 5000; i++) {
        for (const b of [c.generateKeyPair().privateKey, c.randomBytes(24)]) seen.add(Buffer.from(b).toString("hex"));
        seen.add(c.generateReceipt());
      }
    } finally {
      webcrypto.getRandomValues = original as typeof webcrypto.getRandomValues;
    }
    assert.equal(calls, 0, "libsodium still asks crypto.getRandomValues word by word");
    assert.equal(seen.size, 15_000);
    // Every bit position of the key bytes is set about half the time.
    const bits = new Array<number>(8).fill(0);
    const keys = Array.from({ length: 2000 }, () => c.randomBytes(32));
    for (const k of keys) for (const byte of k) for (let b = 0; b < 8; b++) bits[b]! += (byte >> b) & 1;
    for (const n of bits) assert.ok(Math.abs(n / (2000 * 32) - 0.5) < 0.02, `bit frequency ${n / (2000 * 32)}`);
  });

  it("generateReceipt / normalizeReceipt: 16 digits by four, typed back with spaces or dashes; anything else is null", () => {
    const r = c.generateReceipt();
    assert.match(r, /^\d{4} \d{4} \d{4} \d{4}$/);
    assert.equal(c.normalizeReceipt(r), r.replaceAll(" ", ""));
    assert.equal(c.normalizeReceipt(r.replaceAll(" ", "-")), r.replaceAll(" ", ""));
    for (const bad of ["", "123", `${r}1`, r.replace(/\d$/, "x")]) assert.equal(c.normalizeReceipt(bad), null, bad);
  });

  it("deriveSubkey: deterministic per (key, context, id); another context or id or key gives another key; context must be 8 characters", () => {
    const key = c.randomBytes(32);
    assert.deepEqual(c.deriveSubkey(key, "testctx1"), c.deriveSubkey(key, "testctx1"));
    assert.notDeepEqual(c.deriveSubkey(key, "testctx1"), c.deriveSubkey(key, "testctx2"));
    assert.notDeepEqual(c.deriveSubkey(key, "testctx1", 1), c.deriveSubkey(key, "testctx1", 2));
    assert.notDeepEqual(c.deriveSubkey(key, "testctx1"), c.deriveSubkey(flip(key), "testctx1"));
    assert.throws(() => c.deriveSubkey(key, "short"));
  });

  it("deriveReceiptKeys: the same receipt gives the same keys; one digit or the salt changed gives others; lookup and wrap key differ", async () => {
    const salt = c.randomBytes(16);
    const a = await c.deriveReceiptKeys("1234567812345678", salt);
    assert.deepEqual(await c.deriveReceiptKeys("1234567812345678", salt), a);
    assert.notDeepEqual(a.lookup, a.wrapKey);
    assert.notDeepEqual((await c.deriveReceiptKeys("1234567812345679", salt)).lookup, a.lookup);
    assert.notDeepEqual((await c.deriveReceiptKeys("1234567812345678", flip(salt, 0))).lookup, a.lookup);
  });

  it("derivePasswordKey: deterministic per (password, salt), 32 bytes", async () => {
    const salt = c.newSalt();
    const k = await c.derivePasswordKey("mật khẩu dài", salt);
    assert.equal(k.length, 32);
    assert.deepEqual(await c.derivePasswordKey("mật khẩu dài", salt), k);
    assert.notDeepEqual(await c.derivePasswordKey("mật khẩu dàj", salt), k);
    assert.notDeepEqual(await c.derivePasswordKey("mật khẩu dài", flip(salt)), k);
  });

  it("hashPassword / verifyPassword: the password verifies, another does not, a damaged hash is false (not an exception)", async () => {
    const h = await c.hashPassword("đúng rồi");
    assert.match(h, /^\$argon2id\$/);
    assert.equal(await c.verifyPassword(h, "đúng rồi"), true);
    assert.equal(await c.verifyPassword(h, "sai rồi"), false);
    assert.equal(await c.verifyPassword(h.slice(0, -4), "đúng rồi"), false);
    assert.equal(await c.verifyPassword("not a hash", "đúng rồi"), false);
  });

  it("argon2Waiting: counts derivations queued behind the bound, back to 0 after", async () => {
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => c.derivePasswordKey(`p${i}`, c.newSalt())));
    assert.ok(c.argon2Waiting() >= 1, "with 2 slots, 3 of 5 wait");
    await all;
    assert.equal(c.argon2Waiting(), 0);
  });

  it("generateKeyPair / sealTo / openSealed / publicKeyOf: a sealed box opens with its pair only, and not once altered", () => {
    const kp = c.generateKeyPair();
    assert.deepEqual(c.publicKeyOf(kp.privateKey), kp.publicKey);
    const box = c.sealTo(text("chìa khoá"), kp.publicKey);
    assert.equal(c.utf8.decode(c.openSealed(box, kp)), "chìa khoá");
    assert.throws(() => c.openSealed(flip(box), kp));
    assert.throws(() => c.openSealed(box, c.generateKeyPair()));
  });

  it("wrapWithKey / unwrapWithKey: round trip; a wrong key, label or any flipped bit fails; two wraps differ (random nonce)", () => {
    const key = c.randomBytes(32);
    const secret = c.randomBytes(32);
    const w = c.wrapWithKey(secret, key, "staff:1");
    assert.deepEqual(c.unwrapWithKey(w, key, "staff:1"), secret);
    assert.notDeepEqual(c.wrapWithKey(secret, key, "staff:1"), w);
    assert.throws(() => c.unwrapWithKey(w, flip(key), "staff:1"));
    assert.throws(() => c.unwrapWithKey(w, key, "staff:2"));
    assert.throws(() => c.unwrapWithKey(flip(w), key, "staff:1"));
    assert.throws(() => c.unwrapWithKey(flip(w, 0), key, "staff:1"), "the nonce is authenticated too");
  });

  it("deriveReplayKeys: deterministic per (secret, token); another token or secret gives another id and key; id and key are unrelated", () => {
    const secret = c.randomBytes(32);
    const a = c.deriveReplayKeys(secret, "form-token-1");
    assert.match(a.id, /^[0-9a-f]{64}$/);
    assert.equal(a.key.length, 32);
    assert.deepEqual(c.deriveReplayKeys(secret, "form-token-1"), a);
    const otherToken = c.deriveReplayKeys(secret, "form-token-2");
    assert.notEqual(otherToken.id, a.id);
    assert.notDeepEqual(otherToken.key, a.key);
    const otherSecret = c.deriveReplayKeys(flip(secret), "form-token-1");
    assert.notEqual(otherSecret.id, a.id);
    assert.notDeepEqual(otherSecret.key, a.key);
    assert.notDeepEqual(Buffer.from(a.id, "hex"), Buffer.from(a.key), "the id is not the key");
    // Round trip and tamper with the key it gives: a record wrapped under it opens only with the same token.
    const record = c.wrapWithKey(text("0123 4567 8901 2345"), a.key, a.id);
    assert.equal(c.utf8.decode(c.unwrapWithKey(record, c.deriveReplayKeys(secret, "form-token-1").key, a.id)), "0123 4567 8901 2345");
    assert.throws(() => c.unwrapWithKey(record, otherToken.key, a.id));
  });

  it("ready: the argon2 options given are used (memory and passes change the derived key), and calling it again is harmless", async () => {
    const salt = c.newSalt();
    const low = await c.derivePasswordKey("cùng mật khẩu", salt);
    await c.ready({ memoryKiB: 2048, passes: 1, parallelism: 1, maxConcurrent: 2 });
    const more = await c.derivePasswordKey("cùng mật khẩu", salt);
    await c.ready({ memoryKiB: 1024, passes: 1, parallelism: 1, maxConcurrent: 2 });
    assert.notDeepEqual(more, low, "another memory cost derives another key");
    assert.deepEqual(await c.derivePasswordKey("cùng mật khẩu", salt), low);
  });

  it("encryptItem / decryptItem: round trip; another tip, slot, key pair or a flipped bit fails", () => {
    const kp = c.generateKeyPair();
    const item = c.encryptItem(text("Mô tả tố giác"), TIP, "report", kp.publicKey);
    assert.equal(c.utf8.decode(c.decryptItem(item, TIP, "report", kp)), "Mô tả tố giác");
    assert.throws(() => c.decryptItem(item, TIP.replace(/1$/, "2"), "report", kp), "bound to its tip");
    assert.throws(() => c.decryptItem(item, TIP, "message", kp), "bound to its slot");
    assert.throws(() => c.decryptItem(item, TIP, "report", c.generateKeyPair()));
    assert.throws(() => c.decryptItem({ ...item, ciphertext: flip(item.ciphertext) }, TIP, "report", kp));
    assert.throws(() => c.decryptItem({ ...item, sealedKey: flip(item.sealedKey) }, TIP, "report", kp));
  });

  it("encryptPlace / decryptPlace: round trip; another place, a tip's item slot, another key pair or a flipped bit fails", () => {
    const kp = c.generateKeyPair();
    const sealed = c.encryptPlace(text('{"label":"Nhà bà Tư"}'), TIP, kp.publicKey);
    assert.equal(c.utf8.decode(c.decryptPlace(sealed, TIP, kp)), '{"label":"Nhà bà Tư"}');
    assert.throws(() => c.decryptPlace(sealed, TIP.replace(/1$/, "2"), kp), "bound to its place");
    assert.throws(() => c.decryptItem(sealed, TIP, "report", kp), "a place's details are not a tip's item");
    assert.throws(() => c.decryptPlace(c.encryptItem(text("x"), TIP, "report", kp.publicKey), TIP, kp), "nor the reverse");
    assert.throws(() => c.decryptPlace(sealed, TIP, c.generateKeyPair()));
    assert.throws(() => c.decryptPlace({ ...sealed, ciphertext: flip(sealed.ciphertext) }, TIP, kp));
    assert.throws(() => c.decryptPlace({ ...sealed, sealedKey: flip(sealed.sealedKey) }, TIP, kp));
  });

  it("encryptFile / decryptFile: round trip for empty, one-chunk and multi-chunk files; truncation, reordering, extra data and flipped bits fail", () => {
    const kp = c.generateKeyPair();
    for (const size of [0, 1000, 64 * 1024, 64 * 1024 + 1]) {
      const data = c.randomBytes(size);
      const f = c.encryptFile(data, TIP, "photo", kp.publicKey);
      assert.deepEqual(c.decryptFile(f, TIP, "photo", kp), data, `${size} bytes`);
    }
    const data = c.randomBytes(130 * 1024);
    const f = c.encryptFile(data, TIP, "photo", kp.publicKey);
    const header = 24;
    const chunk = 64 * 1024 + 17;
    const ct = f.ciphertext;
    assert.throws(() => c.decryptFile({ ...f, ciphertext: ct.subarray(0, header + 2 * chunk) }, TIP, "photo", kp), "truncated: no FINAL chunk");
    const swapped = new Uint8Array(ct);
    swapped.set(ct.subarray(header + chunk, header + 2 * chunk), header);
    swapped.set(ct.subarray(header, header + chunk), header + chunk);
    assert.throws(() => c.decryptFile({ ...f, ciphertext: swapped }, TIP, "photo", kp), "reordered");
    const extra = new Uint8Array(ct.length + 10);
    extra.set(ct);
    assert.throws(() => c.decryptFile({ ...f, ciphertext: extra }, TIP, "photo", kp), "data after the final chunk");
    assert.throws(() => c.decryptFile({ ...f, ciphertext: flip(ct, header + 5) }, TIP, "photo", kp));
    assert.throws(() => c.decryptFile(f, TIP, "other", kp), "bound to its slot");
  });

  it("mac: keyed, deterministic, 64 hex characters; another key or input gives another MAC", () => {
    const key = c.randomBytes(32);
    const m = c.mac(key, "203.0.113.0");
    assert.match(m, /^[0-9a-f]{64}$/);
    assert.equal(c.mac(key, "203.0.113.0"), m);
    assert.equal(c.mac(key, text("203.0.113.0")), m, "string and bytes agree");
    assert.notEqual(c.mac(flip(key), "203.0.113.0"), m);
    assert.notEqual(c.mac(key, "203.0.113.1"), m);
  });

  it("constantTimeEqual: equal bytes only; different lengths are false, not an exception", () => {
    const a = c.randomBytes(16);
    assert.equal(c.constantTimeEqual(a, Uint8Array.from(a)), true);
    assert.equal(c.constantTimeEqual(a, flip(a)), false);
    assert.equal(c.constantTimeEqual(a, a.subarray(0, 15)), false);
  });

  it("utf8: encode and decode are inverse, Vietnamese included", () => {
    const s = "Hòm thư tố giác ma tuý — Bến Tre";
    assert.equal(c.utf8.decode(c.utf8.encode(s)), s);
    assert.equal(c.utf8.encode("ệ").length, 3);
  });

  it("Semaphore: never more than `limit` at once, every caller runs, a failure releases its slot", async () => {
    const gate = new Semaphore(2);
    let active = 0;
    let most = 0;
    const work = (fail: boolean) =>
      gate.run(async () => {
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        if (fail) throw new Error("boom");
        return 1;
      });
    const results = await Promise.allSettled([false, true, false, true, false, false].map(work));
    assert.equal(most, 2);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 4);
    assert.equal(gate.waiting, 0);
  });
});
