// HTTP + JSON-RPC 2.0 framing (node:http, keep-alive), per-method counters, latency and faults.
// Method semantics live in ./methods; this module only moves requests and responses.

import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { SimChain } from "./chain.ts";
import { FaultInjector, type FaultKind, type FaultOptions } from "./faults.ts";
import { MAX_EVENTS_LIMIT } from "./methods/get-events.ts";
import { MAX_LEDGERS_LIMIT } from "./methods/get-ledgers.ts";
import { METHODS, type MethodContext } from "./methods/index.ts";
import { chainAt } from "./node-view.ts";
import { requestedEntries } from "./requested-entries.ts";
import { Rng } from "./rng.ts";
import { RpcError } from "./rpc-error.ts";

const MAX_BODY = 16 * 1024 * 1024;

type JsonRpcId = string | number | null;
interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface ServerOptions extends MethodContext {
  latencyMs?: number;
  faults?: FaultOptions;
  /** Nodes behind a load balancer: each request lands on a node 0..lbLag ledgers behind the newest. */
  lbLag?: number;
  /** Seeds the load balancer's choice of node (default 1). */
  lbSeed?: number;
  /** Methods this provider does not serve (-32601), e.g. ["getLedgers"]. */
  withoutMethods?: string[];
}

/** Told of each JSON-RPC request before it is answered: method, and how many of that method came before it + 1. */
export type RequestHook = (method: string, count: number) => void;

