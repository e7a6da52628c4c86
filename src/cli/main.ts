/** `npm run cli -- …`: run one command, print one line, exit 0 — or exit 1 with one readable line. */
import { runCli } from "./index.js";

runCli(process.argv.slice(2)).then(
  (message) => {
    process.stdout.write(`${message}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`homthu: ${message.replace(/\s*\n\s*/g, " ")}\n`);
    process.exit(1);
  },
);
