/**
 * Sessions in Redis, for staff and for tipsters (shared by every web process).
 *
 * One mechanism serves both. The cookie carries two random values: the
 * session id and a cookie key. Redis holds the record under SHA-256(session
 * id), and what is secret in it (the private key; for a tipster the tip id
 * too) only wrapped (XChaCha20-Poly1305) under the cookie key — so a Redis
 * dump alone opens nothing, and cannot even be turned back into cookies.
 *
 * What differs is the expiry:
 * - staff (SessionStore): idle expiry is the Redis TTL, refreshed on use; the
 *   absolute limit is checked against the creation time; each user has a set
 *   of their session keys, so that all can be revoked at once.
 * - tipsters (TipsterSessionStore): a short-lived session after a receipt
 *   sign-in (20 minutes idle). The record expires at the end of a minute
 *   (PEXPIREAT), never "now + 20 minutes", so its expiry does not date the
 *   sign-in or the last page seen finer than the minute; it holds no time, and
 *   the tip id is wrapped too, so the dump cannot tell which tip a session
 *   belongs to.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import * as crypto from "../crypto/index.js";
import { bucketEnd } from "../time/coarse.js";

const b64 = (b: crypto.Bytes) => Buffer.from(b).toString("base64url");

/** What both kinds share: the cookie (id + cookie key), the record's Redis key, wrapping under the cookie key. */
class SealedSessions {
  constructor(
    readonly redis: Redis,
    private readonly prefix: string,
    /** The key's middle part: "sess" (staff) or "tsess" (tipsters). */
    private readonly kind: string,
  ) {}

  /** The record's key: the session id only hashed. */
  key(id: string): string {
    return `${this.prefix}:${this.kind}:${createHash("sha256").update(id).digest("hex")}`;
  }

  /** A new session id and cookie key, and the cookie value that carries both (shown to the browser only). */
  mint(): { id: string; cookieKey: crypto.Bytes; cookie: string } {
    const id = b64(crypto.randomBytes(32));
    const cookieKey = crypto.randomBytes(32);
    return { id, cookieKey, cookie: `${id}.${b64(cookieKey)}` };
  }

  /** The session id and cookie key a cookie carries, or null when it cannot be one. */
  read(cookie: string | undefined): { id: string; cookieKey: crypto.Bytes } | null {
    if (!cookie || cookie.length > 200) return null;
    const [id, keyPart] = cookie.split(".");
    if (!id || !keyPart) return null;
    return { id, cookieKey: Buffer.from(keyPart, "base64url") };
  }

  wrap(secret: crypto.Bytes, cookieKey: crypto.Bytes, label: string): string {
    return Buffer.from(crypto.wrapWithKey(secret, cookieKey, label)).toString("hex");
  }

  /** Throws when the cookie key is not the one the record was wrapped under. */
  unwrap(hex: string, cookieKey: crypto.Bytes, label: string): crypto.Bytes {
    return crypto.unwrapWithKey(Buffer.from(hex, "hex"), cookieKey, label);
  }

  async record<R>(id: string): Promise<R | null> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as R) : null;
  }

  async destroy(cookie: string | undefined): Promise<void> {
    const id = cookie?.split(".")[0];
    if (id) await this.redis.del(this.key(id));
  }
}

// ---- staff sessions ---------------------------------------------------------

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

