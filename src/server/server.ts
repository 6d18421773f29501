// The HTTP server of `sync-tokens serve` (Hono on @hono/node-server): a thin shell over LiveActions. It
// validates requests at the edge and maps domain errors to statuses (./http-errors.ts); every answer is JSON with one-line errors.
//
// Extra routes (the admin dashboard) are mounted through `deps.mounts`, after the API's own routes, so the
// API's paths always win:  createServer({ ..., mounts: [{ path: "/", app: dashboardApp }] }).
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AddressError, validateAddress } from "../internal/addresses.ts";
import type { LiveActions } from "../live/actions.ts";
import { InvalidArgumentError } from "../live/errors.ts";
import { publicStatus } from "../live/public-status.ts";
import type { Common } from "../internal/common.ts";
import { errorId } from "../internal/error-id.ts";
import type { SyncTokenOutcome } from "../internal/metrics.ts";
import { AuthThrottle } from "./auth-throttle.ts";
import { bearerMatches, type ApiTokens } from "./auth.ts";
import { clientKey } from "./client-address.ts";
import { capConnections, serverOptions, type ConnectionLimits } from "./connection-limits.ts";
import { hostAllowed, hostName } from "./host-allowlist.ts";
import { httpFailure } from "./http-errors.ts";
import { marketRoutes } from "./market-routes.ts";
import { RateLimiter } from "./rate-limit.ts";
import { parseTokenListQuery } from "./token-list-query.ts";

