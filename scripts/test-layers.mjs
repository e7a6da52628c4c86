// `npm test`: the three test layers (unit, integration, e2e; .mocharc.<layer>.json), each timed.
// The unit layer runs first; then the integration and e2e layers run at the same time (each in
// parallel mode, with its own databases and Redis key prefixes): most of their time is spent
// waiting for sweeps, deadlines, child processes and Chromium, not on the CPU. Each layer's output
// is printed whole when it ends, so two layers never interleave. `--serial` runs them one after
// the other, with their output as it comes. Every layer runs even when one before it failed, so one
// run shows everything; the exit code is 1 if any did. `npm test -- unit e2e` runs only the
// layers named.
import { spawn } from "node:child_process";

const all = ["unit", "integration", "e2e"];
const args = process.argv.slice(2);
const asked = args.filter((a) => all.includes(a));
const layers = asked.length > 0 ? asked : all;
const serial = args.includes("--serial");

function run(layer, buffered) {
  const t0 = Date.now();
  const child = spawn(process.execPath, ["node_modules/mocha/bin/mocha.js", "--config", `.mocharc.${layer}.json`], { stdio: buffered ? ["ignore", "pipe", "pipe"] : "inherit" });
  const chunks = [];
  if (buffered) {
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => chunks.push(c));
  }
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const seconds = (Date.now() - t0) / 1000;
      if (buffered) process.stdout.write(`\n===== ${layer} (${seconds.toFixed(1)} s) =====\n${Buffer.concat(chunks).toString("utf8")}`);
      resolve({ layer, ok: code === 0, seconds });
    });
  });
}

const t0 = Date.now();
const results = [];
if (layers.includes("unit")) results.push(await run("unit", false));
const rest = layers.filter((l) => l !== "unit");
if (serial || rest.length < 2) {
  for (const layer of rest) results.push(await run(layer, false));
} else {
  process.stdout.write(`\nrunning ${rest.join(" and ")} at the same time; each prints its report when it ends\n`);
  results.push(...(await Promise.all(rest.map((layer) => run(layer, true)))));
}
const wall = (Date.now() - t0) / 1000;
process.stdout.write("\ntest layers:\n");
for (const r of results) process.stdout.write(`  ${r.layer.padEnd(12)} ${r.ok ? "passed" : "FAILED"}  ${r.seconds.toFixed(1)} s\n`);
process.stdout.write(`  ${"total".padEnd(12)} ${results.every((r) => r.ok) ? "passed" : "FAILED"}  ${wall.toFixed(1)} s (wall clock)\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
