/**
 * Read a V8 CPU profile (`node --cpu-prof`, or BENCH_CPU_PROF of the bench)
 * and print where the main thread spent its time: self time per function and
 * per area (a package under node_modules, Node's internals, homthu's own
 * files, garbage collection, idle).
 *
 *   npx tsx bench/profileReport.ts <file.cpuprofile> [--top 30] [--from 0.2 --to 0.5]
 *
 * --from/--to keep the samples of that part of the profile's duration (0..1),
 * to look at one bench phase. argon2 runs on libuv's thread pool, so it is not
 * in the main thread's profile: what is not idle here is the web process's
 * cost beyond its derivations.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds of samples in the window, idle included. */
  totalMs: number;
  idleMs: number;
  functions: { name: string; area: string; ms: number }[];
  areas: { area: string; ms: number }[];
}

/** The area a frame belongs to: the package, "node" for Node's internals, "homthu" for src/ and workers/. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === "(idle)") return "(idle)";
  if (functionName === "(garbage collector)") return "(garbage collector)";
  if (functionName === "(program)") return "(program)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:") || (url === "" && functionName !== "")) return "node";
  if (/\/(src|workers|config)\//.test(url)) return "homthu";
  return url === "" ? "(native)" : "other";
}

export function summarizeProfile(profile: CpuProfile, from = 0, to = 1): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const span = profile.endTime - profile.startTime;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const at = (t - profile.startTime) / span;
    if (at < from || at > to) continue;
    // The time until the next sample belongs to this one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + us);
  }
  const functions = new Map<string, { name: string; area: string; ms: number }>();
  const areas = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const ms = us / 1000;
    totalMs += ms;
    const area = areaOf(frame);
    if (area === "(idle)") {
      idleMs += ms;
      continue;
    }
    const file = frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(src|workers|config)\//, "$1/");
    const name = `${frame.functionName || "(anonymous)"} ${file ? `${file}:${frame.lineNumber + 1}` : ""}`.trim();
    const entry = functions.get(name) ?? { name, area, ms: 0 };
    entry.ms += ms;
    functions.set(name, entry);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  return {
    totalMs,
    idleMs,
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
    areas: [...areas.entries()].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms),
  };
}

export function printSummary(s: ProfileSummary, top: number, perItem?: { count: number; label: string }): string {
  const busy = s.totalMs - s.idleMs;
  const per = (ms: number) => (perItem ? ` · ${(ms / perItem.count).toFixed(2)} ms per ${perItem.label}` : "");
  const lines = [`main thread: ${busy.toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms sampled${per(busy)}`, "", "| area | self ms | share |", "| --- | --- | --- |"];
  for (const a of s.areas) lines.push(`| ${a.area} | ${a.ms.toFixed(0)} | ${((100 * a.ms) / busy).toFixed(1)}% |`);
  lines.push("", "| function | area | self ms | share |", "| --- | --- | --- | --- |");
  for (const f of s.functions.slice(0, top)) lines.push(`| ${f.name.replace(/\|/g, "\\|")} | ${f.area} | ${f.ms.toFixed(0)} | ${((100 * f.ms) / busy).toFixed(1)}% |`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "30" }, from: { type: "string", default: "0" }, to: { type: "string", default: "1" }, tips: { type: "string" } },
  });
  if (positionals.length !== 1) {
    process.stderr.write("usage: npx tsx bench/profileReport.ts <file.cpuprofile> [--top 30] [--from 0 --to 1] [--tips N]\n");
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(positionals[0]!, "utf8")) as CpuProfile;
  const summary = summarizeProfile(profile, Number(values.from), Number(values.to));
  process.stdout.write(`${printSummary(summary, Number(values.top), values.tips ? { count: Number(values.tips), label: "tip" } : undefined)}\n`);
}
