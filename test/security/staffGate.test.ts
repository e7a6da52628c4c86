/**
 * The staff gate over the real application: every route src/app.ts mounts
 * under /staff or /api/v1 (found by walking Express's router, so a route added
 * tomorrow is in the list) is requested without a session. Each must answer
 * 401 (JSON API) or send to the login page (staff HTML pages, any method),
 * unless the gate lists it as open.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { isGated, isOpen } from "../../src/middlewares/staffGate.js";
import { startTestApp, type TestApp } from "../support/app.js";

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) of an Express app, nested routers included. */
function routesOf(stack: Layer[]): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of [layer.route.path].flat()) for (const method of Object.keys(layer.route.methods)) out.push({ method, path });
    } else if (layer.handle?.stack) out.push(...routesOf(layer.handle.stack));
  }
  return out;
}

const ID = "00000000-0000-4000-8000-000000000000";

describe("staff gate over every mounted route", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ role: "web" });
  });
  after(async () => {
    await app?.stop();
  });

  it("refuses every gated route without a session, and the walk finds the known ones", async () => {
    const express = createApp(app.ctx) as unknown as { router: { stack: Layer[] } };
    const routes = routesOf(express.router.stack).filter((r) => isGated(r.path) && !isOpen(r.path));
    const paths = new Set(routes.map((r) => r.path));
    for (const known of ["/staff", "/staff/cases/:id", "/api/v1/cases", "/api/v1/admin/users", "/api/v1/stats", "/staff/admin/settings"]) assert.ok(paths.has(known), `the walk missed ${known}`);
    const failures: string[] = [];
    for (const { method, path } of routes) {
      const url = path.replace(/:(\w+)/g, (_m, name: string) => (name === "transition" || name === "action" ? "assign" : name === "file" ? "2025.csv" : name === "name" ? "route-tip" : ID));
      const res = await request(app.url)[method as "get" | "post"](url).set("X-Forwarded-For", "203.0.113.90");
      const ok = path.startsWith("/api/") ? res.status === 401 : res.status === 303 && res.headers.location === "/staff/login";
      if (!ok) failures.push(`${method.toUpperCase()} ${url} → ${res.status}`);
    }
    assert.deepEqual(failures, [], `reachable without a session:\n  ${failures.join("\n  ")}`);
    assert.ok(routes.length >= 40, `only ${routes.length} gated routes found`);
  });
});
