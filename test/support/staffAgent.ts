/** Sign a staff member in through the API (enrolling TOTP when required); returns an agent that keeps the cookie, and the CSRF token. */
import request from "supertest";
import { generateSync } from "otplib";
import { PASSWORD } from "./factories.js";

export async function signedIn(url: string, email: string, password = PASSWORD) {
  const agent = request.agent(url);
  const r = await agent.post("/api/v1/auth/login").send({ email, password });
  if (r.status !== 200) throw new Error(`sign-in of ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
  let csrf: string = r.body.csrfToken;
  let totpSecret: string | undefined;
  if (r.body.status === "totp_enrollment_required") {
    totpSecret = new URL(r.body.otpauthUrl).searchParams.get("secret")!;
    const e = await agent.post("/api/v1/auth/totp/enroll").set("X-CSRF-Token", csrf).send({ code: generateSync({ secret: totpSecret }) });
    csrf = e.body.csrfToken;
  }
  return { agent, csrf, totpSecret };
}

/** Poll until `fn` gives a value (bounded). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
