import assert from "node:assert/strict";
import { z } from "zod";
import { HttpError } from "../../src/errors.js";
import { countOf, isUuid, parseOrThrow, textOf, uuidOr404, validate } from "../../src/validation/parse.js";

const schema = z.strictObject({ name: z.string({ error: "errors.required" }).min(1, "errors.required") });

describe("validation/parse: the generic helpers of routes and validators", () => {
  it("when the input fits the schema, then validate gives the value", () => {
    assert.deepEqual(validate(schema, { name: "Ba Tri" }), { ok: true, value: { name: "Ba Tri" } });
  });

  it("when a field is missing or unknown, then validate names each field with a locale key", () => {
    assert.deepEqual(validate(schema, { extra: "x" }), { ok: false, fields: { name: "errors.required", extra: "errors.unknown_field" } });
    assert.deepEqual(validate(schema, undefined), { ok: false, fields: { name: "errors.required" } });
  });

  it("when a field holds a control character, then it is refused before the schema runs", () => {
    const r = validate(schema, { name: "a\u0000b" });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.fields.name?.startsWith("errors."));
  });

  it("when parseOrThrow meets bad input, then it throws a 400 with the code and the fields", () => {
    assert.deepEqual(parseOrThrow(schema, { name: "x" }, "invalid_thing"), { name: "x" });
    assert.throws(
      () => parseOrThrow(schema, {}, "invalid_thing"),
      (err: unknown) => err instanceof HttpError && err.status === 400 && err.fields?.name === "errors.required",
    );
  });

  it("when an id in a URL is not a UUID, then it is not found (404)", () => {
    const id = "0b7e3c1a-5f2d-4c9e-8a1b-2c3d4e5f6a7b";
    assert.equal(uuidOr404(id), id);
    assert.equal(isUuid(id.toUpperCase()), true);
    for (const bad of ["", "1", `${id}x`, ["a"], undefined, 5]) {
      assert.equal(isUuid(bad), false);
      assert.throws(() => uuidOr404(bad), (err: unknown) => err instanceof HttpError && err.status === 404);
    }
  });

  it("when a query value is missing, repeated or not a number, then textOf gives '' and countOf 0", () => {
    assert.equal(textOf("x"), "x");
    assert.equal(textOf(["x", "y"]), "");
    assert.equal(textOf(undefined), "");
    assert.equal(countOf("12"), 12);
    assert.equal(countOf("abc"), 0);
    assert.equal(countOf(["3"]), 0);
    assert.equal(countOf(undefined), 0);
  });
});
