/**
 * Notifications by email, against a real SMTP server: an email tells a staff
 * member only that a case needs attention, with a link — never the tip's
 * words, category or place, since a mailbox is read by more people than its
 * owner. People on the daily digest get urgent cases at once and the rest in
 * one email a day; with no SMTP server the notifications stay in the app.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { resetData, startTestApp, type TestApp } from "../support/app.js";
import { anAdministrator, aStaffMember, aTip } from "../support/factories.js";
import { startMailbox, type Mailbox, type ReceivedMail } from "../support/smtp.js";
import { deskOf, notificationsAbout, routed, submitAndFind, UNLIMITED, within } from "../support/caseDesk.js";
import { sendDigests } from "../../workers/processors/maintenance.js";
import { watchNotifyJobs, type JobOutcomes } from "../support/jobOutcomes.js";

const categoryNames = (code: string) =>
  ["vi", "en"].map((lang) => (JSON.parse(fs.readFileSync(new URL(`../../src/i18n/locales/${lang}.json`, import.meta.url), "utf8")) as { categories: Record<string, string> }).categories[code]!);

/** Every place in an email where a reader could find something: the raw message, its decoded body and subject. */
function assertNowhereIn(mail: ReceivedMail, needles: string[]) {
  for (const needle of needles) {
    assert.ok(needle.length >= 4, `a meaningful needle: ${needle}`);
    for (const [where, text] of Object.entries({ raw: mail.raw, body: mail.text, subject: mail.subject }))
      assert.ok(!text.toLowerCase().includes(needle.toLowerCase()), `the email's ${where} contains "${needle}"`);
  }
}