export class SessionStore {
  private readonly sealed: SealedSessions;

  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly limits: SessionLimits) {
    this.sealed = new SealedSessions(redis, prefix, "sess");
  }

  private userKey(userId: string): string {
    return `${this.prefix}:usess:${userId}`;
  }

  /** Create a session; returns the cookie value (shown to the browser only). */
  async create(userId: string, privateKey: crypto.Bytes, stage: SessionStage, extra: Partial<SessionRecord> = {}): Promise<{ cookie: string; record: SessionRecord }> {
    const { id, cookieKey, cookie } = this.sealed.mint();
    const record: SessionRecord = {
      userId,
      stage,
      createdAt: Date.now(),
      csrf: b64(crypto.randomBytes(24)),
      wrappedKey: this.sealed.wrap(privateKey, cookieKey, `session:${id}`),
      ...extra,
    };
    const key = this.sealed.key(id);
    await this.redis.multi().set(key, JSON.stringify(record), "PX", this.limits.idleMs).sadd(this.userKey(userId), key).pexpire(this.userKey(userId), this.limits.absoluteMs).exec();
    return { cookie, record };
  }

  /** Open the session a cookie names, refreshing its idle timer; null when absent, expired or forged. */
  async open(cookie: string | undefined): Promise<OpenSession | null> {
    const c = this.sealed.read(cookie);
    if (!c) return null;
    const record = await this.sealed.record<SessionRecord>(c.id);
    if (!record) return null;
    if (Date.now() - record.createdAt > this.limits.absoluteMs) {
      await this.destroy(cookie!);
      return null;
    }
    let privateKey: crypto.Bytes;
    try {
      privateKey = this.sealed.unwrap(record.wrappedKey, c.cookieKey, `session:${c.id}`);
    } catch {
      return null;
    }
    await this.redis.pexpire(this.sealed.key(c.id), this.limits.idleMs);
    return { id: c.id, record, privateKey };
  }

  async update(sessionId: string, record: SessionRecord): Promise<void> {
    await this.redis.set(this.sealed.key(sessionId), JSON.stringify(record), "PX", this.limits.idleMs, "XX");
  }

  async destroy(cookie: string): Promise<void> {
    await this.sealed.destroy(cookie);
  }

  /** Revoke every session of a user at once (deactivation, reset): each user has a set of their session keys. */
  async destroyAllFor(userId: string, exceptCookie?: string): Promise<void> {
    const keep = exceptCookie ? this.sealed.key(exceptCookie.split(".")[0] ?? "") : undefined;
    const drop = (await this.redis.smembers(this.userKey(userId))).filter((k) => k !== keep);
    if (drop.length) {
      await this.redis.del(...drop);
      await this.redis.srem(this.userKey(userId), ...drop);
    }
  }
}

// ---- tipster sessions -------------------------------------------------------

export const TIPSTER_COOKIE = "homthu_tipster";
export const TIPSTER_IDLE_MS = 20 * 60_000;

interface TipsterRecord {
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

/** When a session seen now lapses: at least the idle time, rounded up to the end of a minute. */
const lapse = () => bucketEnd("minute", new Date(Date.now() + TIPSTER_IDLE_MS)).getTime();

export class TipsterSessionStore {
  private readonly sealed: SealedSessions;

  constructor(private readonly redis: Redis, prefix: string) {
    this.sealed = new SealedSessions(redis, prefix, "tsess");
  }

  async create(tipId: string, tipPrivateKey: crypto.Bytes | null): Promise<{ cookie: string; csrf: string }> {
    const { id, cookieKey, cookie } = this.sealed.mint();
    const csrf = b64(crypto.randomBytes(24));
    const wrappedKey = tipPrivateKey ? this.sealed.wrap(tipPrivateKey, cookieKey, `tipster:${id}`) : "";
    const tip = this.sealed.wrap(crypto.utf8.encode(tipId), cookieKey, `tipster-tip:${id}`);
    await this.redis.set(this.sealed.key(id), JSON.stringify({ tip, csrf, wrappedKey } satisfies TipsterRecord), "PXAT", lapse());
    return { cookie, csrf };
  }

  async open(cookie: string | undefined): Promise<TipsterSession | null> {
    const c = this.sealed.read(cookie);
    if (!c) return null;
    const rec = await this.sealed.record<TipsterRecord>(c.id);
    if (!rec) return null;
    let tipId: string;
    let privateKey: crypto.Bytes | null = null;
    try {
      tipId = Buffer.from(this.sealed.unwrap(rec.tip ?? "", c.cookieKey, `tipster-tip:${c.id}`)).toString("utf8");
      if (rec.wrappedKey) privateKey = this.sealed.unwrap(rec.wrappedKey, c.cookieKey, `tipster:${c.id}`);
    } catch {
      return null;
    }
    await this.redis.pexpireat(this.sealed.key(c.id), lapse());
    return { id: c.id, tipId, csrf: rec.csrf, privateKey };
  }

  async destroy(cookie: string | undefined): Promise<void> {
    await this.sealed.destroy(cookie);
  }
}
