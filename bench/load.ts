/**
 * The in-process load generator: `concurrency` clients, each sending one tip
 * after the other (a closed loop) over its own keep-alive connection, for a
 * fixed time or a fixed number of tips. Every tip is valid JSON for a real
 * district and commune, and comes from a different X-Forwarded-For address
 * (the web role trusts loopback proxies), as a burst from many phones would.
 * Like wrk, it prepares its requests: the bodies are drawn from a set made
 * before the clock starts, and a tip's bytes are that body behind a head with
 * the tip's own address (the app needs nothing else to differ).
 */
import { randomInt } from "node:crypto";
import { RawConnection, type HttpClient } from "./client.js";
import { interrupted, now } from "./measure.js";

export interface Place {
  districtCode: string;
  communeCode: string;
}

export interface Accepted {
  receipt: string;
  /** Wall-clock time (Date.now()) the 201 arrived, to compare with times taken in other processes. */
  at: number;
}

export interface LoadResult {
  /** Latency of every 201, in milliseconds. */
  latencies: number[];
  accepted: Accepted[];
  /** Anything but a 201, counted by status (or error code). */
  failures: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
}

const CATEGORIES = ["selling", "using", "storage", "cultivation", "luring_minors", "help_request", "other"];
const WORDS = ["người lạ", "bán", "thuốc", "gần cổng trường", "buổi tối", "xe máy", "quán nước", "hẻm", "nhiều lần", "học sinh", "đưa cho", "túi nhỏ"];

/** A valid tip for `place`; `marker` (the chaos run's label of one submission) ends its description. */
export function tipBody(place: Place, marker = ""): Record<string, unknown> {
  const words = Array.from({ length: 12 + randomInt(30) }, () => WORDS[randomInt(WORDS.length)]).join(" ");
  return {
    category: CATEGORIES[randomInt(CATEGORIES.length)],
    districtCode: place.districtCode,
    communeCode: place.communeCode,
    description: `Tôi thấy ${words}.${marker ? ` ${marker}` : ""}`,
    location: randomInt(2) ? `Ấp ${1 + randomInt(9)}` : undefined,
    urgent: randomInt(10) === 0,
  };
}

/** A random client address, sent as X-Forwarded-For (the web role trusts loopback proxies). */
export const address = () => `10.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`;

/** Tip requests up to their last header: a set of bodies for random places, each with its head. */
function preparedTips(host: string, places: Place[], count = 256): { head: Buffer; body: Buffer }[] {
  return Array.from({ length: count }, () => {
    const body = Buffer.from(JSON.stringify(tipBody(places[randomInt(places.length)]!)));
    const head = `POST /api/v1/tips HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
    return { head: Buffer.from(head, "latin1"), body };
  });
}

/** Submit tips until `durationMs` has passed or `count` tips were sent, whichever is given. */
export async function submitTips(client: HttpClient, opts: { concurrency: number; places: Place[]; durationMs?: number; count?: number }): Promise<LoadResult> {
  const result: LoadResult = { latencies: [], accepted: [], failures: {}, elapsedMs: 0, perSecond: 0 };
  const requests = preparedTips(client.host, opts.places);
  const connections = await Promise.all(Array.from({ length: opts.concurrency }, () => RawConnection.open(client.host)));
  const start = now();
  const until = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : start + opts.durationMs;
  let left = opts.count ?? Number.POSITIVE_INFINITY;
  const one = async (lane: number) => {
    const { head, body } = requests[randomInt(requests.length)]!;
    const t = now();
    try {
      const reply = await connections[lane]!.send(Buffer.concat([head, Buffer.from(`X-Forwarded-For: ${address()}\r\n\r\n`, "latin1"), body]));
      const latency = now() - t;
      if (reply.status === 201) {
        result.latencies.push(latency);
        result.accepted.push({ receipt: (JSON.parse(reply.body) as { receipt: string }).receipt, at: Date.now() });
      } else result.failures[String(reply.status)] = (result.failures[String(reply.status)] ?? 0) + 1;
    } catch (err) {
      const code = (err as { code?: string }).code ?? "error";
      result.failures[code] = (result.failures[code] ?? 0) + 1;
      // The connection is gone: the lane goes on over a new one (or fails again, and is counted again).
      connections[lane]!.close();
      connections[lane] = await RawConnection.open(client.host).catch(() => connections[lane]!);
    }
  };
  const loop = async (lane: number) => {
    while (now() < until && left > 0 && !interrupted.signal.aborted) {
      left--;
      await one(lane);
    }
  };
  try {
    await Promise.all(connections.map((_, lane) => loop(lane)));
  } finally {
    for (const c of connections) c.close();
  }
  result.elapsedMs = now() - start;
  result.perSecond = (result.latencies.length * 1000) / result.elapsedMs;
  return result;
}
