/**
 * The load generator's HTTP clients: node:http over one keep-alive agent (one
 * socket per concurrent client, reused); a bare keep-alive connection for the
 * intake load (prepared request bytes, a minimal answer parser); and a staff
 * session that signs in through the API like a person would (TOTP enrolment
 * for administrators).
 */
import http from "node:http";
import net from "node:net";
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

  /** Where requests go ("127.0.0.1:3000"), for RawConnection. */
  get host(): string {
    return this.base.host;
  }

  close(): void {
    this.agent.destroy();
  }
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * One keep-alive connection that writes a request given as bytes and reads its
 * answer with the least parsing that gives the status and body (the status line
 * and Content-Length; Express answers every request with one), one request at a
 * time. It is what the intake load sends tips with: like wrk, it prepares its
 * requests instead of building them through node:http, because the load
 * generator shares the two cores with the app, and its CPU per tip counts
 * against intake's throughput (about 0.7 ms per tip through node:http).
 */
export class RawConnection {
  private pending: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void };
  private closed?: Error;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      this.answer();
    });
    const end = (err?: Error) => {
      this.closed ??= Object.assign(err ?? new Error("connection closed"), { code: (err as { code?: string } | undefined)?.code ?? "ECONNRESET" });
      this.waiting?.reject(this.closed);
      this.waiting = undefined;
    };
    socket.on("error", end);
    socket.on("close", () => end());
  }

  static open(host: string): Promise<RawConnection> {
    const [hostname, port] = [host.slice(0, host.lastIndexOf(":")), Number(host.slice(host.lastIndexOf(":") + 1))];
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port }, () => (socket.off("error", reject), resolve(new RawConnection(socket))));
      socket.once("error", reject);
    });
  }

  /** Send one whole request (head and body) and resolve with its answer's status and body. */
  send(request: Buffer): Promise<{ status: number; body: string }> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  private answer(): void {
    const headEnd = this.pending.indexOf(HEADER_END);
    if (headEnd < 0 || !this.waiting) return;
    const head = this.pending.toString("latin1", 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return void this.socket.destroy(new Error(`an answer without Content-Length: ${head.split("\r\n")[0]}`));
    const end = headEnd + HEADER_END.length + Number(length[1]);
    if (this.pending.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.pending.toString("utf8", headEnd + HEADER_END.length, end);
    this.pending = this.pending.subarray(end);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ status, body });
  }

  close(): void {
    this.socket.destroy();
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
