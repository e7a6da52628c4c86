// `npm test`: the three test layers one after the other (unit, integration,
// e2e; .mocharc.<layer>.json), each timed. Every layer runs even when one
// before it failed, so one run shows everything; the exit code is 1 if any did.
// `npm test -- unit e2e` runs only the layers named.
import { spawnSync } from "node:child_process";

const all = ["unit", "integration", "e2e"];
const asked = process.argv.slice(2).filter((a) => all.includes(a));
const layers = asked.length > 0 ? asked : all;
const results = [];
for (const layer of layers) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["node_modules/mocha/bin/mocha.js", "--config", `.mocharc.${layer}.json`], { stdio: "inherit" });
  results.push({ layer, ok: r.status === 0, seconds: (Date.now() - t0) / 1000 });
}
process.stdout.write("\ntest layers:\n");
for (const r of results) process.stdout.write(`  ${r.layer.padEnd(12)} ${r.ok ? "passed" : "FAILED"}  ${r.seconds.toFixed(1)} s\n`);
process.stdout.write(`  ${"total".padEnd(12)} ${results.every((r) => r.ok) ? "passed" : "FAILED"}  ${results.reduce((n, r) => n + r.seconds, 0).toFixed(1)} s\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
