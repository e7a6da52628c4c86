/**
 * A TCP proxy in front of the app that counts the bytes the browser sends up
 * (headers and bodies): what a phone really uploads, whether the page posts
 * by script or as a plain form.
 */
import net from "node:net";

export interface ByteCountingProxy {
  url: string;
  /** Bytes sent by the browser since the last reset. */
  sent(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function byteCountingProxy(target: string): Promise<ByteCountingProxy> {
  const { hostname, port } = new URL(target);
  let sent = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => (sent += chunk.length));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    sent: () => sent,
    reset: () => void (sent = 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
