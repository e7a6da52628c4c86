/**
 * Staff sessions in Redis (shared by every web process).
 *
 * The cookie carries two random values: the session id and a cookie key.
 * Redis holds the record under SHA-256(session id), and the user's unlocked
 * private key only wrapped (XChaCha20-Poly1305) under the cookie key — so a
 * Redis dump alone opens nothing, and cannot even be turned back into cookies.
 * Idle expiry is the Redis TTL, refreshed on use; the absolute limit is
 * checked against the creation time.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import * as crypto from "../crypto/index.js";

export type SessionStage = "full" | "totp_enroll";

export interface SessionRecord {
  userId: string;
  stage: SessionStage;
  createdAt: number;
  csrf: string;
  /** The private key, wrapped under the cookie key (hex). */
  wrappedKey: string;
  /** During enrolment: the TOTP secret being set up, not yet confirmed. */
  pendingTotpSecret?: string;
}

export interface OpenSession {
  id: string;
  record: SessionRecord;
  /** The user's X25519 private key, unwrapped for this request only. */
  privateKey: crypto.Bytes;
}

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

const b64 = (b: crypto.Bytes) => Buffer.from(b).toString("base64url");

export class SessionStore {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly limits: SessionLimits) {}

  private key(sessionId: string): string {
    return `${this.prefix}:sess:${createHash("sha256").update(sessionId).digest("hex")}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:usess:${userId}`;
  }

  /** Create a session; returns the cookie value (shown to the browser only). */
  async create(userId: string, privateKey: crypto.Bytes, stage: SessionStage, extra: Partial<SessionRecord> = {}): Promise<{ cookie: string; record: SessionRecord }> {
    const id = b64(crypto.randomBytes(32));
    const cookieKey = crypto.randomBytes(32);
    const record: SessionRecord = {
      userId,
      stage,
      createdAt: Date.now(),
      csrf: b64(crypto.randomBytes(24)),
      wrappedKey: Buffer.from(crypto.wrapWithKey(privateKey, cookieKey, `session:${id}`)).toString("hex"),
      ...extra,
    };
    await this.redis
      .multi()
      .set(this.key(id), JSON.stringify(record), "PX", this.limits.idleMs)
      .sadd(this.userKey(userId), this.key(id))
      .pexpire(this.userKey(userId), this.limits.absoluteMs)
      .exec();
    return { cookie: `${id}.${b64(cookieKey)}`, record };
  }

  /** Open the session a cookie names, refreshing its idle timer; null when absent, expired or forged. */
  async open(cookie: string | undefined): Promise<OpenSession | null> {
    if (!cookie || cookie.length > 200) return null;
    const [id, keyPart] = cookie.split(".");
    if (!id || !keyPart) return null;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return null;
    const record = JSON.parse(raw) as SessionRecord;
    if (Date.now() - record.createdAt > this.limits.absoluteMs) {
      await this.destroy(cookie);
      return null;
    }
    let privateKey: crypto.Bytes;
    try {
      privateKey = crypto.unwrapWithKey(Buffer.from(record.wrappedKey, "hex"), Buffer.from(keyPart, "base64url"), `session:${id}`);
    } catch {
      return null;
    }
    await this.redis.pexpire(this.key(id), this.limits.idleMs);
    return { id, record, privateKey };
  }

  async update(sessionId: string, record: SessionRecord): Promise<void> {
    await this.redis.set(this.key(sessionId), JSON.stringify(record), "PX", this.limits.idleMs, "XX");
  }

  async destroy(cookie: string): Promise<void> {
    const [id] = cookie.split(".");
    if (id) await this.redis.del(this.key(id));
  }

  /** Revoke every session of a user at once (deactivation, reset): each user has a set of their session keys. */
  async destroyAllFor(userId: string, exceptCookie?: string): Promise<void> {
    const keep = exceptCookie ? this.key(exceptCookie.split(".")[0] ?? "") : undefined;
    const drop = (await this.redis.smembers(this.userKey(userId))).filter((k) => k !== keep);
    if (drop.length) {
      await this.redis.del(...drop);
      await this.redis.srem(this.userKey(userId), ...drop);
    }
  }
}
