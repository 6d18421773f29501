// Limits of the HTTP server's sockets, so that slow or piled-up connections cannot starve the others: a
// request's headers must arrive within `headersTimeoutMs` and the whole request within `requestTimeoutMs`
// (Slowloris), and connections are capped in total and per client, the client keyed as for rate limits.
import type { Server, ServerOptions } from "node:http";
import { addressKey } from "./client-address.ts";

export interface ConnectionLimits {
  /** A request's headers must be in within this (default 10,000 ms); Node checks about every second. */
  headersTimeoutMs?: number;
  /** The whole request, body included (default 30,000 ms). */
  requestTimeoutMs?: number;
  /** Open connections at most (default 4,096); beyond, new ones are closed at once. */
  maxConnections?: number;
  /**
   * Open connections per client (default 128; 0: no cap). Not applied behind a trusted proxy, whose connections
   * carry every client's requests.
   */
  connectionsPerClient?: number;
}

export const CONNECTION_DEFAULTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 4096, connectionsPerClient: 128 } as const;

/** Options for http.createServer: the timeouts, checked often enough to matter. */
export function serverOptions(limits: ConnectionLimits): ServerOptions {
  const headersTimeout = limits.headersTimeoutMs ?? CONNECTION_DEFAULTS.headersTimeoutMs;
  return {
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs ?? CONNECTION_DEFAULTS.requestTimeoutMs),
    // Node's default sweeps for expired requests every 30 s, which would let a slow connection live that long.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
  };
}

/** Caps the server's connections; `perClient` false behind a trusted proxy. */
export function capConnections(server: Server, limits: ConnectionLimits, perClient: boolean): void {
  server.maxConnections = limits.maxConnections ?? CONNECTION_DEFAULTS.maxConnections;
  const cap = perClient ? (limits.connectionsPerClient ?? CONNECTION_DEFAULTS.connectionsPerClient) : 0;
  if (cap <= 0) return;
  const open = new Map<string, number>();
  server.on("connection", (socket) => {
    const key = addressKey(socket.remoteAddress);
    const n = (open.get(key) ?? 0) + 1;
    if (n > cap) {
      socket.destroy();
      return;
    }
    open.set(key, n);
    socket.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
}
