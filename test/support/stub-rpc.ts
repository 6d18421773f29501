// A scripted JSON-RPC server on node:http for exercising the client's failure handling byte by byte.
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Reply =
  | { result: unknown }
  | { error: { code: number; message: string } }
  | { status: number; headers?: Record<string, string>; body?: string }
  | { raw: string } // HTTP 200 with this exact body
  | "reset" // destroy the socket without answering
  | "hang" // never answer
  | "truncated"; // promise a body, send part of it, then drop the connection

export interface StubRequest {
  id: unknown;
  method: string;
  params: unknown;
  headers: IncomingHttpHeaders;
  path: string;
}

export interface StubServer {
  url: string;
  requests: StubRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startStub(reply: (req: StubRequest) => Reply | Promise<Reply>): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as { id: unknown; method: string; params?: unknown };
    const request = { id: body.id, method: body.method, params: body.params, headers: req.headers, path: req.url ?? "" };
    requests.push(request);
    const r = await reply(request);
    if (r === "hang") return;
    if (r === "reset") {
      req.socket.destroy();
      return;
    }
    if (r === "truncated") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(body.id)},"result":{"lat`);
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    if ("status" in r) {
      res.writeHead(r.status, { "content-type": "text/plain", ...r.headers });
      res.end(r.body ?? "");
      return;
    }
    const payload = "raw" in r ? r.raw : JSON.stringify({ jsonrpc: "2.0", id: body.id, ...r });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(payload);
  });
  server.on("connection", (socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Replies in order; the last one repeats. */
export function script(...replies: Reply[]): () => Reply {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)]!;
}
