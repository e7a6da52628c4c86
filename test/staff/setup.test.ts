/**
 * Launch-day setup: the administrator's checklist shows every missing piece
 * (districts without a liaison, police units without members, PUBLIC_URL,
 * email, an untested recovery key, the public figures page, the tree in use),
 * the recovery key can be tested (audited), the administrative tree can be
 * switched only before the first tip; the sign-in page and the start-up log
 * say how to create the first administrator; the favicon answers; staff pages
 * carry neither the quick exit nor the public footer.
 */
import assert from "node:assert/strict";
import request from "supertest";
import { FIRST_ADMIN_HINT } from "../../src/commands/bootstrapper.js";
import { isPrivateHost, isPublicUrl } from "../../src/setup/publicAddress.js";
import { useTestApp, startTestApp, resetData } from "../support/app.js";
import { aStaffMember, anAdministrator, aTip } from "../support/factories.js";
import { signIn } from "../support/accountsApi.js";
import { aPoliceOfficer, aPoliceUnit, submitAndFind, UNLIMITED } from "../support/caseDesk.js";

describe("setup checklist and first start", function () {
  this.timeout(120_000);
  const app = useTestApp({ env: UNLIMITED });
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => app.ctx.database.pool.query<T>(text, params).then((r) => r.rows);

  before(async () => {
    await resetData(app);
  });

  it("tells loopback, private and local addresses from public ones", () => {
    for (const h of ["localhost", "127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.20", "169.254.1.1", "100.64.0.9", "::1", "[::1]", "fd00::1", "fe80::1", "::ffff:192.168.0.1", "homthu.local", "server", "app.internal"])
      assert.equal(isPrivateHost(h), true, h);
    for (const h of ["homthu.bentre.gov.vn", "8.8.8.8", "2001:4860::8888", "abcdefghijklmnop.onion"]) assert.equal(isPrivateHost(h), false, h);
    assert.equal(isPublicUrl("https://homthu.bentre.gov.vn"), true);
    assert.equal(isPublicUrl("http://127.0.0.1:3000"), false);
    assert.equal(isPublicUrl("ftp://homthu.bentre.gov.vn"), false);
    assert.equal(isPublicUrl(undefined), false);
  });

  it("when no administrator exists, then the sign-in page says how to create one, and a web start-up against that database logs it once", async () => {
    const login = await request(app.url).get("/staff/login");
    assert.equal(login.status, 200);
    assert.match(login.text, /id="first-admin"[\s\S]*npm run cli -- bootstrap --email/);
    const web = await startTestApp({ role: "web", env: UNLIMITED });
    try {
      const hints = web.logs.filter((l) => l.includes("no administrator exists yet"));
      assert.equal(hints.length, 1, web.logs.join("\n"));
      assert.ok(hints[0]!.includes(FIRST_ADMIN_HINT.slice(0, 40)));
    } finally {
      await web.stop();
    }
    await anAdministrator(app.ctx, "admin.setup@example.org");
    const after = await request(app.url).get("/staff/login");
    assert.ok(!after.text.includes('id="first-admin"'), "once an administrator exists the hint is gone");
  });

  it("when staff open the sign-in page, then it has no quick exit and no public footer, and /favicon.ico answers", async () => {
    const login = await request(app.url).get("/staff/login");
    assert.ok(!login.text.includes('class="quick-exit"'));
    assert.ok(!login.text.includes('class="site-footer"'));
    const home = await request(app.url).get("/");
    assert.ok(home.text.includes('class="quick-exit"'), "the public pages keep it");
    const icon = await request(app.url).get("/favicon.ico");
    assert.equal(icon.status, 200);
    assert.equal(icon.headers["content-type"], "image/x-icon");
    assert.deepEqual([...icon.body.subarray(0, 4)], [0, 0, 1, 0], "an ICO file");
  });

  it("when setup is missing, then the checklist names every missing piece, and each item turns done once fixed", async () => {
    const admin = await signIn(app, "admin.setup@example.org");
    let page = (await admin.agent.get("/staff/setup")).text;
    assert.match(page, /Đã xong 0\/6 việc/);
    assert.match(page, /id="check-liaisons"[^]*?9 địa bàn chưa có cán bộ Đoàn phụ trách/);
    assert.match(page, /id="check-police"[^]*?Chưa có đơn vị công an nào/);
    assert.match(page, /id="check-public-url"[^]*?Chưa đặt PUBLIC_URL/);
    assert.match(page, /id="check-email"[^]*?Chưa bật email/);
    assert.match(page, /id="check-recovery"[^]*?Chưa ai thử khóa khôi phục/);
    assert.match(page, /id="check-figures"[^]*?Trang số liệu công khai đang tắt/);
    assert.match(page, /id="check-tree"[^]*?Bến Tre 2019 \(trước ngày 01\/02\/2020\), 164 xã, phường, thị trấn;\s*9 huyện, thành phố\./);
    const home = (await admin.agent.get("/staff")).text;
    assert.match(home, /Chuẩn bị hệ thống \(0\/6\)/);

    await aStaffMember(app.ctx, "liaison", "831");
    const unit = await aPoliceUnit(app.ctx, admin.user.id, "Công an huyện Châu Thành");
    page = (await admin.agent.get("/staff/setup")).text;
    assert.match(page, /8 địa bàn chưa có cán bộ/);
    assert.ok(!/8 địa bàn chưa có cán bộ[^<]*Huyện Châu Thành/.test(page), "Châu Thành has its liaison");
    assert.match(page, /1 đơn vị công an chưa có thành viên[^<]*Công an huyện Châu Thành/);
    await aPoliceOfficer(app.ctx, unit);
    page = (await admin.agent.get("/staff/setup")).text;
    assert.match(page, /Mọi đơn vị công an đều có thành viên/);

    const config = app.ctx.config as { publicUrl?: string; mail: { smtpUrl?: string } };
    config.publicUrl = "http://192.168.1.5:3000";
    assert.match((await admin.agent.get("/staff/setup")).text, /PUBLIC_URL \(http:\/\/192\.168\.1\.5:3000\) là địa chỉ nội bộ/);
    config.publicUrl = "https://homthu.example.org";
    config.mail.smtpUrl = "smtp://127.0.0.1:2525";
    page = (await admin.agent.get("/staff/setup")).text;
    assert.match(page, /Địa chỉ công khai: https:\/\/homthu\.example\.org/);
    assert.match(page, /Email đã bật/);
    config.publicUrl = undefined;
    config.mail.smtpUrl = undefined;

    const tested = await admin.agent.post("/staff/setup/recovery-test").type("form").send({ _csrf: admin.csrf });
    assert.equal(tested.status, 303);
    page = (await admin.agent.get(tested.headers.location!)).text;
    assert.match(page, /Khóa khôi phục mở được/);
    assert.match(page, /Khóa khôi phục đã được thử lúc \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
    assert.equal((await sql("SELECT 1 FROM audit_log WHERE action = 'recovery.tested'")).length, 1);
  });

  it("when a second administrator does not hold the recovery key, then the test is refused with a message, not a 500", async () => {
    await aStaffMember(app.ctx, "admin", null, "admin2.setup@example.org");
    const other = await signIn(app, "admin2.setup@example.org");
    const page = (await other.agent.get("/staff/setup")).text;
    assert.match(page, /Bạn không giữ khóa khôi phục/);
    const refused = await other.agent.post("/staff/setup/recovery-test").type("form").send({ _csrf: other.csrf });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /role="alert"/);
  });

  it("when the administrator switches the tree before the first tip, then the 2025 communes without districts are used; after a tip, switching is refused", async () => {
    const admin = await signIn(app, "admin.setup@example.org");
    const bad = await admin.agent.post("/staff/setup/units").type("form").send({ _csrf: admin.csrf, tree: "../../etc/passwd" });
    assert.equal(bad.status, 400);
    const to2025 = await admin.agent.post("/staff/setup/units").type("form").send({ _csrf: admin.csrf, tree: "vinh-long-2025-ben-tre" });
    assert.equal(to2025.status, 303);
    const page = (await admin.agent.get(to2025.headers.location!)).text;
    assert.match(page, /Đã đổi danh mục địa giới/);
    assert.match(page, /Tỉnh Vĩnh Long từ 01\/07\/2025 \(các xã, phường của Bến Tre cũ\), 48 xã, phường, thị trấn;\s*không có cấp huyện\./);
    const tree = await app.ctx.units.tree();
    assert.equal(tree.hasDistricts, false);
    assert.equal(tree.province?.name, "Tỉnh Vĩnh Long");
    const [row] = await sql<{ subject_id: string }>("SELECT subject_id FROM audit_log WHERE action = 'units.switched'");
    assert.equal(row?.subject_id, "vinh-long-2025-ben-tre");

    const back = await admin.agent.post("/staff/setup/units").type("form").send({ _csrf: admin.csrf, tree: "ben-tre-2019" });
    assert.equal(back.status, 303);
    await submitAndFind(app, aTip());
    const refused = await admin.agent.post("/staff/setup/units").type("form").send({ _csrf: admin.csrf, tree: "ben-tre-2020" });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /Đã có tin báo nên không đổi danh mục địa giới được/);
    assert.equal((await app.ctx.units.tree()).communeDistrict.size, 164, "the 2019 tree stays");
    assert.ok(!(await admin.agent.get("/staff/setup")).text.includes('action="/staff/setup/units'), "no switch form once a tip exists");
  });

  it("when a liaison asks for the setup page, then it is refused", async () => {
    const liaison = await aStaffMember(app.ctx, "liaison", "832", "liaison.setup@example.org");
    const desk = await signIn(app, liaison.email);
    assert.equal((await desk.agent.get("/staff/setup")).status, 403);
    assert.equal((await desk.agent.post("/staff/setup/units").type("form").send({ _csrf: desk.csrf, tree: "ben-tre-2020" })).status, 403);
  });
});
