// Tiny loopback HTTP servers for the bad-input and secrets tests: endpoints that are not a Stellar RPC,
// a tripwire that records any request it gets, and a recording proxy in front of the simulator.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface SeenRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client's port on 127.0.0.1 (which process sent it: see socket-owner.ts). */
  remotePort: number;
  /** True once the client's connection has closed (a client that died or gave up on the request). */
  gone(): boolean;
}

export interface LocalServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

/** A server on 127.0.0.1 that records every request (body included) and lets `handler` answer it. */
export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    // Decoded as one stream: a UTF-8 character split between two chunks must not turn into U+FFFD (a signed
    // webhook body would then fail verification).
    req.setEncoding("utf8");
    for await (const chunk of req) body += chunk;
    const socket = req.socket;
    const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, remotePort: socket.remotePort ?? 0, gone: () => socket.destroyed };
    requests.push(seen);
    try {
      await handler(seen, res);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with this status, content type and body. */
export function fixedReply(status: number, contentType: string, body: string): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  };
}

/** What the proxy does with one request, given its JSON-RPC method. */
export type Intercept =
  | "pass"
  | "reset" // destroy the connection without answering
  | { status: number; body: string; contentType?: string }; // answer this instead of the upstream

/**
 * Forwards every request to `target` (the simulator) with its path and query dropped, recording what the
 * client sent: the tests can check that credentials in the RPC URL did reach the server (as HTTP Basic auth
 * and the query string) while never reaching the output. `intercept` may answer a request itself instead:
 * an RPC going down mid-run, or a provider whose error pages echo the credentials back; or hold it (a promise)
 * until the test lets it through.
 */
export function proxyTo(target: string, intercept: (method: string, req: SeenRequest) => Intercept | Promise<Intercept> = () => "pass"): Handler {
  const t = new URL(target);
  return async (req, res) => {
    let method = "";
    try {
      method = String((JSON.parse(req.body) as { method?: unknown }).method);
    } catch {
      // not JSON: forwarded as it is
    }
    const action = await intercept(method, req);
    if (action === "reset") {
      res.socket?.destroy();
      return;
    }
    if (action !== "pass") {
      res.writeHead(action.status, { "content-type": action.contentType ?? "text/plain" });
      res.end(action.body);
      return;
    }
    await new Promise<void>((resolve) => {
      const upstream = httpRequest(
        { host: t.hostname, port: t.port, path: "/", method: req.method, headers: { "content-type": "application/json" } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, { "content-type": up.headers["content-type"] ?? "application/json" });
          up.pipe(res);
          up.on("end", resolve);
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
        resolve();
      });
      upstream.end(req.body);
    });
  };
}

/** A loopback port nothing listens on (it was free a moment ago): a server that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
