/**
 * Tipster sessions: a short-lived session after a receipt sign-in (20 minutes
 * idle). Like staff sessions, Redis holds the tip's private key only wrapped
 * under a key that only the cookie carries, and the record sits under
 * SHA-256(session id): a Redis dump reveals neither the key nor the receipt.
 * The tip id is stored encrypted under that cookie key too, so the dump cannot
 * tell which tip a session belongs to, and the record expires at the end of a
 * minute (PEXPIREAT), never "now + 20 minutes", so its expiry does not date
 * the sign-in or the last page seen finer than the minute.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import * as crypto from "../crypto/index.js";
import { bucketEnd } from "../time/coarse.js";

export const TIPSTER_COOKIE = "homthu_tipster";
export const TIPSTER_IDLE_MS = 20 * 60_000;

interface Record {
  /** The tip id, encrypted under the cookie's key (hex). */
  tip: string;
  csrf: string;
  /** Empty when the content was purged: the session can only show "closed". */
  wrappedKey: string;
}

export interface TipsterSession {
  id: string;
  tipId: string;
  csrf: string;
  /** The tip's private key, or null for a purged case. */
  privateKey: crypto.Bytes | null;
}

const b64 = (b: crypto.Bytes) => Buffer.from(b).toString("base64url");

/** When a session seen now lapses: at least the idle time, rounded up to the end of a minute. */
const lapse = () => bucketEnd("minute", new Date(Date.now() + TIPSTER_IDLE_MS)).getTime();

export class TipsterSessionStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(id: string) {
    return `${this.prefix}:tsess:${createHash("sha256").update(id).digest("hex")}`;
  }

  async create(tipId: string, tipPrivateKey: crypto.Bytes | null): Promise<{ cookie: string; csrf: string }> {
    const id = b64(crypto.randomBytes(32));
    const cookieKey = crypto.randomBytes(32);
    const csrf = b64(crypto.randomBytes(24));
    const wrappedKey = tipPrivateKey ? Buffer.from(crypto.wrapWithKey(tipPrivateKey, cookieKey, `tipster:${id}`)).toString("hex") : "";
    const tip = Buffer.from(crypto.wrapWithKey(crypto.utf8.encode(tipId), cookieKey, `tipster-tip:${id}`)).toString("hex");
    await this.redis.set(this.key(id), JSON.stringify({ tip, csrf, wrappedKey } satisfies Record), "PXAT", lapse());
    return { cookie: `${id}.${b64(cookieKey)}`, csrf };
  }

  async open(cookie: string | undefined): Promise<TipsterSession | null> {
    if (!cookie || cookie.length > 200) return null;
    const [id, keyPart] = cookie.split(".");
    if (!id || !keyPart) return null;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return null;
    const rec = JSON.parse(raw) as Record;
    const cookieKey = Buffer.from(keyPart, "base64url");
    let tipId: string;
    let privateKey: crypto.Bytes | null = null;
    try {
      tipId = Buffer.from(crypto.unwrapWithKey(Buffer.from(rec.tip ?? "", "hex"), cookieKey, `tipster-tip:${id}`)).toString("utf8");
      if (rec.wrappedKey) privateKey = crypto.unwrapWithKey(Buffer.from(rec.wrappedKey, "hex"), cookieKey, `tipster:${id}`);
    } catch {
      return null;
    }
    await this.redis.pexpireat(this.key(id), lapse());
    return { id, tipId, csrf: rec.csrf, privateKey };
  }

  async destroy(cookie: string | undefined): Promise<void> {
    const id = cookie?.split(".")[0];
    if (id) await this.redis.del(this.key(id));
  }
}
