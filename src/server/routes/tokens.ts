// GET /api/tokens (filters, sorts, keyset pages) and GET /api/tokens/{address}.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "../http-errors.ts";
import type { RouteDeps } from "./guards.ts";
import { errors, json } from "./respond.ts";
import { TokenAddressParams, TokenListQuery, TokenPage, TokenRow } from "./schemas.ts";

const list = createRoute({
  method: "get",
  path: "/api/tokens",
  tags: ["tokens"],
  summary: "A page of tokens",
  description:
    "Keyset paging: pass the page's `nextCursor` as `cursor` (with the same sort and order) for the next one; null marks the last page. A forged or out-of-range cursor answers 400. Lists cut creator-supplied texts at 1,024 characters and mark the row `truncated`.",
  request: { query: TokenListQuery },
  responses: {
    200: { description: "A page of tokens", content: { "application/json": { schema: TokenPage } } },
    ...errors(400, 429, 503),
  },
});

const one = createRoute({
  method: "get",
  path: "/api/tokens/{address}",
  tags: ["tokens"],
  summary: "One stored token, whole",
  request: { params: TokenAddressParams },
  responses: {
    200: { description: "The stored token", content: { "application/json": { schema: TokenRow } } },
    ...errors(400, 404, 429, 503),
  },
});

export function tokenRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  app.openapi({ ...list, middleware: [deps.readLimit] }, async (c) => json(c, 200, await deps.actions.queries().list(c.req.valid("query"))));
  app.openapi(
    { ...one, middleware: [deps.readLimit] },
    async (c) => {
      const { address } = c.req.valid("param");
      const row = await deps.actions.queries().get(address);
      if (!row) throw new ApiError(404, "not_found", `token ${address} is not in the database`);
      return json(c, 200, row);
    },
  );
}
