/** Mocha root hooks: one database and one Redis prefix for the whole run, removed at the end. */
import { setUpServices, tearDownServices } from "./services.js";

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    await setUpServices();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await tearDownServices();
  },
};
