/**
 * Configuration: what an operator gets by default, and how a wrong or unsafe
 * environment is refused before anything starts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, DEV_SECRET_KEY, loadConfig } from "../config/index.js";

/** The ConfigError message loadConfig throws for `env`. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`the configuration ${JSON.stringify(env)} was accepted`);
}

describe("loadConfig", () => {
  let dataDir: string;
  const secretFile = () => path.join(dataDir, "secret-key");

  beforeEach(() => {
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "homthu-config-")), "var");
  });
  afterEach(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  describe("defaults", () => {
    it("when an operator sets nothing but DATA_DIR, then the documented defaults apply", () => {
      const config = loadConfig({ DATA_DIR: dataDir });
      assert.equal(config.env, "development");
      assert.equal(config.isProduction, false);
      assert.equal(config.port, 3000);
      assert.equal(config.host, "127.0.0.1");
      assert.equal(config.databaseUrl, undefined);
      assert.equal(config.redisUrl, undefined);
      assert.equal(config.redisPrefix, "homthu");
      assert.equal(config.dataDir, path.resolve(dataDir));
      assert.equal(config.logLevel, "info");
      assert.equal(config.trustProxy, false);
      assert.deepEqual({ memoryKiB: config.argon2.memoryKiB, passes: config.argon2.passes, parallelism: config.argon2.parallelism }, { memoryKiB: 19456, passes: 2, parallelism: 1 });
      assert.ok(config.argon2.maxConcurrent >= 1);
      assert.deepEqual(config.limits, {
        tipsPerHour: 20,
        tipsGlobalPerMinute: 600,
      receiptsPerHour: 30,
        formTokenTtlMs: 120 * 60_000,
        maxPhotoBytes: 10 * 1024 * 1024,
        maxPhotos: 5,
      });
      assert.equal(config.quickExitUrl, "https://www.google.com/");
      assert.equal(config.autoBootstrap, true, "on the embedded default the first start bootstraps itself");
      assert.equal(config.runMigrations, true);
    });

    it("when DATABASE_URL is set, then the first start does not create an administrator by itself", () => {
      assert.equal(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: "postgres://db/homthu" }).autoBootstrap, false);
    });

    it("when a variable is set to the empty string, then its default applies", () => {
      assert.equal(loadConfig({ DATA_DIR: dataDir, PORT: "", LOG_LEVEL: "" }).port, 3000);
    });

    it("when values are given, then they are read with their types", () => {
      const config = loadConfig({ DATA_DIR: dataDir, PORT: "8080", TRUST_PROXY: "loopback", MAX_PHOTO_MB: "2", AUTO_BOOTSTRAP: "no" });
      assert.equal(config.port, 8080);
      assert.equal(config.trustProxy, "loopback");
      assert.equal(config.limits.maxPhotoBytes, 2 * 1024 * 1024);
      assert.equal(config.autoBootstrap, false);
    });
  });

  describe("invalid values", () => {
    for (const port of ["abc", "70000", "-1", "3000.5"]) {
      it(`when PORT is "${port}", then the error names PORT`, () => {
        assert.match(refusal({ DATA_DIR: dataDir, PORT: port }), /^\s*PORT: /m);
      });
    }

    it("when several variables are wrong, then every one is listed at once", () => {
      const message = refusal({ DATA_DIR: dataDir, PORT: "abc", LOG_LEVEL: "loud", DATABASE_URL: "mysql://db/homthu", SECRET_KEY: "short" });
      for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL", "SECRET_KEY"]) assert.match(message, new RegExp(`^\\s*${name}: `, "m"), `${name} is named in:\n${message}`);
    });

    it("when a wrong value is refused, then the value itself is not echoed (it may be a secret)", () => {
      const almostAKey = "z".repeat(64);
      assert.ok(!refusal({ DATA_DIR: dataDir, SECRET_KEY: almostAKey }).includes(almostAKey));
    });
  });

  describe("secrets in production", () => {
    it("when NODE_ENV=production has no SECRET_KEY, then it is refused naming SECRET_KEY, and no key is generated", () => {
      assert.match(refusal({ NODE_ENV: "production", DATA_DIR: dataDir }), /SECRET_KEY/);
      assert.equal(fs.existsSync(secretFile()), false);
    });

    it("when NODE_ENV=production uses the development key, then it is refused", () => {
      assert.match(refusal({ NODE_ENV: "production", DATA_DIR: dataDir, SECRET_KEY: DEV_SECRET_KEY }), /SECRET_KEY/);
    });

    it("when NODE_ENV=production has a real key, then it is accepted and used as given", () => {
      const key = randomBytes(32).toString("hex");
      const config = loadConfig({ NODE_ENV: "production", DATA_DIR: dataDir, SECRET_KEY: key });
      assert.equal(config.isProduction, true);
      assert.equal(config.secretKey.toString("hex"), key);
      assert.equal(fs.existsSync(secretFile()), false, "no development key file is written");
    });
  });

  describe("the development secret", () => {
    it("when development starts without SECRET_KEY, then a key is generated in DATA_DIR/secret-key, readable by the owner only", () => {
      const config = loadConfig({ DATA_DIR: dataDir });
      assert.equal(config.secretKey.length, 32);
      const stored = fs.readFileSync(secretFile(), "utf8").trim();
      assert.match(stored, /^[0-9a-f]{64}$/);
      assert.equal(stored, config.secretKey.toString("hex"));
      assert.equal(fs.statSync(secretFile()).mode & 0o777, 0o600);
    });

    it("when development starts again, then it reuses the same key (receipts keep working)", () => {
      const first = loadConfig({ DATA_DIR: dataDir }).secretKey;
      const second = loadConfig({ DATA_DIR: dataDir }).secretKey;
      assert.deepEqual(second, first);
      assert.notDeepEqual(loadConfig({ DATA_DIR: `${dataDir}-other` }).secretKey, first, "another data directory gets another key");
      fs.rmSync(`${dataDir}-other`, { recursive: true, force: true });
    });

    it("when SECRET_KEY is set in development, then it is used and no file is written", () => {
      const key = randomBytes(32).toString("hex");
      assert.equal(loadConfig({ DATA_DIR: dataDir, SECRET_KEY: key }).secretKey.toString("hex"), key);
      assert.equal(fs.existsSync(secretFile()), false);
    });
  });

  describe("scale-out: Redis Sentinel or Cluster, a read replica", () => {
    it("when sentinels are named, then the topology lists them with the primary's name", () => {
      const config = loadConfig({ DATA_DIR: dataDir, REDIS_SENTINELS: "10.0.0.1:26379,sentinel-b:26380", REDIS_SENTINEL_NAME: "homthu", REDIS_PASSWORD: "pw" });
      assert.deepEqual(config.redisTopology, { kind: "sentinel", name: "homthu", password: "pw", sentinels: [{ host: "10.0.0.1", port: 26379 }, { host: "sentinel-b", port: 26380 }] });
    });

    it("when cluster nodes are named with a plain prefix, or together with sentinels, then the start is refused naming the variables", () => {
      assert.match(refusal({ DATA_DIR: dataDir, REDIS_CLUSTER_NODES: "127.0.0.1:7000" }), /REDIS_PREFIX: must be a hash tag/);
      assert.match(refusal({ DATA_DIR: dataDir, REDIS_CLUSTER_NODES: "127.0.0.1:7000", REDIS_SENTINELS: "127.0.0.1:26379", REDIS_PREFIX: "{homthu}" }), /REDIS_SENTINELS, REDIS_CLUSTER_NODES/);
      assert.match(refusal({ DATA_DIR: dataDir, REDIS_SENTINELS: "just-a-host" }), /REDIS_SENTINELS: comma-separated host:port list/);
      assert.deepEqual(loadConfig({ DATA_DIR: dataDir, REDIS_CLUSTER_NODES: "127.0.0.1:7000,127.0.0.1:7001", REDIS_PREFIX: "{homthu}" }).redisTopology, {
        kind: "cluster",
        nodes: [{ host: "127.0.0.1", port: 7000 }, { host: "127.0.0.1", port: 7001 }],
        password: undefined,
      });
    });

    it("when DATABASE_READ_URL is not a postgres URL, then it is refused; unset, there is no replica", () => {
      assert.match(refusal({ DATA_DIR: dataDir, DATABASE_READ_URL: "mysql://x" }), /DATABASE_READ_URL: must be a postgres:\/\/ URL/);
      assert.equal(loadConfig({ DATA_DIR: dataDir }).databaseReadUrl, undefined);
      assert.equal(loadConfig({ DATA_DIR: dataDir }).redisTopology, undefined);
    });
  });
});
