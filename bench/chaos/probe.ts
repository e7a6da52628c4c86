/**
 * What an orchestrator and a member of staff see while a fault lasts: once a
 * second, GET /readyz (its status and what it says of PostgreSQL and Redis)
 * and a signed-in liaison's GET /api/v1/cases. A 500 here counts like one
 * on intake.
 */
import { HttpClient, StaffSession } from "../client.js";
import { sleep } from "../measure.js";

export interface ProbeTally {
  /** "200", "503 database unavailable", "503 redis refusing_writes", or a network error code. */
  readyz: Record<string, number>;
  /** The liaison's inbox, by status (or network error code). */
  staff: Record<string, number>;
}

const add = (t: Record<string, number>, k: string) => void (t[k] = (t[k] ?? 0) + 1);

export class Probe {
  readonly tally: ProbeTally = { readyz: {}, staff: {} };
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: HttpClient,
    private readonly staff: StaffSession,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<ProbeTally> {
    this.running = false;
    await this.loop;
    return this.tally;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await Promise.all([
        this.client.request("GET", "/readyz").then(
          (r) => {
            if (r.status === 200) return add(this.tally.readyz, "200");
            const body = JSON.parse(r.body) as { database?: string; redis?: string };
            const what = [body.database !== "ok" ? `database ${body.database}` : "", body.redis !== "ok" ? `redis ${body.redis}` : ""].filter(Boolean).join(", ");
            add(this.tally.readyz, `${r.status} ${what}`);
          },
          (err: { code?: string }) => add(this.tally.readyz, err.code ?? "error"),
        ),
        this.staff.send("GET", "/api/v1/cases").then(
          (r) => add(this.tally.staff, String(r.status)),
          (err: { code?: string }) => add(this.tally.staff, err.code ?? "error"),
        ),
      ]);
      await sleep(1_000);
    }
  }
}
