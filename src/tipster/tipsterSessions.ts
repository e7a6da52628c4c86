/**
 * Tipster sessions: a short-lived session after a receipt sign-in (20 minutes
 * idle). Like staff sessions, Redis holds the tip's private key only wrapped
 * under a key that only the cookie carries, and the record sits under
 * SHA-256(session id): a Redis dump reveals neither the key nor the receipt.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import * as crypto from "../crypto/index.js";

export const TIPSTER_COOKIE = "homthu_tipster";
export const TIPSTER_IDLE_MS = 20 * 60_000;

interface Record {
  tipId: string;
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
    await this.redis.set(this.key(id), JSON.stringify({ tipId, csrf, wrappedKey } satisfies Record), "PX", TIPSTER_IDLE_MS);
    return { cookie: `${id}.${b64(cookieKey)}`, csrf };
  }

  async open(cookie: string | undefined): Promise<TipsterSession | null> {
    if (!cookie || cookie.length > 200) return null;
    const [id, keyPart] = cookie.split(".");
    if (!id || !keyPart) return null;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return null;
    const rec = JSON.parse(raw) as Record;
    let privateKey: crypto.Bytes | null = null;
    if (rec.wrappedKey) {
      try {
        privateKey = crypto.unwrapWithKey(Buffer.from(rec.wrappedKey, "hex"), Buffer.from(keyPart, "base64url"), `tipster:${id}`);
      } catch {
        return null;
      }
    }
    await this.redis.pexpire(this.key(id), TIPSTER_IDLE_MS);
    return { id, tipId: rec.tipId, csrf: rec.csrf, privateKey };
  }

  async destroy(cookie: string | undefined): Promise<void> {
    const id = cookie?.split(".")[0];
    if (id) await this.redis.del(this.key(id));
  }
}
