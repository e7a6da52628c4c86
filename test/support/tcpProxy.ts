/**
 * A TCP proxy between the browser and the app, standing in for a phone's
 * link: it counts the bytes the browser sends up (headers and bodies, whether
 * the page posts by script or as a plain form) and can drop the connection
 * in the middle of the next answer, after the server has done its work.
 */
import net from "node:net";

export interface TcpProxy {
  url: string;
  /** Bytes sent by the browser since the last reset. */
  sent(): number;
  reset(): void;
  /** The next answer passes its headers and a few body bytes, then the connection is cut. */
  dropNextAnswer(): void;
  close(): Promise<void>;
}

export async function tcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  let sent = 0;
  let dropNext = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", cut);
    }
    client.on("data", (chunk: Buffer) => (sent += chunk.length));
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      const headersEnd = chunk.indexOf("\r\n\r\n");
      if (!dropNext || headersEnd < 0) return void client.write(chunk);
      dropNext = false;
      client.write(chunk.subarray(0, headersEnd + 14), cut);
    });
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    sent: () => sent,
    reset: () => void (sent = 0),
    dropNextAnswer: () => void (dropNext = true),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
