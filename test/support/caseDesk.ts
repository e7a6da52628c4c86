/**
 * The case desk, in the words the workflow tests use: police units and
 * officers, tips submitted from distinct addresses, staff acting on a case
 * through the JSON API, and bounded waits on what the database and the queues
 * say (never sleeping for a fixed time when a condition can be polled).
 */
import request from "supertest";
import type { Running } from "../../src/runtime.js";
import type { AppContext } from "../../src/context.js";
import { createPoliceUnit } from "../../src/commands/policeUnitCreator.js";
import { createStaff } from "../../src/commands/staffCreator.js";
import type { Actor } from "../../src/policies/index.js";
import { PASSWORD } from "./factories.js";
import { signIn } from "./accountsApi.js";

/** Environment every workflow test app gets: no rate limit gets in the way of a hundred tips or a dozen sign-ins. */
export const UNLIMITED = { TIP_RATE_LIMIT_PER_HOUR: "100000", TIP_RATE_LIMIT_GLOBAL_PER_MINUTE: "1000000", LOGIN_RATE_LIMIT_PER_HOUR: "100000" };

/** A distinct client address per index (a documentation range, so nothing real). */
export const clientAddress = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

export const adminActor = (id: string): Actor => ({ id, role: "admin", districtCode: null, policeUnitId: null });

/** A police unit created by an administrator (directly through the command). */
export async function aPoliceUnit(ctx: AppContext, adminId: string, name: string, districtCode: string | null = null): Promise<string> {
  const { id } = await createPoliceUnit(ctx, adminActor(adminId), { name, districtCode });
  return id;
}

/** A police officer of `unitId`. */
export async function aPoliceOfficer(ctx: AppContext, unitId: string, email = `police-${Math.random().toString(36).slice(2)}@example.org`) {
  const { id } = await ctx.database.db.transaction((tx) => createStaff(tx, { email, role: "police", districtCode: null, policeUnitId: unitId, password: PASSWORD }));
  return { id, email };
}

/** A signed-in staff member's desk: GET and POST with the session and its CSRF token. */
export interface Desk {
  get(path: string): Promise<request.Response>;
  post(path: string, body?: object): Promise<request.Response>;
}

export async function deskOf(app: { url: string; ctx?: AppContext }, email: string): Promise<Desk> {
  const { agent, csrf } = await signIn(app, email);
  return {
    get: (path) => agent.get(path).then((r) => r),
    post: (path, body = {}) => agent.post(path).set("X-CSRF-Token", csrf).send(body).then((r) => r),
  };
}

/** A tipster submits through the public JSON API, from their own address. */
export function submitTip(url: string, tip: object, address = clientAddress(Math.floor(Math.random() * 1_000_000))) {
  return request(url).post("/api/v1/tips").set("X-Forwarded-For", address).send(tip);
}

export async function tipIds(ctx: AppContext): Promise<Set<string>> {
  const { rows } = await ctx.database.pool.query<{ id: string }>("SELECT id FROM tips");
  return new Set(rows.map((r) => r.id));
}

/** Submit one tip and return the id of the case it became (the public API only answers with a receipt). */
export async function submitAndFind(app: Running & { url?: string }, tip: object): Promise<string> {
  const before = await tipIds(app.ctx);
  const res = await submitTip(app.url!, tip);
  if (res.status !== 201) throw new Error(`the tip was refused: ${res.status} ${JSON.stringify(res.body)}`);
  const created = [...(await tipIds(app.ctx))].filter((id) => !before.has(id));
  if (created.length !== 1) throw new Error(`expected one new case, found ${created.length}`);
  return created[0]!;
}

export interface CaseState {
  id: string;
  status: string;
  assignee_id: string | null;
  no_liaison: boolean;
  source: string;
  version: number;
  forwarded_unit_id: string | null;
  deadline_at: Date | null;
  deadline_kind: string | null;
}

export async function caseRow(ctx: AppContext, id: string): Promise<CaseState> {
  const { rows } = await ctx.database.pool.query<CaseState>(
    "SELECT id, status, assignee_id, no_liaison, source, version, forwarded_unit_id, deadline_at, deadline_kind FROM tips WHERE id = $1",
    [id],
  );
  if (!rows[0]) throw new Error(`no case ${id}`);
  return rows[0];
}

import { within } from "./poll.js";

export { within };

/** Wait until the case has been routed (left "received"). */
export const routed = (ctx: AppContext, id: string, ms = 5_000) =>
  within(ms, `case ${id} routed`, async () => {
    const c = await caseRow(ctx, id);
    return c.status !== "received" ? c : undefined;
  });

export interface NotificationRow {
  id: string;
  user_id: string;
  tip_id: string | null;
  kind: string;
  urgent: boolean;
  created_at: Date;
  emailed_at: Date | null;
}

export async function notificationsAbout(ctx: AppContext, tipId: string, kind?: string): Promise<NotificationRow[]> {
  const { rows } = await ctx.database.pool.query<NotificationRow>(
    "SELECT id, user_id, tip_id, kind, urgent, created_at, emailed_at FROM notifications WHERE tip_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY created_at, id",
    [tipId, kind ?? null],
  );
  return rows;
}

/** The alerts the deadline sweep recorded for a case (deadline kind, stage, when due). */
export async function deadlineAlertsOf(ctx: AppContext, tipId: string): Promise<{ kind: string; stage: string; due_at: Date }[]> {
  const { rows } = await ctx.database.pool.query<{ kind: string; stage: string; due_at: Date }>(
    "SELECT d.kind, a.stage, a.due_at FROM deadline_alerts a JOIN case_deadlines d ON d.id = a.deadline_id WHERE d.tip_id = $1 ORDER BY a.due_at, a.stage",
    [tipId],
  );
  return rows;
}

/** How many routing audit rows ("case.assign" written by the router) each case has. */
export async function routingRowsPerCase(ctx: AppContext, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await ctx.database.pool.query<{ subject_id: string; n: number }>(
    "SELECT subject_id, count(*)::int AS n FROM audit_log WHERE action = 'case.assign' AND subject_type = 'case' AND details->>'routed' = 'true' AND subject_id = ANY($1) GROUP BY subject_id",
    [ids],
  );
  const out = new Map(ids.map((id) => [id, 0]));
  for (const r of rows) out.set(r.subject_id, r.n);
  return out;
}
