/**
 * The staff gate on its own: a router added under /staff or /api/v1 that
 * forgets requireStaff is still closed to a request without a session, and
 * only the listed exceptions stay open (however the path is spelled).
 */
import assert from "node:assert/strict";
import express, { Router, type NextFunction, type Request, type Response } from "express";
import request from "supertest";
import { HttpError } from "../../src/errors.js";
import { isGated, isOpen, OPEN_PATHS, staffGate } from "../../src/middlewares/staffGate.js";

/** An app like src/app.ts: the gate, then a router that checks nothing itself. */
function appWithNewRoutes(): express.Express {
  const app = express();
  app.use(staffGate);
  const careless = Router();
  for (const path of ["/staff/new-page", "/api/v1/new-resource", "/api/v1/tipsterish", ...OPEN_PATHS.map((p) => (p.endsWith("/") ? `${p}anything` : p))]) {
    careless.get(path, (_req, res) => void res.json({ reached: true }));
    careless.post(path, (_req, res) => void res.json({ reached: true }));
  }
  app.use(careless);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err instanceof HttpError ? err.status : 500).json({ error: err instanceof HttpError ? err.code : "internal" });
  });
  return app;
}

describe("staff gate (deny by default under /staff and /api/v1)", () => {
  const app = appWithNewRoutes();

  for (const path of ["/staff/new-page", "/STAFF/New-Page", "/staff/new-page/", "/api/v1/new-resource", "/API/V1/new-resource/", "/api/v1/tipsterish"]) {
    it(`refuses ${path} without a session, GET and POST`, async () => {
      const get = await request(app).get(path);
      if (path.toLowerCase().startsWith("/api/")) {
        assert.equal(get.status, 401);
        assert.equal(get.body.error, "not_authenticated");
      } else {
        assert.equal(get.status, 303);
        assert.equal(get.headers.location, "/staff/login");
      }
      assert.equal(get.headers["cache-control"], "no-store");
      const post = await request(app).post(path);
      assert.equal(post.status, 401);
      assert.equal(post.body.reached, undefined);
    });
  }

  for (const open of OPEN_PATHS) {
    const path = open.endsWith("/") ? `${open}anything` : open;
    it(`lets ${path} reach its handler (listed exception)`, async () => {
      const res = await request(app).post(path);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { reached: true });
    });
  }

  it("closes the prefixes themselves and leaves the rest of the site alone", () => {
    assert.equal(isGated("/staff"), true);
    assert.equal(isGated("/api/v1"), true);
    assert.equal(isGated("/staffroom"), false);
    assert.equal(isGated("/report"), false);
    assert.equal(isGated("/healthz"), false);
    assert.equal(isOpen("/api/v1/tipster"), false, "the tipster API opens its sub-paths, not the bare prefix");
    assert.equal(isOpen("/staff/login/extra"), false, "an exact exception opens nothing below it");
  });
});