describe("email notifications", function () {
  this.timeout(60_000);
  let mailbox: Mailbox;
  let app: TestApp;
  let jobs: JobOutcomes;
  before(async () => {
    mailbox = await startMailbox();
    app = await startTestApp({ env: { ...UNLIMITED, SMTP_URL: mailbox.url, PUBLIC_URL: "https://homthu.example.org" } });
    jobs = await watchNotifyJobs(app.ctx);
  });
  after(async () => {
    await jobs?.close();
    await app?.stop();
    await mailbox?.stop();
  });
  beforeEach(async () => {
    await resetData(app);
    mailbox.messages.splice(0);
  });

  const mailsTo = (email: string) => mailbox.messages.filter((m) => m.to.includes(email));

  it("when a tip is routed, then the assignee gets an email with only a link — no words of the tip, no category, no commune, no location", async () => {
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831", "lien-lac-thu@example.org");
    const canary = `CANARY-${randomBytes(8).toString("hex")}`;
    const place = `Hẻm cạnh nhà thờ, ${`LOC-${randomBytes(6).toString("hex")}`}`;
    const tip = aTip({ category: "cultivation", communeCode: "28801", location: place, description: `Vườn cần sa sau nhà kho ${canary}, khoảng ba mươi cây.` });
    const id = await submitAndFind(app, tip);
    await routed(app.ctx, id);

    const mail = await mailbox.waitForMail((m) => m.to.includes(liaison.email), 10_000);
    const [assigned] = await notificationsAbout(app.ctx, id, "case_assigned");
    assert.ok(mail.text.includes(`https://homthu.example.org/staff/notifications/${assigned!.id}`), `the email links to the notification: ${mail.text}`);
    assert.ok(!mail.raw.includes(id), "the email does not name the case");
    const desk = await deskOf(app, liaison.email);
    const opened = await desk.get(`/staff/notifications/${assigned!.id}`);
    assert.equal(opened.status, 303);
    assert.equal(opened.headers.location, `/staff/cases/${id}`, "the link opens the case for its person");
    const other = await aStaffMember(app.ctx, "liaison", "832");
    const notMine = await (await deskOf(app, other.email)).get(`/staff/notifications/${assigned!.id}`);
    assert.equal(notMine.headers.location, "/staff/notifications", "someone else's notification opens nothing");
    assert.match(mail.subject, /attention|chú ý/);
    const tree = await app.ctx.units.tree();
    const district = tree.districts.find((d) => d.code === "831")!;
    const commune = district.communes.find((c) => c.code === "28801")!;
    assertNowhereIn(mail, [canary, place, place.split(", ")[1]!, "cultivation", ...categoryNames("cultivation"), commune.name, district.name, "Châu Thành", "cần sa"]);
    assert.ok(!mail.text.includes("28801") && !mail.subject.includes("28801"), "no commune code either");
    const emailed = await notificationsAbout(app.ctx, id, "case_assigned");
    assert.equal(emailed.length, 1);
    assert.ok(emailed[0]!.emailed_at, "the notification is marked as emailed");
    assert.equal(mailsTo(liaison.email).length, 1, "one email, not two");
  });

  it("when a liaison is on the daily digest, then a non-urgent case sends no email at once, an urgent one does, and the digest brings one email with the count", async () => {
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831", "lien-lac-tom-tat@example.org");
    await app.ctx.database.pool.query("UPDATE staff_users SET notify_mode = 'digest' WHERE id = $1", [liaison.id]);

    const quiet = await submitAndFind(app, aTip({ urgent: false }));
    await routed(app.ctx, quiet);
    const [notification] = await within(5_000, "the in-app notification", async () => {
      const n = await notificationsAbout(app.ctx, quiet, "case_assigned");
      return n.length > 0 ? n : undefined;
    });
    const decided = await within(10_000, "the notify job has run", async () => jobs.of(notification!.id));
    assert.equal(decided, "skipped");
    assert.equal(mailsTo(liaison.email).length, 0, "no instant email for a non-urgent case");

    const canary = `CANARY-${randomBytes(8).toString("hex")}`;
    const urgent = await submitAndFind(app, aTip({ urgent: true, description: `Sắp có giao dịch ma túy tối nay ở bến phà ${canary}.` }));
    const instant = await mailbox.waitForMail((m) => m.to.includes(liaison.email), 10_000);
    const [urgentNote] = await notificationsAbout(app.ctx, urgent, "case_assigned");
    assert.ok(instant.text.includes(urgentNote!.id), "the urgent case's notification link");
    assert.ok(!instant.text.includes(notification!.id), "not the quiet case's");
    assertNowhereIn(instant, [canary, "bến phà"]);

    assert.equal(await sendDigests(app.ctx), 1, "one person gets a digest");
    const digest = await within(10_000, "the digest email", async () => (mailsTo(liaison.email).length >= 2 ? mailsTo(liaison.email)[1] : undefined));
    assert.match(digest.text, /(^|\D)1 thông báo mới/, `the digest counts the one waiting notification: ${digest.text}`);
    assertNowhereIn(digest, [canary, quiet, urgent, ...categoryNames("cultivation")]);
    assert.equal((await notificationsAbout(app.ctx, quiet, "case_assigned"))[0]!.emailed_at !== null, true, "the digest marks what it reported");

    assert.equal(await sendDigests(app.ctx), 0, "nothing left for a second digest");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mailsTo(liaison.email).length, 2, "one instant email and one digest, nothing more");
  });
});

describe("notifications without email", function () {
  this.timeout(60_000);
  let app: TestApp;
  let jobs: JobOutcomes;
  before(async () => {
    app = await startTestApp({ env: UNLIMITED });
    jobs = await watchNotifyJobs(app.ctx);
  });
  after(async () => {
    await jobs?.close();
    await app?.stop();
  });

  it("when no SMTP server is configured, then the log says email is off and the notification waits in the app", async () => {
    assert.ok(app.logs.some((l) => l.includes("email is off")), "the log says email is off");
    await resetData(app);
    await anAdministrator(app.ctx);
    const liaison = await aStaffMember(app.ctx, "liaison", "831");
    const id = await submitAndFind(app, aTip());
    await routed(app.ctx, id);
    const desk = await deskOf(app, liaison.email);
    const listed = await within(5_000, "the in-app notification", async () => {
      const r = await desk.get("/api/v1/notifications");
      return (r.body.notifications as { caseId: string; kind: string; read: boolean }[]).find((n) => n.caseId === id);
    });
    assert.equal(listed.kind, "case_assigned");
    assert.equal(listed.read, false);
    // With email off no email job is even added (the routing batch and the sweeps skip them).
    await new Promise((r) => setTimeout(r, 2_500));
    const [n] = await notificationsAbout(app.ctx, id, "case_assigned");
    assert.equal(jobs.of(n!.id), undefined, "no email job");
    assert.equal(n!.emailed_at, null, "nothing is sent");
  });
});
