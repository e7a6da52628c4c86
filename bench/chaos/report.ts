/**
 * The chaos run's table: one row per fault, its goal checked, and the notes
 * that explain a row (answers by status, requests that got none, crashes).
 */
import type { Ending } from "../children.js";
import type { Fault } from "./faults.js";
import type { Verdict } from "./ledger.js";
import type { ProbeTally } from "./probe.js";

export interface Row {
  fault: Fault;
  verdict: Verdict;
  /** Intake answers of 5xx (503 is expected while a store is down). */
  fiveXX: number;
  /** Answers of 500: intake, the liaison's inbox and /readyz. */
  five00: number;
  probed: ProbeTally;
  statuses: Record<string, number>;
  networkErrors: Record<string, number>;
  /** Tips first sent twice at once, and how many of those got two receipts (two tips). */
  doubleTaps: { sent: number; twoReceipts: number };
  crashes: string[];
  sigterm?: Ending;
  /** undefined: not recovered within the limit. */
  recoveredMs?: number;
  /** Its two parts: a 201 again, and the tips stored before the fault's end all routed. */
  acceptedAfterMs?: number;
  routedAfterMs?: number;
  /** SIGTERM: how long the web process took to exit. */
  exitedAfterMs?: number;
}

/** The goal: every 201 stored and assigned exactly once, nothing duplicated, no 500, no crash, SIGTERM exits 0, recovered. */
export function goalMet(r: Row): boolean {
  const v = r.verdict;
  return (
    v.lost === 0 &&
    v.assignedOnce === v.accepted &&
    v.duplicates === 0 &&
    r.five00 === 0 &&
    r.crashes.length === 0 &&
    (r.sigterm === undefined || (r.sigterm.code === 0 && r.sigterm.signal === null)) &&
    r.recoveredMs !== undefined
  );
}

const exit = (e?: Ending) => (e ? (e.signal ? e.signal : String(e.code)) : "—");
const seconds = (ms?: number) => (ms === undefined ? "**not recovered**" : `${(ms / 1000).toFixed(1)} s`);
const tally = (t: Record<string, number>) =>
  Object.entries(t)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} × ${n}`)
    .join(", ") || "none";

export function table(rows: Row[]): string {
  const head = "| fault | tips sent | 201 | cases stored | 201s assigned exactly once | lost | duplicates | 5xx to tips (500s anywhere) | crashes | SIGTERM exit | time to recover | goal met? |";
  const rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |";
  const lines = rows.map((r) => {
    const v = r.verdict;
    return `| ${r.fault.name} | ${v.sent} | ${v.accepted} | ${v.stored} | ${v.assignedOnce} | ${v.lost} | ${v.duplicates} | ${r.fiveXX} (${r.five00}) | ${r.crashes.length} | ${exit(r.sigterm)} | ${seconds(r.recoveredMs)} | ${goalMet(r) ? "yes" : "**no**"} |`;
  });
  return [head, rule, ...lines].join("\n");
}

export function markdown(header: string[], rows: Row[]): string {
  const notes = rows.map((r) => {
    const v = r.verdict;
    const lines = [
      `- **${r.fault.name}**: ${r.fault.how}. Intake answers: ${tally(r.statuses)}; no answer: ${tally(r.networkErrors)}.` +
        ` Double taps: ${r.doubleTaps.sent}, of which ${r.doubleTaps.twoReceipts} got two receipts.` +
        ` Once a second, /readyz: ${tally(r.probed.readyz)}; a liaison's inbox: ${tally(r.probed.staff)}.` +
        (v.unanswered ? ` ${v.unanswered} tip(s) stored whose sender never got the 201 (the connection was cut after the commit; their retries were still refused as "still sending" when they gave up).` : "") +
        ` Recovery: a 201 again after ${seconds(r.acceptedAfterMs)}, the backlog routed after ${seconds(r.routedAfterMs)}.` +
        (r.exitedAfterMs !== undefined ? ` The web process exited ${exit(r.sigterm)} ${seconds(r.exitedAfterMs)} after SIGTERM.` : "") +
        (v.unrouted ? ` ${v.unrouted} tip(s) not routed at the end.` : ""),
      ...r.crashes.map((c) => `  - crash: ${c.replace(/\n/g, " ⏎ ").slice(0, 600)}`),
    ];
    return lines.join("\n");
  });
  return [
    "# homthu chaos run",
    "",
    ...header.map((h) => `- ${h}`),
    "",
    table(rows),
    "",
    "Goal for every fault: every 201 stored and assigned exactly once after recovery (no tip lost, none stored or routed twice), 0 answers of 500 (to tips, to a liaison's inbox and on /readyz, probed once a second), 0 process crashes, SIGTERM exits 0. " +
      "A 503 (`not_ready`, with Retry-After) is the expected answer while a store is down. " +
      "Time to recover: from the kill (SIGKILL, SIGTERM: the process is started again at once, as a supervisor would) or from the end of the outage (PostgreSQL started again, Redis memory restored) " +
      "until a tip is accepted again and every tip stored before that moment has been routed.",
    "",
    ...notes,
    "",
  ].join("\n");
}
