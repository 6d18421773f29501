// POST /graphql (and GET for queries): graphql-yoga behind the same edge as the REST API. Before yoga sees a
// request: CORS as /api/*, the public read limit per client, the body size (413) and content type (415).
// GraphiQL stays off: yoga's loads its scripts from a CDN, which the dashboard's strict CSP (and this service's
// rule that every asset is served by us) refuses.
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { createSchema, createYoga } from "graphql-yoga";
import type { Logger } from "../../internal/logger.ts";
import { clientKey } from "../client-address.ts";
import { escapeJson } from "../routes/respond.ts";
import type { RateLimiter } from "../rate-limit.ts";
import { maskErrorWith, refusalBody, stableCodes } from "./errors.ts";
import { limitPlugins } from "./limits.ts";
import { createResolvers, type GraphqlRequestContext, type ResolverDeps } from "./resolvers.ts";
import { typeDefs } from "./schema.ts";

export interface GraphqlOptions {
  /** Schema introspection (SYNC_GRAPHQL_INTROSPECTION; default on, off when NODE_ENV=production). */
  introspection?: boolean;
  /** Largest request body, in bytes (default 16384: a query document is larger than a REST body). */
  maxBodyBytes?: number;
}

export interface GraphqlDeps extends ResolverDeps {
  logger: Logger;
  /** The public read limiter of GET /api/*: every GraphQL request takes one from it. */
  readLimiter: RateLimiter | null;
  trustProxyHops: number;
  corsOrigin?: string;
  options?: GraphqlOptions;
}

export const GRAPHQL_PATH = "/graphql";

/** The sub-app to mount at GRAPHQL_PATH. */
export function graphqlApp(deps: GraphqlDeps): Hono {
  const maxBody = deps.options?.maxBodyBytes ?? 16_384;
  const yoga = createYoga<GraphqlRequestContext>({
    schema: createSchema<GraphqlRequestContext>({ typeDefs, resolvers: createResolvers(deps) }),
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: false,
    landingPage: false,
    logging: false,
    batching: false,
    multipart: false,
    cors: false,
    maskedErrors: { maskError: maskErrorWith(deps.logger), isDev: false },
    plugins: [...limitPlugins({ introspection: deps.options?.introspection ?? true }), stableCodes()],
  });

  const refuse = (status: 413 | 415 | 429, code: Parameters<typeof refusalBody>[0], message: string, headers: Record<string, string> = {}) =>
    new Response(refusalBody(code, message), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
  const readLimit: MiddlewareHandler = async (c, next) => {
    const wait = deps.readLimiter?.take(clientKey(c, deps.trustProxyHops)) ?? 0;
    if (wait === 0) return next();
    return refuse(429, "rate_limited", `too many requests from this client: try again in ${wait} s`, { "Retry-After": String(wait) });
  };

  const app = new Hono();
  app.use("*", cors({ origin: deps.corsOrigin ?? "*", allowHeaders: ["Content-Type", "Authorization"], allowMethods: ["GET", "POST", "OPTIONS"], maxAge: 600 }));
  app.use("*", readLimit);
  app.post(
    "/",
    bodyLimit({ maxSize: maxBody, onError: () => refuse(413, "payload_too_large", `request body is larger than ${maxBody} bytes`) }),
    async (c, next) => {
      const type = c.req.header("Content-Type") ?? "";
      if (/^application\/json\s*(;|$)/i.test(type)) return next();
      return refuse(415, "unsupported_media_type", `content type must be application/json, got ${type === "" ? "none" : JSON.stringify(type.slice(0, 80))}`);
    },
  );
  app.on(["GET", "POST"], "/", async (c) => {
    const res = await yoga.fetch(c.req.raw, { clientKey: clientKey(c, deps.trustProxyHops), authorization: c.req.header("Authorization") });
    if (!/json/i.test(res.headers.get("Content-Type") ?? "")) return res;
    // As every JSON answer of the API: the same value, but no byte of chain text reads as HTML.
    const body = escapeJson(await res.text());
    const headers = new Headers(res.headers);
    headers.delete("Content-Length");
    return new Response(body, { status: res.status, headers });
  });
  return app;
}
