/**
 * Free TCP ports on 127.0.0.1 for the servers a test starts itself (its own
 * Redis, PostgreSQL or app process), so the shared 5432 and 6379 are never used.
 */
import net from "node:net";

/** A port that is free right now, chosen by the system. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free port at 62000 or above: outside Linux's ephemeral range (32768–60999),
 * so no outgoing connection takes it between this check and a server restarting
 * on it; never the development Redis port 63790.
 */
export async function freeHighPort(): Promise<number> {
  for (;;) {
    const port = 62000 + Math.floor(Math.random() * 3000);
    if (port === 63790) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
