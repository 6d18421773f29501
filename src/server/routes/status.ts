// The probes and the public status: /health (never limited, any Host), /ready, /metrics and GET /api/status.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { publicStatus } from "../../live/public-status.ts";
import type { RouteDeps } from "./guards.ts";
import { errors, json } from "./respond.ts";
import { PublicStatus } from "./schemas.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["probes"],
  summary: "200 while the process runs (never rate-limited; answers whatever the Host)",
  responses: { 200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } }, ...errors() },
});

const Ready = z.object({ ready: z.boolean() });
const ready = createRoute({
  method: "get",
  path: "/ready",
  tags: ["probes"],
  summary: "200 once the first sync is done and the cursor is at most 5 ledgers behind; 503 otherwise",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: Ready } } },
    503: { description: "Not ready", content: { "application/json": { schema: Ready } } },
    ...errors(429),
  },
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["probes"],
  summary: "Prometheus text exposition",
  responses: { 200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } }, ...errors(429) },
});

const status = createRoute({
  method: "get",
  path: "/api/status",
  tags: ["status"],
  summary: "The sync's state, without URLs, database label or error texts",
  responses: { 200: { description: "The public status", content: { "application/json": { schema: PublicStatus } } }, ...errors(429, 503) },
});

export function statusRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  app.openapi(health, (c) => json(c, 200, { status: "ok" as const }));
  app.openapi({ ...ready, middleware: [deps.readLimit] }, async (c) => {
    const isReady = await deps.actions.ready();
    return isReady ? json(c, 200, { ready: isReady }) : json(c, 503, { ready: isReady });
  });
  app.openapi({ ...metrics, middleware: [deps.readLimit] }, async (c) => {
    const { contentType, body } = await deps.common.metrics.exposition();
    return c.body(body, 200, { "Content-Type": contentType }) as never;
  });
  app.openapi({ ...status, middleware: [deps.readLimit] }, async (c) => json(c, 200, publicStatus(await deps.actions.status())));
}
