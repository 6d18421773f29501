// POST /api/sync-token: the front end's call right after a launch. Public unless SYNC_API_TOKEN is set;
// rate-limited per client; each outcome is counted in sync_tokens_sync_token_requests_total.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { SyncTokenOutcome } from "../../internal/metrics.ts";
import { bearerMatches } from "../auth.ts";
import { httpFailure } from "../http-errors.ts";
import { jsonBody, limit, unauthorized, type RouteDeps } from "./guards.ts";
import { errors, json } from "./respond.ts";
import { SyncTokenBody, TokenRow } from "./schemas.ts";

const OUTCOMES: Partial<Record<number, SyncTokenOutcome>> = { 400: "bad_request", 401: "unauthorized", 404: "not_found", 413: "bad_request", 415: "bad_request", 429: "rate_limited", 503: "unavailable" };

/** The sync-token metric's outcome for an answer's HTTP status: REST's route and GraphQL's mutation count alike. */
export function syncTokenOutcome(status: number): SyncTokenOutcome {
  return status === 200 ? "ok" : (OUTCOMES[status] ?? "error");
}

const syncTokenRoute = createRoute({
  method: "post",
  path: "/api/sync-token",
  tags: ["tokens"],
  summary: "Read a token from the chain now, store it and its creator, return the stored row",
  // Public unless SYNC_API_TOKEN is set: no requirement, or the bearer token.
  security: [{}, { apiToken: [] }] as Record<string, string[]>[],
  request: { body: { required: true, content: { "application/json": { schema: SyncTokenBody } } } },
  responses: {
    200: { description: "The stored row", content: { "application/json": { schema: TokenRow } } },
    ...errors(400, 401, 404, 413, 415, 429, 503),
  },
});

export function syncRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { metrics } = deps.common;
  const count = (outcome: SyncTokenOutcome) => metrics.syncTokenRequests.inc({ outcome });
  // Outermost: every answer of the route is counted once, refusals included.
  const counted: MiddlewareHandler = async (c, next) => {
    try {
      await next();
      count(syncTokenOutcome(c.res.status));
    } catch (error) {
      count(syncTokenOutcome(httpFailure(error)?.status ?? 500));
      throw error;
    }
  };
  const auth: MiddlewareHandler = async (c, next) => {
    const token = deps.tokens.apiToken;
    if (token !== null && !bearerMatches(c.req.header("Authorization"), token)) throw unauthorized(c);
    await next();
  };
  const middleware = [counted, auth, limit(deps.syncLimiter, deps.clientKey, "sync-token requests"), ...jsonBody(deps.maxBodyBytes)];
  app.openapi({ ...syncTokenRoute, middleware }, async (c) => json(c, 200, await deps.actions.syncToken(c.req.valid("json").tokenAddress)));
}
