// GET /openapi.json against a validator nobody here wrote (@readme/openapi-parser), every route the server
// answers found in it, the committed client types regenerated without a difference, and the refusals of bodies
// (413, 415) in the one error shape. In process (app.request): the document needs no chain and no database.
import { compileErrors, validate } from "@readme/openapi-parser";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { API_TYPES, generateApiTypes } from "../../scripts/gen-api.ts";
import type { Common } from "../../src/internal/common.ts";
import type { LiveActions } from "../../src/live/actions.ts";
import { createServer } from "../../src/server/server.ts";

const TOKEN = "CBQPJQUZVSQTBK3XODX4L4WHWSUQZ6PUEEOFK37ZEPM6GVOAHURFIOEA";
const ADMIN = "admin-token-0123456789abcdef";
const warn: string[] = [];
const common = {
  logger: { warn: (l: string) => warn.push(l), info() {}, error() {}, debug() {} },
  metrics: { syncTokenRequests: { inc() {} }, exposition: async () => ({ contentType: "text/plain; version=0.0.4", body: "" }) },
  shutdown: { register() {} },
} as unknown as Common;
const actions = {
  syncToken: async () => {
    throw new Error("the refusals tested here never reach the action");
  },
} as unknown as LiveActions;

function server() {
  return createServer({ common, actions, tokens: { apiToken: null, adminToken: ADMIN } }).app;
}

async function fetchDocument() {
  const res = await server().request("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 by @readme/openapi-parser", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("holds every route the server answers, with its method", async () => {
    const document = await fetchDocument();
    // Hono lists middleware (app.use) as method ALL: the guards in front of the routes, not routes. The
    // dashboard's pages come through `mounts`, none here. Sub-apps with their own contract are left out by path:
    // the SSE stream (text/event-stream, documented in docs/api.md) and GraphQL (its own schema).
    const EXCLUDED = new Set(["ALL /*", "ALL /api/*"]);
    const OWN_CONTRACT = [/^\/api\/stream\b/, /^\/graphql\b/];
    const answered = server()
      .routes.map((r) => `${r.method} ${r.path}`)
      .filter((r) => !EXCLUDED.has(r) && !OWN_CONTRACT.some((p) => p.test(r.split(" ")[1]!)));
    expect(answered.length).toBeGreaterThanOrEqual(10);
    const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`));
    for (const route of new Set(answered)) expect(documented, route).toContain(route);
  });

  it("documents the error answers, paging and string amounts", async () => {
    const { paths } = await fetchDocument();
    expect(Object.keys(paths["/api/sync-token"]!.post!.responses).sort()).toEqual(["200", "400", "401", "404", "413", "415", "421", "429", "500", "503"]);
    const list = JSON.stringify(paths["/api/tokens"]!.get);
    expect(list).toContain('"name":"cursor"');
    expect(list).toContain("nextCursor");
    const doc = (await fetchDocument()) as unknown as { components: { schemas: { Token: { properties: Record<string, { type: string }> } } } };
    for (const amount of ["totalSupply", "xlmRaised", "marketCap", "holdersCount"]) expect(doc.components.schemas.Token.properties[amount]!.type).toBe("string");
  });

  it("regenerates src/client/api-types.ts without a difference (pnpm gen:api)", async () => {
    expect(await generateApiTypes()).toBe(fs.readFileSync(API_TYPES, "utf8"));
  });
});

describe("request bodies", () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) => server().request(path, { method: "POST", body, headers });
  const admin = { authorization: `Bearer ${ADMIN}` };

  it.each([
    ["/api/sync-token", {}],
    ["/api/admin/sync", admin],
  ])("%s: over the limit answers 413 payload_too_large, a wrong content type 415 unsupported_media_type", async (path, auth) => {
    const big = await post(path, JSON.stringify({ tokenAddress: TOKEN, pad: "x".repeat(5000) }), { ...auth, "content-type": "application/json" });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: "payload_too_large", message: "request body is larger than 4096 bytes" } });
    const text = await post(path, JSON.stringify({ tokenAddress: TOKEN }), { ...auth, "content-type": "text/plain" });
    expect(text.status).toBe(415);
    expect(await text.json()).toEqual({ error: { code: "unsupported_media_type", message: 'content type must be application/json, got "text/plain"' } });
  });

  it("a bad body is a 400 bad_request naming the value", async () => {
    const bad = await post("/api/sync-token", JSON.stringify({ tokenAddress: "CBAD" }), { "content-type": "application/json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "bad_request", message: expect.stringMatching(/^tokenAddress "CBAD" is not valid/) } });
  });
});