export interface ServerDeps {
  common: Common;
  actions: LiveActions;
  tokens: ApiTokens;
  /** POST /api/sync-token requests per minute per client (default 60; 0 disables the limit). */
  rateLimitPerMinute?: number;
  /** Public reads (GET /api/*, /ready, /metrics) per minute per client (default 600, a burst of 100; 0: no limit). */
  readRateLimitPerMinute?: number;
  /** Reverse proxies in front whose X-Forwarded-For is believed (SYNC_TRUST_PROXY; default 0: none). */
  trustProxyHops?: number;
  /** Host names a request may address (SYNC_ALLOWED_HOSTS); null: any. /health answers whatever the Host. */
  allowedHosts?: string[] | null;
  /** Timeouts and connection caps of the listening socket. */
  connections?: ConnectionLimits;
  /** Largest request body accepted, in bytes (default 4096). */
  maxBodyBytes?: number;
  /** Access-Control-Allow-Origin for the browser front end (default "*"). */
  corsOrigin?: string;
  /** Failed admin bearer tokens per client; share one with the dashboard's logins (default: the API's own). */
  adminThrottle?: AuthThrottle;
  /** Sub-apps mounted after the API's routes, e.g. the dashboard at "/". */
  mounts?: { path: string; app: Hono }[];
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface SyncTokenServer {
  app: Hono;
  /** Listens, and registers its own graceful stop (in-flight requests finish) with the shutdown registry. */
  listen(options: { port: number; host: string }): Promise<RunningServer>;
}

export function createServer(deps: ServerDeps): SyncTokenServer {
  const { actions, tokens, common } = deps;
  const { metrics, logger } = common;
  const maxBody = deps.maxBodyBytes ?? 4096;
  const perMinute = deps.rateLimitPerMinute ?? 60;
  const limiter = perMinute > 0 ? new RateLimiter({ perMinute }) : null;
  const readsPerMinute = deps.readRateLimitPerMinute ?? 600;
  const readLimiter = readsPerMinute > 0 ? new RateLimiter({ perMinute: readsPerMinute }) : null;
  const trustProxyHops = deps.trustProxyHops ?? 0;
  const allowedHosts = deps.allowedHosts ?? null;
  const adminThrottle = deps.adminThrottle ?? new AuthThrottle(logger);
  const app = new Hono();

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", c.res.headers.get("Cache-Control") ?? "no-store");
  });
  // Before any route (the dashboard's too): a page that rebinds its own name to this host gets nothing.
  app.use("*", async (c, next) => {
    if (c.req.path === "/health" || hostAllowed(c.req.header("Host"), allowedHosts)) return next();
    const host = hostName(c.req.header("Host")).replace(/[^\x20-\x7e]/g, "?").slice(0, 80);
    return json(c, 421, { error: `host ${JSON.stringify(host)} is not served here: add it to SYNC_ALLOWED_HOSTS if it is this service's name` });
  });
  /** Every public read is rate-limited per client, so that no one client can keep the database busy. */
  const readLimit: MiddlewareHandler = async (c, next) => {
    const wait = readLimiter?.take(clientKey(c, trustProxyHops)) ?? 0;
    if (wait === 0) return next();
    c.header("Retry-After", String(wait));
    return json(c, 429, { error: `too many requests from this client: try again in ${wait} s` });
  };
  app.use("/api/*", async (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? readLimit(c, next) : next()));
  app.use("/ready", readLimit);
  app.use("/metrics", readLimit);
  app.use("/api/*", cors({ origin: deps.corsOrigin ?? "*", allowHeaders: ["Content-Type", "Authorization"], allowMethods: ["GET", "POST", "OPTIONS"], maxAge: 600 }));

  app.get("/health", (c) => json(c, 200, { status: "ok" }));
  app.get("/ready", async (c) => {
    const ready = await actions.ready();
    return json(c, ready ? 200 : 503, { ready });
  });
  app.get("/metrics", async (c) => {
    const { contentType, body } = await metrics.exposition();
    return c.body(body, 200, { "Content-Type": contentType });
  });

  const oversized = (c: Context) => json(c, 400, { error: `request body is larger than ${maxBody} bytes` });

  app.post("/api/sync-token", bodyLimit({ maxSize: maxBody, onError: oversized }), async (c) => {
    const count = (outcome: SyncTokenOutcome) => metrics.syncTokenRequests.inc({ outcome });
    if (tokens.apiToken !== null && !bearerMatches(c.req.header("Authorization"), tokens.apiToken)) {
      count("unauthorized");
      return unauthorized(c);
    }
    if (limiter) {
      const wait = limiter.take(clientKey(c, trustProxyHops));
      if (wait > 0) {
        count("rate_limited");
        c.header("Retry-After", String(wait));
        return json(c, 429, { error: `too many sync-token requests from this client: try again in ${wait} s` });
      }
    }
    const body = await jsonBody(c, maxBody);
    if ("error" in body) {
      count("bad_request");
      return json(c, 400, { error: body.error });
    }
    try {
      const row = await actions.syncToken(field(body.value, "tokenAddress") as string);
      count("ok");
      return json(c, 200, row);
    } catch (error) {
      const status = httpFailure(error)?.status;
      count(status === 400 ? "bad_request" : status === 404 ? "not_found" : status === 503 ? "unavailable" : "error");
      throw error;
    }
  });

  app.get("/api/tokens", async (c) => {
    const page = await actions.queries().list(parseTokenListQuery(c.req.query()));
    return json(c, 200, page);
  });

  app.get("/api/tokens/:address", async (c) => {
    const address = param(c.req.param("address"), "token address", ["contract"]);
    const row = await actions.queries().get(address);
    return row ? json(c, 200, row) : json(c, 404, { error: `token ${address} is not in the database` });
  });

  app.route("/api/tokens", marketRoutes(actions));

  // The public view has no URL, database label or error text; the admin token reads them all.
  app.get("/api/status", async (c) => json(c, 200, publicStatus(await actions.status())));
  app.get("/api/admin/status", async (c) => adminRefusal(c, tokens) ?? json(c, 200, await actions.status()));

  app.post("/api/admin/sync", bodyLimit({ maxSize: maxBody, onError: oversized }), async (c) => {
    if (tokens.adminToken === null) return json(c, 404, { error: "the admin endpoint is disabled: set SYNC_ADMIN_TOKEN to enable it" });
    const from = clientKey(c, trustProxyHops);
    const blocked = adminThrottle.retryAfter(from);
    if (blocked > 0) return tooManyAdminFailures(c, blocked);
    if (!bearerMatches(c.req.header("Authorization"), tokens.adminToken)) {
      const wait = adminThrottle.failed(from, "POST /api/admin/sync");
      return wait > 0 ? tooManyAdminFailures(c, wait) : unauthorized(c);
    }
    const text = await c.req.text();
    let value: unknown = {};
    if (text.trim() !== "") {
      const body = await jsonBody(c, maxBody, text);
      if ("error" in body) return json(c, 400, { error: body.error });
      value = body.value;
    }
    const creator = field(value, "creator");
    if (creator !== undefined) return json(c, 200, { scan: await actions.scanCreator(creator as string) });
    const full = field(value, "full");
    if (full !== undefined && full !== true) return json(c, 400, { error: `full must be true, got ${JSON.stringify(full)}` });
    const { done } = await actions.fullResync();
    done.catch((error: unknown) => logger.warn(`the full resync requested through the API failed: ${error instanceof Error ? error.message : String(error)}`));
    return json(c, 202, { accepted: "full resync", status: "/api/status" });
  });

  // Mounted last: any path the API does not answer falls through to them.
  for (const mount of deps.mounts ?? []) app.route(mount.path, mount.app);

  app.notFound((c) => json(c, 404, { error: `no route ${c.req.method} ${c.req.path}` }));
  app.onError((error, c) => {
    const failure = httpFailure(error);
    if (failure) {
      if (failure.retryAfterSeconds !== undefined) c.header("Retry-After", String(failure.retryAfterSeconds));
      return json(c, failure.status, { error: failure.message });
    }
    const id = errorId();
    logger.warn(`[error ${id}] ${c.req.method} ${c.req.path} failed: ${error.message.split("\n")[0]}`);
    return json(c, 500, { error: `internal error (error ${id})` });
  });

  return {
    app,
    async listen({ port, host }) {
      const server = await new Promise<ServerType>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port, hostname: host, serverOptions: serverOptions(deps.connections ?? {}) }, () => resolve(s));
        s.once("error", reject);
      });
      // Behind a proxy every connection is the proxy's: a per-client cap would cap everyone.
      capConnections(server as Server, deps.connections ?? {}, trustProxyHops === 0);
      const address = server.address() as AddressInfo;
      const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
      let closing: Promise<void> | null = null;
      const close = () =>
        (closing ??= new Promise<void>((resolve) => {
          // In-flight requests finish; idle keep-alive connections go at once.
          server.close(() => resolve());
          if ("closeIdleConnections" in server) server.closeIdleConnections();
        }));
      common.shutdown.register("HTTP server", close);
      return { url, port: address.port, close };
    },
  };
}

