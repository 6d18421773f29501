// The REST API's OpenAPI document without a running service: the same routes as `serve`, over actions that are
// never called (`pnpm gen:api` and the tests read it).
import type { Common } from "../internal/common.ts";
import type { LiveActions } from "../live/actions.ts";
import { openApiDocument } from "./routes/openapi.ts";
import { createServer } from "./server.ts";

export function apiDocument(): ReturnType<typeof openApiDocument> {
  const unused = new Proxy({}, { get: () => () => { throw new Error("apiDocument's server answers no request"); } });
  const common = { logger: unused, metrics: unused, shutdown: unused } as unknown as Common;
  const { app } = createServer({ common, actions: unused as LiveActions, tokens: { apiToken: null, adminToken: null } });
  return openApiDocument(app);
}
