/**
 * What the database holds after a fault, read as an administrator would: each
 * stored tip is decrypted (the administrator's own key wrap) to find the
 * chaos marker in its description, and its routing is read from the case row
 * and the audit log (one `case.assign` row per routing). So a 201 whose tip is
 * missing, a tip stored twice, and a tip routed twice are all seen, without
 * the app keeping anything for the run.
 */
import type { Database } from "../../src/db/client.js";
import type * as crypto from "../../src/crypto/index.js";
import { openTipAsStaff } from "../../src/tips/tipReader.js";
import type { Sent } from "./load.js";

const MARKER = /CHAOS-([a-z0-9-]+?)-(\d+)\b/;

export interface StoredTip {
  id: string;
  marker: string | null;
  status: string;
  assigned: boolean;
  /** `case.assign` rows in the audit log. */
  assigns: number;
}

export interface Verdict {
  sent: number;
  accepted: number;
  /** Distinct markers of this fault found in the database. */
  stored: number;
  /** 201s whose tip is not in the database. */
  lost: number;
  /** 201s stored once, routed to a liaison, with exactly one routing in the audit log. */
  assignedOnce: number;
  /** Extra copies of a tip, plus tips routed more than once. */
  duplicates: number;
  /** Tips stored whose sender never got the 201 (the connection died after the commit). */
  unanswered: number;
  /** Tips still waiting for routing. */
  unrouted: number;
}

export class Ledger {
  private readonly seen = new Map<string, StoredTip>();

  constructor(
    private readonly database: Database,
    private readonly adminId: string,
    private readonly adminKeys: crypto.KeyPair,
  ) {}

  /** How many tips are still "received" (not routed yet). */
  async waiting(): Promise<number> {
    const r = await this.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips WHERE status = 'received'");
    return r.rows[0]!.n;
  }

  /** Read every tip (decrypting the new ones) and their routing. */
  async read(): Promise<StoredTip[]> {
    const { rows } = await this.database.pool.query<{ id: string; status: string; assigned: boolean; assigns: number }>(
      `SELECT t.id, t.status, (t.assignee_id IS NOT NULL AND t.status <> 'received') AS assigned,
              (SELECT count(*)::int FROM audit_log a WHERE a.subject_type = 'case' AND a.subject_id = t.id::text AND a.action = 'case.assign') AS assigns
         FROM tips t`,
    );
    for (const row of rows) {
      let known = this.seen.get(row.id);
      if (!known) {
        const opened = await openTipAsStaff(this.database.db, row.id, this.adminId, this.adminKeys).catch(() => null);
        const marker = (opened && MARKER.exec(opened.report.description)?.[0]) ?? null;
        known = { id: row.id, marker, status: row.status, assigned: row.assigned, assigns: row.assigns };
        this.seen.set(row.id, known);
      }
      Object.assign(known, { status: row.status, assigned: row.assigned, assigns: row.assigns });
    }
    return [...this.seen.values()];
  }

  /** The verdict on one fault's tips (markers CHAOS-<label>-n). */
  async verdict(label: string, sent: Sent[]): Promise<Verdict> {
    const stored = (await this.read()).filter((t) => t.marker?.startsWith(`CHAOS-${label}-`));
    const byMarker = new Map<string, StoredTip[]>();
    for (const t of stored) byMarker.set(t.marker!, [...(byMarker.get(t.marker!) ?? []), t]);
    const accepted = sent.filter((s) => s.outcome === "201");
    const acceptedMarkers = new Set(accepted.map((s) => s.marker));
    let lost = 0;
    let assignedOnce = 0;
    for (const s of accepted) {
      const copies = byMarker.get(s.marker) ?? [];
      if (copies.length === 0) lost++;
      else if (copies.length === 1 && copies[0]!.assigned && copies[0]!.assigns === 1) assignedOnce++;
    }
    const extraCopies = [...byMarker.values()].reduce((n, copies) => n + copies.length - 1, 0);
    return {
      sent: sent.length,
      accepted: accepted.length,
      stored: byMarker.size,
      lost,
      assignedOnce,
      duplicates: extraCopies + stored.filter((t) => t.assigns > 1).length,
      unanswered: [...byMarker.keys()].filter((m) => !acceptedMarkers.has(m)).length,
      unrouted: stored.filter((t) => t.status === "received").length,
    };
  }
}
