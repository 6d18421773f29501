// The HTTP server of `sync-tokens serve` (Hono on @hono/node-server): a thin assembly of the REST routes
// (./routes/, validated by zod schemas that also write GET /openapi.json), the guards in front of every route,
// and the one error shape, {"error": {"code", "message"}}, with domain errors mapped in ./http-errors.ts.
//
// Extra routes (the admin dashboard) are mounted through `deps.mounts`, after the API's own routes, so the
// API's paths always win:  createServer({ ..., mounts: [{ path: "/", app: dashboardApp }] }).
import { serve, type ServerType } from "@hono/node-server";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { LiveActions } from "../live/actions.ts";
import type { Common } from "../internal/common.ts";
import { errorId } from "../internal/error-id.ts";
import { AuthThrottle } from "./auth-throttle.ts";
import type { ApiTokens } from "./auth.ts";
import { clientKey } from "./client-address.ts";
import { capConnections, serverOptions, type ConnectionLimits } from "./connection-limits.ts";
import { hostAllowed, hostName } from "./host-allowlist.ts";
import { httpFailure, type HttpFailure } from "./http-errors.ts";
import { RateLimiter } from "./rate-limit.ts";
import { adminRoutes } from "./routes/admin.ts";
import { marketRoutes } from "./routes/market.ts";
import { limit, type RouteDeps } from "./routes/guards.ts";
import { openApiRoute } from "./routes/openapi.ts";
import { fail, refuseInvalid } from "./routes/respond.ts";
import { statusRoutes } from "./routes/status.ts";
import { syncRoutes } from "./routes/sync.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { GRAPHQL_PATH, graphqlApp, type GraphqlOptions } from "./graphql/mount.ts";

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
  /** POST/GET /graphql: introspection and body size (./graphql/mount.ts). */
  graphql?: GraphqlOptions;
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
  app: OpenAPIHono;
  /** Listens, and registers its own graceful stop (in-flight requests finish) with the shutdown registry. */
  listen(options: { port: number; host: string }): Promise<RunningServer>;
}

export function createServer(deps: ServerDeps): SyncTokenServer {
  const { common } = deps;
  const { logger } = common;
  const perMinute = deps.rateLimitPerMinute ?? 60;
  const readsPerMinute = deps.readRateLimitPerMinute ?? 600;
  const trustProxyHops = deps.trustProxyHops ?? 0;
  const allowedHosts = deps.allowedHosts ?? null;
  const key = (c: Context) => clientKey(c, trustProxyHops);
  const readLimiter = readsPerMinute > 0 ? new RateLimiter({ perMinute: readsPerMinute }) : null;
  const routeDeps: RouteDeps = {
    common,
    actions: deps.actions,
    tokens: deps.tokens,
    syncLimiter: perMinute > 0 ? new RateLimiter({ perMinute }) : null,
    adminThrottle: deps.adminThrottle ?? new AuthThrottle(logger),
    maxBodyBytes: deps.maxBodyBytes ?? 4096,
    clientKey: key,
    // Every public read is rate-limited per client, so that no one client can keep the database busy.
    readLimit: limit(readLimiter, key, "requests"),
  };
  const app = new OpenAPIHono({ defaultHook: refuseInvalid });

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", c.res.headers.get("Cache-Control") ?? "no-store");
  });
  // Before any route (the dashboard's too): a page that rebinds its own name to this host gets nothing.
  app.use("*", async (c, next) => {
    if (c.req.path === "/health" || hostAllowed(c.req.header("Host"), allowedHosts)) return next();
    const host = hostName(c.req.header("Host")).replace(/[^\x20-\x7e]/g, "?").slice(0, 80);
    return fail(c, 421, "misdirected", `host ${JSON.stringify(host)} is not served here: add it to SYNC_ALLOWED_HOSTS if it is this service's name`);
  });
  app.use("/api/*", cors({ origin: deps.corsOrigin ?? "*", allowHeaders: ["Content-Type", "Authorization"], allowMethods: ["GET", "POST", "OPTIONS"], maxAge: 600 }));

  statusRoutes(app, routeDeps);
  syncRoutes(app, routeDeps);
  tokenRoutes(app, routeDeps);
  marketRoutes(app, routeDeps);
  adminRoutes(app, routeDeps);
  openApiRoute(app, routeDeps);

  app.route(GRAPHQL_PATH, graphqlApp({ ...common, actions: deps.actions, tokens: deps.tokens, syncLimiter: routeDeps.syncLimiter, readLimiter, trustProxyHops, corsOrigin: deps.corsOrigin, options: deps.graphql }));

  // Mounted last: any path the API does not answer falls through to them.
  for (const mount of deps.mounts ?? []) app.route(mount.path, mount.app);

  app.notFound((c) => fail(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    const failure = httpFailure(error) ?? honoFailure(error);
    if (failure) return fail(c, failure.status, failure.code, failure.message, failure.retryAfterSeconds);
    const id = errorId();
    logger.warn(`[error ${id}] ${c.req.method} ${c.req.path} failed: ${error.message.split("\n")[0]}`);
    return fail(c, 500, "internal", `internal error (error ${id})`);
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

/** Hono's own refusals (a body its validator could not read, a media type it does not take) in our shape. */
function honoFailure(error: Error): HttpFailure | null {
  if (!(error instanceof HTTPException)) return null;
  if (error.status === 415) return { status: 415, code: "unsupported_media_type", message: "content type must be application/json" };
  if (error.status === 413) return { status: 413, code: "payload_too_large", message: "request body is too large" };
  if (error.status === 400) return { status: 400, code: "bad_request", message: `the request is not valid: ${error.message.split("\n")[0]}` };
  return null;
}