/** JSON with <, >, & and the JS line separators escaped: the value is the same, but no byte of it reads as HTML. */
function json(c: Context, status: number, value: unknown): Response {
  const body = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return c.body(body, status as 200, { "Content-Type": "application/json; charset=utf-8" });
}

function unauthorized(c: Context): Response {
  c.header("WWW-Authenticate", 'Bearer realm="sync-tokens"');
  return json(c, 401, { error: "missing or wrong bearer token (Authorization: Bearer ...)" });
}

function tooManyAdminFailures(c: Context, wait: number): Response {
  c.header("Retry-After", String(wait));
  return json(c, 429, { error: `too many wrong admin tokens from this client: try again in ${wait} s` });
}

/** The request's JSON body, or a one-line reason it is unusable. */
async function jsonBody(c: Context, maxBody: number, text?: string): Promise<{ value: unknown } | { error: string }> {
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { error: `content type must be application/json, got ${type === "" ? "none" : JSON.stringify(type.slice(0, 80))}` };
  }
  const raw = text ?? (await c.req.text());
  if (Buffer.byteLength(raw) > maxBody) return { error: `request body is larger than ${maxBody} bytes` };
  try {
    return { value: JSON.parse(raw) };
  } catch (error) {
    return { error: `request body is not valid JSON: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** A member of a JSON object body; undefined when the body is no object or lacks it. */
function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;
}

function param(raw: string, label: string, kinds: ("account" | "contract")[]): string {
  try {
    return validateAddress(raw, label, kinds);
  } catch (error) {
    throw new InvalidArgumentError((error as AddressError).message);
  }
}

/** null when the request carries the admin bearer token, else the answer refusing it (404 when there is none). */
function adminRefusal(c: Context, tokens: ApiTokens): Response | null {
  if (tokens.adminToken === null) return json(c, 404, { error: "the admin endpoint is disabled: set SYNC_ADMIN_TOKEN to enable it" });
  return bearerMatches(c.req.header("Authorization"), tokens.adminToken) ? null : unauthorized(c);
}
