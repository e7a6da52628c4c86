import { startTestApp, resetData, type TestApp } from "../support/app.js";
import { anAdministrator } from "../support/factories.js";
import { signedIn } from "../support/staffAgent.js";
describe("debug", function () {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app?.stop());
  it("x", async () => {
    await resetData(app);
    await anAdministrator(app.ctx);
    const a = await signedIn(app.url, "admin@example.org");
    for (const u of ["/staff/dashboard?period=2020-Q2", "/staff/reports/print?period=2020-Q2"]) {
      const r = await a.agent.get(u);
      console.log(u, r.status);
    }
    console.log(app.logs.filter((l) => l.includes("error")).map((l) => JSON.stringify(JSON.parse(l).err?.cause ?? JSON.parse(l).err?.stack?.slice(-600))).join("\n"));
  });
});
