/**
 * The tests' one sign-in helper. Signing staff in through the JSON API, as a browser would: a cookie jar per
 * person, the CSRF token to send back, and TOTP codes (enrolment included).
 * A TOTP code is accepted once per 30-second step, so the codes handed out
 * here always move forward in time, waiting for the next step when needed.
 */
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import request, { type Response } from "supertest";
import { generateSync } from "otplib";
import type { AppContext } from "../../src/context.js";
import type { TestApp } from "./app.js";
import { PASSWORD } from "./factories.js";

export type Agent = ReturnType<typeof request.agent>;

export interface SignedIn {
  agent: Agent;
  csrf: string;
  /** The session cookie's value (session id "." cookie key). */
  cookie: string;
  user: { id: string; email: string; role: string; districtCode: string | null; policeUnitId: string | null; needsRestore: boolean; totpEnabled: boolean };
}

/** TOTP secrets learnt at enrolment, by email. */
const secrets = new Map<string, string>();
/** The last time step used per secret (the server refuses a step it has seen). */
const lastStep = new Map<string, number>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The TOTP secret a staff member enrolled through signIn() in this run, if any. */
export function totpSecretOf(email: string): string | undefined {
  return secrets.get(email.toLowerCase());
}

/** A fresh TOTP code for `secret`, never reusing a time step already handed out. */
export async function nextTotp(secret: string): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, (lastStep.get(secret) ?? -1) + 1);
    // The server accepts one step of drift either way; wait until `step` is within it.
    if (step <= now + 1) {
      lastStep.set(secret, step);
      return generateSync({ secret, epoch: step * 30 });
    }
    await sleep((now + 1) * 30_000 - Date.now() + 50);
  }
}

/** The value of the homthu_staff cookie a response sets, if any. */
export function sessionCookieFrom(res: Response): string | undefined {
  const header = res.headers["set-cookie"] as string[] | string | undefined;
  for (const c of Array.isArray(header) ? header : header ? [header] : []) {
    const m = /^homthu_staff=([^;]*)/.exec(c);
    if (m && m[1]) return decodeURIComponent(m[1]);
  }
  return undefined;
}

/** The Redis key of the session a cookie names (the store keeps SHA-256 of the session id). */
export function sessionRedisKey(prefix: string, cookie: string): string {
  return `${prefix}:sess:${createHash("sha256").update(cookie.split(".")[0]!).digest("hex")}`;
}

/**
 * Sign in with email and password, enrolling TOTP or giving a code when the
 * account needs one; fails the test unless the end is a full session. `app` is
 * an app of this process (its database tells whether the account has TOTP on:
 * an account made again under the same email after a reset has not, and gets
 * no stale code) or just the address of another process.
 */
export async function signIn(
  app: { url: string; ctx?: AppContext },
  email: string,
  password = PASSWORD,
  opts: { ip?: string; agent?: Agent } = {},
): Promise<SignedIn> {
  const agent = opts.agent ?? request.agent(app.url);
  const ip = opts.ip ?? "127.0.0.1";
  if (app.ctx) {
    const sql = "SELECT totp_enabled FROM staff_users WHERE lower(email) = lower($1)";
    const { rows } = await app.ctx.database.pool.query<{ totp_enabled: boolean }>(sql, [email]);
    if (!rows[0]?.totp_enabled) secrets.delete(email.toLowerCase());
  }
  // An account with TOTP sends its code with the password (without it the answer is a wrong password's).
  const secret = secrets.get(email.toLowerCase());
  let res = await agent.post("/api/v1/auth/login").set("X-Forwarded-For", ip).send({ email, password, ...(secret ? { totp: await nextTotp(secret) } : {}) });
  assert.equal(res.status, 200, `sign-in of ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  let cookie = sessionCookieFrom(res);
  if (res.body.status === "totp_enrollment_required") {
    const secret = new URL(res.body.otpauthUrl as string).searchParams.get("secret");
    assert.ok(secret, "the otpauth URL carries the secret");
    secrets.set(email.toLowerCase(), secret);
    res = await agent.post("/api/v1/auth/totp/enroll").set("X-CSRF-Token", res.body.csrfToken as string).send({ code: await nextTotp(secret) });
    assert.equal(res.status, 200, `TOTP enrolment of ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    cookie = sessionCookieFrom(res);
  }
  assert.ok(cookie, "a session cookie is set");
  assert.ok(res.body.user, `a user is returned: ${JSON.stringify(res.body)}`);
  return { agent, csrf: res.body.csrfToken as string, cookie, user: res.body.user };
}

/** A request carrying an explicit session cookie (as someone replaying it would send it). */
export function withCookie(app: TestApp, cookie: string) {
  const cookieHeader = `homthu_staff=${encodeURIComponent(cookie)}`;
  return {
    get: (path: string) => request(app.url).get(path).set("Cookie", cookieHeader),
    post: (path: string, csrf?: string) => {
      const r = request(app.url).post(path).set("Cookie", cookieHeader);
      return csrf ? r.set("X-CSRF-Token", csrf) : r;
    },
  };
}