export class SimServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hanging = new Set<http.ServerResponse>();
  private counts: Record<string, number> = {};
  private faults: FaultInjector | undefined;
  private latencyMs: number;
  private closed = false;
  private readonly methodContext: MethodContext;
  private lbLag = 0;
  private readonly lbRng: Rng;
  private hook: RequestHook | undefined;
  private readonly withoutMethods: Set<string>;

  constructor(
    private readonly chain: SimChain,
    opts: ServerOptions = {},
  ) {
    this.latencyMs = opts.latencyMs ?? 0;
    this.methodContext = { ledgersFromDatastore: opts.ledgersFromDatastore };
    this.setMaxEventsLimit(opts.maxEventsLimit);
    this.lbRng = new Rng(opts.lbSeed ?? 1);
    this.withoutMethods = new Set(opts.withoutMethods ?? []);
    this.setLoadBalancerLag(opts.lbLag ?? 0);
    this.setMaxLedgersLimit(opts.maxLedgersLimit);
    this.setFaults(opts.faults);
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.onRequest(req, res));
    // Clients keep connections open between polls; do not drop them sooner than a browser would.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  listen(port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        const { port: p } = this.server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${p}/`);
      });
    });
  }

  counters(): Record<string, number> {
    return { ...this.counts };
  }

  resetCounters(): void {
    this.counts = {};
  }

  setFaults(f: FaultOptions | undefined): void {
    this.faults = f && f.rate > 0 ? new FaultInjector(f) : undefined;
  }

  /** 0: one node. n: each request lands on a node 0..n ledgers behind the newest, chosen at random (seeded). */
  setLoadBalancerLag(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`lbLag ${n}`);
    this.lbLag = n;
    // A lagging node answers contract reads from its own, older state.
    this.chain.keepVersions(n);
  }

  setRequestHook(hook: RequestHook | undefined): void {
    this.hook = hook;
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** undefined restores stellar-rpc's default (10,000). */
  setMaxEventsLimit(limit: number | undefined): void {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new RangeError(`maxEventsLimit ${limit}`);
    this.methodContext.maxEventsLimit = limit ?? MAX_EVENTS_LIMIT;
  }

  /** undefined restores stellar-rpc's default (200). */
  setMaxLedgersLimit(limit: number | undefined): void {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new RangeError(`maxLedgersLimit ${limit}`);
    this.methodContext.maxLedgersLimit = limit ?? MAX_LEDGERS_LIMIT;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await done;
  }

  // ---------- request path ----------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== "POST") {
      res.writeHead(405, { "Content-Type": "text/plain", Allow: "POST" }).end("method not allowed\n");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (size <= MAX_BODY) this.handleBody(Buffer.concat(chunks).toString("utf8"), req, res);
    });
  }

  private handleBody(body: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    let parsed: unknown;
    let parseFailed = false;
    try {
      parsed = JSON.parse(body);
    } catch {
      parseFailed = true;
    }
    const methods = parseFailed ? ["(parse error)"] : methodNames(parsed);
    for (const m of methods) {
      this.counts[m] = (this.counts[m] ?? 0) + 1;
      this.hook?.(m, this.counts[m]);
    }

    const fault = this.faults?.pick(methods, () => (Array.isArray(parsed) ? parsed : [parsed]).flatMap((r) => requestedEntries(this.chain, r)));
    if (fault && fault !== "truncated" && fault !== "slow") {
      this.applyFault(fault, parsed, req, res);
      return;
    }
    const payload = parseFailed
      ? errorResponse(null, -32700, "parse error: request body is not valid JSON")
      : this.dispatch(parsed, this.node());
    let text = payload === undefined ? "" : JSON.stringify(payload);
    if (fault === "truncated") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    const delay = this.latencyMs + (fault === "slow" ? (this.faults?.slowMs ?? 0) : 0);
    this.later(delay, () => {
      if (payload === undefined) {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
    });
  }

  private applyFault(kind: FaultKind, parsed: unknown, req: http.IncomingMessage, res: http.ServerResponse): void {
    const id = !Array.isArray(parsed) && parsed && typeof parsed === "object" ? ((parsed as { id?: JsonRpcId }).id ?? null) : null;
    switch (kind) {
      case "reset":
        req.socket.destroy();
        return;
      case "hang":
        this.hanging.add(res);
        res.on("close", () => this.hanging.delete(res));
        return;
      case "http429":
        return this.later(this.latencyMs, () => plain(res, 429, "Too Many Requests\n", { "Retry-After": "1" }));
      case "http503":
        return this.later(this.latencyMs, () => plain(res, 503, "Service Unavailable\n"));
      case "http504":
        return this.later(this.latencyMs, () => plain(res, 504, "Gateway Timeout\n"));
      case "rpc32001":
        return this.later(this.latencyMs, () => json(res, errorResponse(id, -32001, "request timed out: server is overloaded")));
      case "rpc32003":
        return this.later(this.latencyMs, () => json(res, errorResponse(id, -32003, "request rejected: rate limit exceeded")));
      case "rpc32602":
        return this.later(this.latencyMs, () => json(res, errorResponse(id, -32602, "invalid parameters: request refused by the provider")));
      default:
        return;
    }
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    if (ms <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** The chain as the node this request landed on sees it. */
  private node(): SimChain {
    if (this.lbLag === 0) return this.chain;
    const lag = this.lbRng.int(0, this.lbLag);
    return chainAt(this.chain, Math.max(this.chain.firstLedger, this.chain.latestLedger - lag));
  }

  /** A single request or a batch; undefined when nothing is to be answered (notifications). */
  private dispatch(body: unknown, chain: SimChain): JsonRpcResponse | JsonRpcResponse[] | undefined {
    if (Array.isArray(body)) {
      if (body.length === 0) return errorResponse(null, -32600, "invalid request: empty batch");
      const out = body.map((r) => this.call(r, chain)).filter((r): r is JsonRpcResponse => r !== undefined);
      return out.length > 0 ? out : undefined;
    }
    return this.call(body, chain);
  }

  private call(req: unknown, chain: SimChain): JsonRpcResponse | undefined {
    if (!req || typeof req !== "object" || Array.isArray(req)) return errorResponse(null, -32600, "invalid request");
    const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id = typeof r.id === "string" || typeof r.id === "number" ? r.id : null;
    if (r.jsonrpc !== "2.0" || typeof r.method !== "string") return errorResponse(id, -32600, "invalid request: expected jsonrpc 2.0 and a method");
    const isNotification = !("id" in r);
    const handler = Object.hasOwn(METHODS, r.method) && !this.withoutMethods.has(r.method) ? METHODS[r.method] : undefined;
    let response: JsonRpcResponse;
    if (!handler) {
      response = errorResponse(id, -32601, `method not found: ${r.method}`);
    } else {
      try {
        response = { jsonrpc: "2.0", id, result: handler(chain, r.params, this.methodContext) };
      } catch (e) {
        response = e instanceof RpcError ? errorResponse(id, e.code, e.message, e.data) : errorResponse(id, -32603, `internal error: ${String(e)}`);
      }
    }
    return isNotification ? undefined : response;
  }
}

function methodNames(body: unknown): string[] {
  const one = (r: unknown): string =>
    r && typeof r === "object" && typeof (r as { method?: unknown }).method === "string" ? (r as { method: string }).method : "(invalid request)";
  return Array.isArray(body) ? (body.length > 0 ? body.map(one) : ["(invalid request)"]) : [one(body)];
}

function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}

function json(res: http.ServerResponse, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
}

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text), ...headers }).end(text);
}
