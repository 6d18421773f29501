// HTTP as an attacker sends it: from a chosen loopback address (127.0.0.2 is another client than 127.0.0.1 on
// Linux), with any Host and X-Forwarded-For, and half-open connections that never finish their headers.
import http from "node:http";
import net from "node:net";

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function rawGet(
  url: string,
  options: { headers?: Record<string, string>; localAddress?: string; agent?: http.Agent } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: options.headers ?? {}, localAddress: options.localAddress, agent: options.agent ?? false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** Milliseconds a fresh GET of `url` takes to answer 200 (throws on anything else). */
export async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const reply = await rawGet(url);
  if (reply.status !== 200) throw new Error(`${url} answered ${reply.status}`);
  return performance.now() - started;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface SlowConnections {
  /** Connections the server has closed so far. */
  closed(): number;
  /** Connections that reached the server and still hang. */
  open(): number;
  destroy(): void;
}

/**
 * `count` connections from `localAddress`, each sending the start of a request and never its end (Slowloris).
 * Resolves once every connection is established or refused.
 */
export async function slowConnections(port: number, count: number, localAddress: string): Promise<SlowConnections> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect({ host: "127.0.0.1", port, localAddress });
          sockets.push(s);
          s.resume(); // read what the server sends (a 408), or its end would never be seen
          s.on("connect", () => {
            s.write("GET /api/status HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
            resolve();
          });
          s.on("error", () => resolve());
          s.on("close", () => {
            closed++;
            resolve();
          });
        }),
    ),
  );
  return {
    closed: () => closed,
    open: () => sockets.length - closed,
    destroy: () => sockets.forEach((s) => s.destroy()),
  };
}
