/**
 * Mocha hooks: the servers once per run (global setup and teardown, in mocha's
 * main process); one database and one Redis prefix per process — the whole
 * run when serial, each worker in parallel mode — and a search of everything
 * stored and logged for the canaries and tipster test addresses: at the end
 * of a serial run, after every file in parallel mode (root hooks run per file
 * there).
 */
import { closeSharedBrowser } from "./browser.js";
import { allLogs, registeredCanaries, TEST_ADDRESS } from "./canaries.js";
import { decodeHexRuns, dumpDatabase, dumpRedis, findEverywhere } from "./leakScan.js";
import { inParallelWorker, services, setUpServices, startServers, stopServers, tearDownServices } from "./services.js";

async function finalLeakCheck(): Promise<void> {
  const s = services();
  const dump = await dumpDatabase(s.databaseUrl);
  const places = { database: dump.text, "database bytes": decodeHexRuns(dump.text), redis: await dumpRedis(s.redisUrl, s.redisPrefix), logs: allLogs.join("\n") };
  const leaks: string[] = [];
  for (const marker of registeredCanaries()) for (const where of findEverywhere(marker, places)) leaks.push(`${marker} in ${where}`);
  for (const [where, text] of Object.entries(places)) {
    const m = (typeof text === "string" ? text : text.toString("latin1")).match(TEST_ADDRESS);
    if (m) leaks.push(`test address ${m[0]} in ${where}`);
  }
  if (leaks.length > 0) throw new Error(`identifying data found at the end of the run:\n  ${leaks.join("\n  ")}`);
}

export async function mochaGlobalSetup(): Promise<void> {
  await startServers();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopServers();
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    await setUpServices();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await closeSharedBrowser();
    try {
      await finalLeakCheck();
    } finally {
      // A parallel worker keeps its database for its next file; stopServers drops it at the end of the run.
      if (!inParallelWorker()) await tearDownServices();
    }
  },
};
