/**
 * The load generator's HTTP client: node:http over one keep-alive agent (one
 * socket per concurrent client, reused), and a staff session that signs in
 * through the API like a person would (TOTP enrolment for administrators).
 */
import http from "node:http";
import { generateSync } from "otplib";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, maxSockets = 64) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, path: string, opts: { headers?: Record<string, string>; json?: unknown } = {}): Promise<Reply> {
    const body = opts.json === undefined ? undefined : Buffer.from(JSON.stringify(opts.json));
    const headers: Record<string, string | number> = { ...opts.headers };
    if (body) Object.assign(headers, { "content-type": "application/json", "content-length": body.length });
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.base.hostname, port: this.base.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A signed-in staff member: the session cookie and CSRF token, sent with every request. */
export class StaffSession {
  private cookies = new Map<string, string>();
  private csrf = "";

  constructor(private readonly client: HttpClient) {}

  private remember(reply: Reply): void {
    for (const line of reply.headers["set-cookie"] ?? []) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  private headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    return { cookie, "x-csrf-token": this.csrf, accept: "application/json" };
  }

  async send(method: string, path: string, json?: unknown): Promise<Reply> {
    const reply = await this.client.request(method, path, { headers: this.headers(), json });
    this.remember(reply);
    return reply;
  }

  /** Sign in; enrols TOTP on the first sign-in when the role requires it. */
  async signIn(email: string, password: string): Promise<void> {
    const login = await this.send("POST", "/api/v1/auth/login", { email, password });
    if (login.status !== 200) throw new Error(`sign-in of ${email} failed: ${login.status} ${login.body}`);
    const body = JSON.parse(login.body) as { csrfToken: string; status?: string; otpauthUrl?: string };
    this.csrf = body.csrfToken;
    if (body.status === "totp_enrollment_required") {
      const secret = new URL(body.otpauthUrl!).searchParams.get("secret")!;
      const enrol = await this.send("POST", "/api/v1/auth/totp/enroll", { code: generateSync({ secret }) });
      if (enrol.status !== 200) throw new Error(`TOTP enrolment of ${email} failed: ${enrol.status} ${enrol.body}`);
      this.csrf = (JSON.parse(enrol.body) as { csrfToken: string }).csrfToken;
    }
  }
}
