// The admin endpoints, behind SYNC_ADMIN_TOKEN (404 while it is unset): the full status, a full resync, or a
// creator's scan.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { jsonBody, adminOnly, type RouteDeps } from "./guards.ts";
import { errors, json } from "./respond.ts";
import { AdminStatus, AdminSyncBody, CreatorScan, ResyncAccepted } from "./schemas.ts";

const status = createRoute({
  method: "get",
  path: "/api/admin/status",
  tags: ["admin"],
  summary: "The status with the masked RPC URL, the database label, the last error and each run's error",
  security: [{ adminToken: [] }],
  responses: {
    200: { description: "The full status", content: { "application/json": { schema: AdminStatus } } },
    ...errors(401, 404, 429, 503),
  },
});

const sync = createRoute({
  method: "post",
  path: "/api/admin/sync",
  tags: ["admin"],
  summary: "A full resync (empty body or {\"full\": true}; on the lock holder only), or one creator's scan ({\"creator\": \"G...\"})",
  security: [{ adminToken: [] }],
  request: { body: { required: false, content: { "application/json": { schema: AdminSyncBody } } } },
  responses: {
    200: { description: "The creator's tokens, scanned and synced", content: { "application/json": { schema: CreatorScan } } },
    202: { description: "The full resync is queued; follow it in /api/status", content: { "application/json": { schema: ResyncAccepted } } },
    ...errors(400, 401, 404, 409, 413, 415, 429, 502, 503),
  },
});

export function adminRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { actions, common } = deps;
  app.openapi({ ...status, middleware: [adminOnly(deps, "GET /api/admin/status")] }, async (c) => json(c, 200, await actions.status()));
  app.openapi(
    { ...sync, middleware: [adminOnly(deps, "POST /api/admin/sync"), ...jsonBody(deps.maxBodyBytes, { optional: true })] },
    async (c) => {
      const body = c.req.valid("json");
      if (body.creator !== undefined) return json(c, 200, { scan: await actions.scanCreator(body.creator) });
      const { done } = await actions.fullResync();
      done.catch((error: unknown) => common.logger.warn(`the full resync requested through the API failed: ${error instanceof Error ? error.message : String(error)}`));
      return json(c, 202, { accepted: "full resync" as const, status: "/api/status" as const });
    },
  );
}
