/**
 * No store dates a tip (issue #11): with the production schedule (a sweep
 * every minute, on the minute), tipsters submit tips and a follow-up message
 * in the middle of a minute; then all of Redis (every key, value, hash field,
 * list and set member, sorted-set score, stream entry id, and each key's
 * expiry instant) and every email that left are searched — while the tips wait
 * for the sweep, right after they were routed, and after a deadline reminder
 * was sent. None may hold a tip id, nor a time (milliseconds, seconds or an
 * ISO string, or an expiry whose offset in the minute matches) that falls in
 * the minute of the submissions between the sweep's own moment and shortly
 * after the last request: such a time could only come from the requests.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { Redis } from "ioredis";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { clientAddress, notificationsAbout, UNLIMITED, within } from "../support/caseDesk.js";
import { deleteRedisPrefix, services } from "../support/services.js";
import { startMailbox, type Mailbox } from "../support/smtp.js";

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Housekeeping keys BullMQ's workers write on their own clock (job locks, the stalled-jobs check), never at a request. */
const HOUSEKEEPING = /:lock$|:stalled-check$/;

interface Dumped {
  key: string;
  strings: string[];
  /** Absolute expiry (ms), or null. */
  expiresAt: number | null;
}

async function dumpRedis(redisUrl: string, prefix: string): Promise<Dumped[]> {
  const redis = new Redis(redisUrl);
  try {
    const out: Dumped[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const strings: string[] = [key];
        if (type === "string") strings.push((await redis.get(key)) ?? "");
        else if (type === "hash") strings.push(...Object.entries(await redis.hgetall(key)).flat());
        else if (type === "list") strings.push(...(await redis.lrange(key, 0, -1)));
        else if (type === "set") strings.push(...(await redis.smembers(key)));
        else if (type === "zset") strings.push(...(await redis.zrange(key, "0", "-1", "WITHSCORES")));
        else if (type === "stream") for (const [id, fields] of await redis.xrange(key, "-", "+")) strings.push(id, ...fields);
        const at = Number(await redis.call("PEXPIRETIME", key));
        out.push({ key, strings, expiresAt: at > 0 ? at : null });
      }
    } while (cursor !== "0");
    return out;
  } finally {
    redis.disconnect();
  }
}

/** Every time written in `text`: epoch milliseconds or seconds, ISO 8601 and RFC 2822 (email) dates. */
function timesIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(?<!\d)(1[6-9]\d{11})(?!\d)/g)) out.push(Number(m[1]));
  for (const m of text.matchAll(/(?<!\d)(1[6-9]\d{8})(?:\.\d+)?(?!\d)/g)) out.push(Number(m[1]) * 1000);
  for (const m of text.matchAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g)) out.push(Date.parse(m[0]));
  for (const m of text.matchAll(/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}/g)) out.push(Date.parse(m[0]));
  return out.filter((t) => Number.isFinite(t));
}

/**
 * What dates the submissions: a time inside (minute + 5 s, last request + 15 s) — the sweeps run at the
 * minute (and take a few seconds), the requests happen from second 20 on; or an expiry whose offset in its
 * minute falls in the same stretch (an expiry "now + TTL" keeps the request's second).
 */
function findDating(redis: Dumped[], mails: string[], minute: number, last: number, tipIds: string[]): string[] {
  const from = minute + 5_000;
  const to = last + 15_000;
  const dates = (t: number) => t > from && t < to;
  const offsetDates = (t: number) => t % MINUTE > from - minute && t % MINUTE < to - minute;
  const found: string[] = [];
  for (const d of redis) {
    const text = d.strings.join("\n");
    for (const id of tipIds) if (text.includes(id)) found.push(`${d.key} holds tip id ${id}`);
    if (HOUSEKEEPING.test(d.key)) continue;
    for (const t of timesIn(text)) if (dates(t)) found.push(`${d.key} holds ${new Date(t).toISOString()}`);
    if (d.expiresAt !== null && (dates(d.expiresAt) || offsetDates(d.expiresAt))) found.push(`${d.key} expires at ${new Date(d.expiresAt).toISOString()}`);
  }
  for (const [i, raw] of mails.entries()) {
    for (const id of tipIds) if (raw.includes(id)) found.push(`email or log line ${i} holds tip id ${id}`);
    for (const t of timesIn(raw)) if (dates(t) || (t % MINUTE !== 0 && offsetDates(t))) found.push(`email or log line ${i} holds ${new Date(t).toISOString()}`);
  }
  return found;
}

