// GET /openapi.json: the OpenAPI 3.1 document, written once from the routes' own schemas.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { packageVersion } from "../../internal/version.ts";
import type { RouteDeps } from "./guards.ts";
import { errors, json } from "./respond.ts";

const route = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["meta"],
  summary: "This document",
  responses: { 200: { description: "OpenAPI 3.1", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } }, ...errors(429) },
});

/** The document of the routes registered on `app` (after all of them are). */
export function openApiDocument(app: OpenAPIHono): Record<string, unknown> {
  const document: object = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "sync-tokens",
      version: packageVersion(),
      description: "The REST API of `sync-tokens serve`. Errors are `{\"error\": {\"code\", \"message\"}}`; amounts (i128/u64) are decimal strings.",
    },
  });
  return document as Record<string, unknown>;
}

export function openApiRoute(app: OpenAPIHono, deps: RouteDeps): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiToken", { type: "http", scheme: "bearer", description: "SYNC_API_TOKEN, when set" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "SYNC_ADMIN_TOKEN" });
  let document: Record<string, unknown> | null = null;
  app.openapi({ ...route, middleware: [deps.readLimit] }, (c) => json(c, 200, (document ??= openApiDocument(app))));
}
