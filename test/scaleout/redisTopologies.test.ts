/**
 * homthu on Redis Cluster and on Redis Sentinel, against real redis-server
 * processes started here on free ports (test/support/redisServers.ts).
 *
 * Cluster: three masters sharing the slots; tips go in, routing jobs run
 * through BullMQ (hash-tag prefix), a liaison signs in (session MULTI) and
 * reads the inbox.
 *
 * Sentinel: a primary, a replica, three sentinels. Tips are sent in a steady
 * burst; in the middle the primary is killed (SIGKILL) and the sentinels
 * promote the replica. Every tip that got a receipt must be in PostgreSQL
 * and get routed (a routing job lost with the old primary is put back by the
 * sweep), and tips must be accepted again after the failover.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { Redis } from "ioredis";
import { sweep } from "../../workers/processors/maintenance.js";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { RedisFleet } from "../support/redisServers.js";
import { signIn } from "../support/accountsApi.js";
import { within } from "../support/poll.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function statuses(app: TestApp): Promise<Map<string, string>> {
  const { rows } = await app.ctx.database.pool.query<{ id: string; status: string }>("SELECT id, status FROM tips");
  return new Map(rows.map((r) => [r.id, r.status]));
}

describe("Redis Cluster and Sentinel (real redis-server processes)", function () {
  this.timeout(240_000);

  describe("on a 3-node Redis Cluster", () => {
    const fleet = new RedisFleet();
    let app: TestApp | undefined;
    let prefix = "";
    after(async () => {
      await app?.stop();
      await fleet.stop();
    });

    it("when tips come in, then they are routed through BullMQ on the cluster, and a liaison signs in and sees them", async () => {
      const nodes = await fleet.cluster(3);
      prefix = `{homthu-cluster-${Math.random().toString(36).slice(2, 8)}}`;
      const a = await startTestApp({ env: { REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(","), REDIS_PREFIX: prefix } });
      app = a;
      await resetData(a);
      await anAdministrator(app.ctx);
      const liaison = await aStaffMember(app.ctx, "liaison", "831");
      for (let i = 0; i < 5; i++) {
        const res = await request(a.url).post("/api/v1/tips").send(aTip());
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      await sweep(app.ctx).catch(() => undefined); // whether intake enqueues or the sweep does, the jobs are on the cluster now
      await within(30_000, "every tip routed on the cluster", async () => [...(await statuses(app!)).values()].every((s) => s !== "received"));
      const { agent } = await signIn(app, liaison.email);
      const inbox = await agent.get("/api/v1/cases");
      assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
      assert.equal(inbox.body.total, 5);

      // The keys really are on the cluster, under the hash tag (so each queue's keys share a slot).
      const probe = new Redis.Cluster(nodes.map((n) => ({ host: "127.0.0.1", port: n.port })));
      try {
        await new Promise((r) => probe.once("ready", r));
        const keys: string[] = [];
        for (const node of probe.nodes("master")) keys.push(...(await node.keys(`${prefix}*`)));
        assert.ok(keys.some((k) => k.startsWith(`${prefix}:bull:`)), `BullMQ keys under ${prefix}: ${keys.slice(0, 5).join(", ")}`);
        assert.ok(keys.some((k) => k.startsWith(`${prefix}:sess:`)), "a staff session under the prefix");
      } finally {
        probe.disconnect();
      }
    });
  });

  describe("on a Sentinel group (primary, replica, 3 sentinels)", () => {
    const fleet = new RedisFleet();
    let app: TestApp | undefined;
    after(async () => {
      await app?.stop();
      await fleet.stop();
    });

    it("when the primary dies in the middle of a burst, then the replica takes over, tips are accepted again, and no accepted tip is lost", async () => {
      const { primary, replica, sentinels } = await fleet.sentinelGroup("homthu");
      app = await startTestApp({ env: { REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(","), REDIS_SENTINEL_NAME: "homthu" } });
      await resetData(app);
      await anAdministrator(app.ctx);
      await aStaffMember(app.ctx, "liaison", "831");

      const accepted: string[] = [];
      let refused = 0;
      let killedAt = 0;
      let acceptedAfterFailover = 0;
      const started = Date.now();
      // About 12 s of tips, two at a time; the primary dies after 3 s.
      const sender = async () => {
        while (Date.now() - started < 12_000) {
          const res = await request(app!.url).post("/api/v1/tips").send(aTip()).catch(() => null);
          if (res?.status === 201) {
            accepted.push(res.body.receipt);
            if (killedAt && Date.now() - killedAt > 6_000) acceptedAfterFailover++;
          } else refused++;
          await sleep(50);
        }
      };
      const killer = (async () => {
        await sleep(3_000);
        killedAt = Date.now();
        await primary.kill("SIGKILL");
      })();
      await Promise.all([sender(), sender(), killer]);

      // The sentinels promoted the replica.
      const s = new Redis({ host: "127.0.0.1", port: sentinels[0]!.port });
      const [, port] = (await s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "homthu").finally(() => s.disconnect())) as [string, string];
      assert.equal(Number(port), replica.port, "the replica is the primary now");
      assert.ok(accepted.length > 20, `accepted ${accepted.length}, refused ${refused}`);
      assert.ok(acceptedAfterFailover > 0, "tips are accepted after the failover");

      // Every receipt is a stored tip, and every stored tip gets routed (the sweep re-enqueues what the old primary lost).
      const { rows } = await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tips");
      assert.equal(rows[0]!.n, accepted.length, "one stored tip per receipt, none lost, none extra");
      let lastError: unknown;
      // A routing job the dead primary held is retried once its lock expires; on a loaded machine that and the
      // sweep's own recovery took longer than a minute once, so the bound is two (none may stay "received").
      await within(120_000, "every tip routed after the failover", async () => {
        await sweep(app!.ctx).catch((err: unknown) => (lastError = err));
        return [...(await statuses(app!)).values()].every((st) => st !== "received");
      }).catch((err: unknown) => {
        throw new Error(`${String(err)}; redis ${app!.ctx.redis.status}; last sweep error: ${String(lastError)}; logs: ${app!.logs.slice(-15).join("\n")}`);
      });
    });
  });
});