describe("metadata: no Redis key, job, stream entry, expiry, email or log line dates a tip", function () {
  this.timeout(420_000);
  let mailbox: Mailbox;
  let app: TestApp;
  let prefix = "";
  before(async () => {
    prefix = `${services().redisPrefix}-meta`;
    mailbox = await startMailbox();
    // The production schedule: one sweep a minute, on the minute. Triage deadline 72 s: the reminder comes at the
    // second sweep after the submissions, the escalation at the third.
    app = await startTestApp({
      env: { ...UNLIMITED, SWEEP_CRON: "* * * * *", REDIS_PREFIX: prefix, SMTP_URL: mailbox.url, PUBLIC_URL: "https://homthu.example.org", TRIAGE_DEADLINE_HOURS: "0.02" },
    });
  });
  after(async () => {
    await app?.stop();
    await mailbox?.stop();
    await deleteRedisPrefix(services().redisUrl, prefix);
  });

  it("when tips and a follow-up message are submitted mid-minute, then neither Redis, an email nor a log line holds a tip id or a time finer than the minute: while waiting, once routed, and after the deadline reminder", async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const { redisUrl } = services();

    // Second 20 of a minute that began after the app started (its start-up traces are on another minute).
    const startedMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
    await sleep(startedMinute + MINUTE + 20_000 - Date.now());
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;

    const receipts: string[] = [];
    for (const i of [1, 2]) {
      // The second with an Idempotency-Key: its replay claim and kept answer are searched too.
      const post = request(app.url).post("/api/v1/tips").set("X-Forwarded-For", clientAddress(7000 + i));
      const res = await (i === 2 ? post.set("Idempotency-Key", "metadata-test-tip-key-2") : post).send(aTip({ description: `Tin thứ ${i}: có người bán ma túy gần trường học.` }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      receipts.push(res.body.receipt as string);
    }
    const tipster = request.agent(app.url);
    assert.equal((await tipster.post("/api/v1/tipster/session").set("X-Forwarded-For", clientAddress(7003)).send({ receipt: receipts[0]!.replace(/ /g, "") })).status, 200);
    const message = await tipster
      .post("/api/v1/tipster/messages")
      .set("X-Forwarded-For", clientAddress(7003))
      .set("Idempotency-Key", "metadata-test-reply-key")
      .send({ text: "Thêm: họ thường đến lúc 7 giờ tối." });
    assert.equal(message.status, 201, JSON.stringify(message.body));
    const last = Date.now();
    assert.ok(last - minute < 35_000, `the requests stayed in the middle of the minute (${last - minute} ms in)`);
    const tipIds = (await app.ctx.database.pool.query<{ id: string }>("SELECT id FROM tips")).rows.map((r) => r.id);
    assert.equal(tipIds.length, 2);

    const check = async (when: string) => {
      const redis = await dumpRedis(redisUrl, prefix);
      const found = findDating(redis, [...mailbox.messages.map((m) => m.raw), ...app.logs], minute, last, tipIds);
      assert.deepEqual(found, [], `${when}: ${redis.length} keys, ${mailbox.messages.length} emails, ${app.logs.length} log lines`);
      return redis;
    };

    // 1. Waiting for the sweep. First, the search must be able to find something: a key written "now + 1 hour" is caught.
    const canary = new Redis(redisUrl);
    try {
      await canary.set(`${prefix}:canary`, String(Date.now()), "PX", 3_600_000);
      const caught = findDating(await dumpRedis(redisUrl, prefix), [], minute, last, tipIds).filter((f) => f.includes(":canary"));
      assert.equal(caught.length, 2, `the canary's value and expiry are caught: ${caught.join("; ")}`);
      await canary.del(`${prefix}:canary`);
    } finally {
      canary.disconnect();
    }
    const waiting = await check("while waiting for the sweep");
    assert.ok(waiting.some((d) => d.key.includes(":tsess:")), "sanity: the tipster's session is in the dump");
    assert.deepEqual((await app.ctx.database.pool.query("SELECT status FROM tips WHERE status <> 'received'")).rows, [], "no one has routed the tips yet");

    // 2. The next minute's sweep routes them, and the emails leave.
    await within(45_000, "both tips routed", async () => (await app.ctx.database.pool.query("SELECT 1 FROM tips WHERE status = 'assigned' AND assignee_id = $1", [liaison.id])).rowCount === 2, 250);
    await within(30_000, "the assignment emails", async () => mailbox.messages.filter((m) => m.to.includes(liaison.email)).length >= 2, 250);
    await check("right after routing");

    // 3. The deadline (72 s after the minute received) is reminded at the sweep after it.
    await within(120_000, "the deadline reminders", async () => (await Promise.all(tipIds.map((id) => notificationsAbout(app.ctx, id, "deadline_reminder")))).every((n) => n.length > 0), 500);
    await within(30_000, "the reminder emails", async () => mailbox.messages.filter((m) => m.to.includes(liaison.email)).length >= 4, 250);
    await check("after the deadline reminder");
    assert.ok(mailbox.messages.every((m) => /^Date: .* \d\d:\d\d:00 [+-]\d{4}\r?$/m.test(m.raw)), "every email's Date is on the minute");
  });
});
