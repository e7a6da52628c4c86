/**
 * The production entry's thread pool size (src/launch.cts): as many libuv
 * threads as argon2 derivations may run at once, so no more pool threads than
 * that keep a derivation's block resident; an operator's own setting wins.
 */
import assert from "node:assert/strict";
import { threadPoolSize } from "../../src/launch.cjs";

describe("launch: libuv thread pool size", () => {
  it("follows ARGON2_MAX_CONCURRENT, else the CPUs, never below 2", () => {
    assert.equal(threadPoolSize({}, 2), "2");
    assert.equal(threadPoolSize({}, 8), "8");
    assert.equal(threadPoolSize({}, 1), "2");
    assert.equal(threadPoolSize({ ARGON2_MAX_CONCURRENT: "3" }, 8), "3");
    assert.equal(threadPoolSize({ ARGON2_MAX_CONCURRENT: "1" }, 8), "2");
    assert.equal(threadPoolSize({ ARGON2_MAX_CONCURRENT: "lots" }, 6), "6");
  });

  it("keeps UV_THREADPOOL_SIZE when the environment sets it", () => {
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "16", ARGON2_MAX_CONCURRENT: "2" }, 2), "16");
  });
});
