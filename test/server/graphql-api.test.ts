// POST/GET /graphql through graphql-request, a client nobody here wrote, against `serve`'s parts in this process
// (startLive + createServer) on the simulator, on PostgreSQL and on the embedded database: syncToken stores and
// returns the exact row (the database's and the chain's), every refusal carries its stable extensions.code
// (bad_request, not_found, rate_limited shared with REST, unauthorized), the limits refuse a deep, wide or
// table-scanning query before anything runs, tokens pages walk every row exactly once, and the status is the
// public one.
import { ClientError, GraphQLClient } from "graphql-request";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { serveSettings } from "../../src/bin/commands/serve-settings.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, ROW_SQL } from "../support/expect-rows.ts";
import { chainFields, expectedApiRow, http, listedRow, postJson, startInProcess, strangerContract, type InProcessLive } from "../support/live.ts";
import { waitFor } from "../support/wait.ts";

const API = "api-token-0123456789abcdef";

const TOKEN_FIELDS = `address contractId onchainId creator name symbol imageUrl description status totalSupply tokensSold
  tokensRemaining xlmReserve curveK xlmRaised marketCap holdersCount createdAt discoveredVia firstSeenAt lastSyncedAt
  lastSyncedLedger truncated`;
const SYNC = `mutation ($a: String!) { syncToken(tokenAddress: $a) { ${TOKEN_FIELDS} } }`;

/** The GraphQL errors of a refused request (the request must fail). */
async function refused(pending: Promise<unknown>): Promise<{ status: number; errors: { message: string; extensions: { code: string } }[]; headers: Headers }> {
  try {
    await pending;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    return { status: error.response.status, errors: error.response.errors as never, headers: error.response.headers as Headers };
  }
  throw new Error("the request was not refused");
}

describe.each(backends)("GraphQL on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let app: InProcessLive;
  let client: GraphQLClient;

  const storedRow = async (address: string) =>
    (await app.live.keeper.get().db.query<Record<string, string>>(ROW_SQL)).find((r) => r.address === address);
  const inSync = async () => (await app.live.keeper.get().db.query(ROW_SQL)).length === sim.chain.tokens.length;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 23, tokens: 30, creators: 6 } });
    db = await createTestDatabase(backend);
    app = await startInProcess(sim, db);
    client = new GraphQLClient(`${app.url}/graphql`);
    await waitFor("/ready", async () => (await http(`${app.url}/ready`)).status === 200);
  });

  afterAll(async () => {
    await app?.stop();
    await sim?.close();
    await db?.drop();
  });

  it("syncToken stores a token launched a moment ago and returns its exact row: the database's, the chain's, REST's", async () => {
    const t = sim.chain.launchToken({ name: "Graph <b>&", symbol: "GQL" });
    const { syncToken } = await client.request<{ syncToken: Record<string, unknown> }>(SYNC, { a: t.tokenAddress });
    expect(chainFields(syncToken)).toEqual(expectedApiRow(t, sim.contractId));
    expect(typeof syncToken.totalSupply).toBe("string"); // amounts are strings, as in JSON
    expect(syncToken.truncated).toBe(false);
    expect(await storedRow(t.tokenAddress)).toEqual(expectedRow(t, sim.contractId));
    const { truncated: _t, ...row } = syncToken;
    expect((await http(`${app.url}/api/tokens/${t.tokenAddress}`)).json).toEqual(row);
    const { token } = await client.request<{ token: Record<string, unknown> }>(`query ($a: String!) { token(address: $a) { ${TOKEN_FIELDS} } }`, { a: t.tokenAddress });
    expect(token).toEqual(syncToken);
    // Chain text reaches the answer exactly, but never as raw HTML.
    const raw = await postJson(`${app.url}/graphql`, { query: `{ token(address: "${t.tokenAddress}") { name } }` });
    expect(raw.text).not.toMatch(/[<>&]/);
    expect(raw.json.data.token.name).toBe(t.name);
  });

  it("refuses bad input with extensions.code and a one-line message, writing nothing", async () => {
    await waitFor("the follower to store every token", inSync);
    const before = JSON.stringify(await app.live.keeper.get().db.query(ROW_SQL));
    const cases: [string, () => Promise<unknown>, string, RegExp][] = [
      ["short address", () => client.request(SYNC, { a: "CBAD" }), "bad_request", /tokenAddress "CBAD" is not valid: it has 4 characters/],
      ["account address", () => client.request(SYNC, { a: sim.chain.creators[0] }), "bad_request", /it is an account, not a contract/],
      ["unknown token", () => client.request(SYNC, { a: strangerContract(7) }), "not_found", /is not known to the factory/],
      ["bad token address", () => client.request(`{ token(address: "nope") { name } }`), "bad_request", /token address "nope" is not valid/],
      ["short search", () => client.request(`{ tokens(where: { q: "ab" }) { nodes { name } } }`), "bad_request", /q "ab" is too short/],
      ["bad creator", () => client.request(`{ tokens(where: { creator: "GX" }) { nodes { name } } }`), "bad_request", /creator "GX" is not valid/],
      ["page size", () => client.request(`{ tokens(first: 0) { nodes { name } } }`), "bad_request", /first 0 is not valid: expected a whole number from 1 to 100/],
      ["big page", () => client.request(`{ tokens(first: 101) { nodes { name } } }`), "bad_request", /asks for 101 list rows: at most 100 per request/],
      ["forged cursor", () => client.request(`{ tokens(after: "abc") { nodes { name } } }`), "bad_request", /cursor "abc" is not valid/],
      ["unknown field", () => client.request(`{ tokens { nodes { secret } } }`), "bad_request", /Cannot query field "secret"/],
      ["syntax", () => client.request(`{ tokens {`), "bad_request", /Syntax Error/],
    ];
    for (const [what, request, code, message] of cases) {
      const { errors } = await refused(request());
      expect(errors, what).toHaveLength(1);
      expect(errors[0]!.extensions.code, what).toBe(code);
      expect(errors[0]!.message, what).toMatch(message);
      expect(errors[0]!.message.includes("\n"), what).toBe(false);
    }
    expect(await storedRow(strangerContract(7))).toBeUndefined();
    expect(JSON.stringify(await app.live.keeper.get().db.query(ROW_SQL))).toBe(before);
  });

  it("refuses at the HTTP edge: a body over the limit (413), another content type (415), a mutation over GET", async () => {
    const big = await http(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ status { ready } }`, pad: "x".repeat(20_000) }) });
    expect(big.status).toBe(413);
    expect(big.json.errors[0].extensions.code).toBe("payload_too_large");
    const text = await http(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "text/plain" }, body: `{"query":"{ status { ready } }"}` });
    expect(text.status).toBe(415);
    expect(text.json.errors[0]).toEqual({ message: 'content type must be application/json, got "text/plain"', extensions: { code: "unsupported_media_type" } });
    const form = await http(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "query=%7Bstatus%7Bready%7D%7D" });
    expect(form.status).toBe(415);
    const get = await http(`${app.url}/graphql?query=${encodeURIComponent(`mutation { syncToken(tokenAddress: "${sim.chain.tokens[0]!.tokenAddress}") { name } }`)}`);
    expect(get.status).toBe(405);
    expect(get.json.errors[0].extensions.code).toBe("bad_request");
    // A query may come by GET.
    const read = await http(`${app.url}/graphql?query=${encodeURIComponent("{ status { ready } }")}`);
    expect(read.json).toEqual({ data: { status: { ready: true } } });
  });

  it("shares POST /api/sync-token's rate limit (rate_limited, Retry-After) and its bearer token (unauthorized)", async () => {
    const limitedUrl = await app.extraServer({ rateLimitPerMinute: 6 }); // a burst of 1, for REST and GraphQL together
    const limited = new GraphQLClient(`${limitedUrl}/graphql`);
    const token = sim.chain.tokens[1]!.tokenAddress;
    expect((await postJson(`${limitedUrl}/api/sync-token`, { tokenAddress: token })).status).toBe(200);
    const first = await refused(limited.request(SYNC, { a: token }));
    expect(first.status).toBe(429);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(first.errors[0]).toMatchObject({ message: expect.stringMatching(/too many sync-token requests from this client: try again in \d+ s/), extensions: { code: "rate_limited" } });
    // Queries are reads: the sync-token budget does not touch them.
    expect(await limited.request(`{ status { ready } }`)).toEqual({ status: { ready: true } });

    const guardedUrl = await app.extraServer({ tokens: { apiToken: API, adminToken: null } });
    const none = await refused(new GraphQLClient(`${guardedUrl}/graphql`).request(SYNC, { a: token }));
    expect(none.status).toBe(401);
    expect(none.errors[0]!.extensions.code).toBe("unauthorized");
    const wrong = await refused(new GraphQLClient(`${guardedUrl}/graphql`, { headers: { authorization: "Bearer wrong-token-0123456789" } }).request(SYNC, { a: token }));
    expect(wrong.errors[0]!.extensions.code).toBe("unauthorized");
    const ok = await new GraphQLClient(`${guardedUrl}/graphql`, { headers: { authorization: `Bearer ${API}` } }).request<{ syncToken: { address: string } }>(SYNC, { a: token });
    expect(ok.syncToken.address).toBe(token);
    // Reads stay public.
    expect(await new GraphQLClient(`${guardedUrl}/graphql`).request(`{ status { role } }`)).toEqual({ status: { role: "leader" } });
  });

  it("the limits refuse a deep, wide or table-scanning query before anything runs", async () => {
    const deep = `{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }`;
    const aliases = `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: status { ready }`).join(" ")} }`;
    const twoPages = `{ a: tokens(first: 100) { nodes { address } } b: tokens(first: 100) { nodes { address } } }`;
    const viaFragments = `query ($n: Int) { ...A ...B } fragment A on Query { x: tokens(first: $n) { nodes { address } } } fragment B on Query { y: tokens(first: $n) { nodes { address } } }`;
    const defaults = `{ a: tokens { nodes { address } } b: tokens { nodes { address } } c: tokens { nodes { address } } }`;
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      ["deep", deep, {}, /depth limit of 6 exceeded/i],
      ["wide (aliases)", aliases, {}, /aliases limit of 10 exceeded/i],
      ["two full pages", twoPages, {}, /asks for 200 list rows: at most 100 per request/],
      ["pages through fragments and a variable", viaFragments, { n: 60 }, /asks for 120 list rows/],
      ["default-sized pages", defaults, {}, /asks for 150 list rows/],
    ];
    for (const [what, query, variables, message] of cases) {
      const spy = app.live.keeper.get().db;
      const query0 = spy.query.bind(spy);
      let dbCalls = 0;
      spy.query = (async (...args: Parameters<typeof spy.query>) => {
        if (/\bFROM tokens\b/.test(String(args[0]))) dbCalls++; // the follower's own reads aside
        return query0(...args);
      }) as typeof spy.query;
      try {
        const { errors } = await refused(client.request(query, variables));
        expect(errors[0]!.extensions.code, what).toBe("bad_request");
        expect(errors[0]!.message, what).toMatch(message);
      } finally {
        spy.query = query0;
      }
      expect(dbCalls, `${what}: no token read`).toBe(0);
    }
    // One full page is fine, and so is the introspection a client's code generator runs (on in development).
    const page = await client.request<{ tokens: { nodes: unknown[] } }>(`{ tokens(first: 100) { nodes { address } } }`);
    expect(page.tokens.nodes).toHaveLength(sim.chain.tokens.length);
    expect(await client.request(`{ __type(name: "Token") { name } }`)).toEqual({ __type: { name: "Token" } });
  });

  it("tokens pages walk every row exactly once, by each sort and filter, matching the chain", async () => {
    await waitFor("the follower to store every token", inSync);
    const walk = async (args: string) => {
      const out: Record<string, unknown>[] = [];
      let after: string | null = null;
      for (let i = 0; i < 50; i++) {
        const { tokens }: { tokens: { nodes: Record<string, unknown>[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await client.request(
          `query ($after: String) { tokens(${args}, after: $after) { nodes { ${TOKEN_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        out.push(...tokens.nodes);
        expect(tokens.pageInfo.hasNextPage).toBe(tokens.pageInfo.endCursor !== null);
        if (!tokens.pageInfo.hasNextPage) return out;
        after = tokens.pageInfo.endCursor;
      }
      throw new Error("more than 50 pages");
    };
    const truth = [...sim.chain.tokens];
    for (const orderBy of ["CREATED", "MARKET_CAP", "XLM_RAISED", "HOLDERS"]) {
      for (const direction of ["ASC", "DESC"]) {
        const rows = await walk(`orderBy: { field: ${orderBy}, direction: ${direction} }, first: 7`);
        const addresses = rows.map((r) => r.address as string);
        expect(addresses.length, `${orderBy} ${direction}`).toBe(truth.length);
        expect(new Set(addresses).size, `${orderBy} ${direction}: each once`).toBe(truth.length);
      }
    }
    const created = await walk(`orderBy: { field: CREATED, direction: ASC }, first: 4`);
    expect(created.map((r) => r.onchainId)).toEqual(truth.map((t) => t.id).sort((a, b) => a - b));
    for (const row of created) {
      expect(chainFields(row)).toEqual(listedRow(expectedApiRow(sim.chain.tokenByAddress(row.address as string)!, sim.contractId)));
    }
    const creator = sim.chain.creators.find((c) => sim.chain.creatorTokens(c).length > 1)!;
    const mine = await walk(`where: { creator: "${creator}" }, first: 1`);
    expect(mine.map((r) => r.address).sort()).toEqual(sim.chain.creatorTokens(creator).map((t) => t.tokenAddress).sort());
    const bonding = await walk(`where: { status: BONDING }, first: 5`);
    expect(bonding.map((r) => r.address).sort()).toEqual(truth.filter((t) => t.status === "Bonding").map((t) => t.tokenAddress).sort());
    expect((await walk(`where: { q: "graph <B>" }, first: 5`)).map((r) => r.symbol)).toEqual(["GQL"]);
  });

  it("status is the public status, as GET /api/status answers it", async () => {
    const { status } = await client.request<{ status: Record<string, unknown> }>(
      `{ status { contractId network role ready latestLedger cursor { ledger } lag { ledgers } storedTokens contractTokens missingCount lastRuns { trigger outcome found { events } } } }`,
    );
    const rest = (await http(`${app.url}/api/status`)).json;
    expect(status).toMatchObject({ contractId: sim.contractId, role: "leader", ready: true, contractTokens: rest.contractTokens, storedTokens: rest.storedTokens });
    expect((status.lastRuns as unknown[])[0]).toMatchObject({ trigger: "serve" });
    // Where the service reads and writes, and its error texts, are the admin's: the schema has no field for them.
    const { __type } = await client.request<{ __type: { fields: { name: string }[] } }>(`{ __type(name: "Status") { fields { name } } }`);
    const names = __type.fields.map((f) => f.name);
    for (const field of ["rpcUrl", "database", "lastError"]) expect(names).not.toContain(field);
    expect(names.sort()).toEqual(Object.keys(rest).sort());
  });

  it("masks an unexpected failure: a generic message and code, the detail only in the log under the same id", async () => {
    const queries = vi.spyOn(app.live.actions, "queries").mockImplementation(() => {
      throw new Error("connect ECONNREFUSED postgres://user:hunter2@db.internal:5432");
    });
    try {
      const { errors } = await refused(client.request(`{ tokens { nodes { address } } }`));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.extensions.code).toBe("internal");
      const id = /^internal error \(error ([0-9a-f]{8})\)$/.exec(errors[0]!.message)?.[1];
      expect(id, errors[0]!.message).toBeDefined();
      expect(JSON.stringify(errors)).not.toMatch(/hunter2|ECONNREFUSED|db\.internal/);
      expect(app.logs.some((l) => l.includes(`[error ${id}]`) && l.includes("ECONNREFUSED"))).toBe(true);
    } finally {
      queries.mockRestore();
    }
  });

  it("every GraphQL request takes from the public read budget (rate_limited, 429)", async () => {
    const limited = new GraphQLClient(`${await app.extraServer({ readRateLimitPerMinute: 6 })}/graphql`); // a burst of 1
    expect(await limited.request(`{ status { ready } }`)).toEqual({ status: { ready: true } });
    const again = await refused(limited.request(`{ status { ready } }`));
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(again.errors[0]!.extensions.code).toBe("rate_limited");
  });

  it("introspection can be turned off (production); the refusal names no field", async () => {
    const closedUrl = await app.extraServer({ graphql: { introspection: false } });
    const closed = new GraphQLClient(`${closedUrl}/graphql`);
    const { errors } = await refused(closed.request(`{ __schema { types { name } } }`));
    expect(errors[0]!.extensions.code).toBe("bad_request");
    expect(errors[0]!.message).toMatch(/introspection/i);
    const typo = await refused(closed.request(`{ statu { ready } }`));
    expect(typo.errors[0]!.message).not.toMatch(/Did you mean/);
    expect(await closed.request(`{ status { ready } }`)).toEqual({ status: { ready: true } });
  });
});

describe("serve's GraphQL settings", () => {
  it("serve turns introspection off in production unless SYNC_GRAPHQL_INTROSPECTION says otherwise", async () => {
    const introspection = async (env: NodeJS.ProcessEnv) => (await serveSettings({}, env)).server.graphql.introspection;
    expect(await introspection({})).toBe(true);
    expect(await introspection({ NODE_ENV: "production" })).toBe(false);
    expect(await introspection({ NODE_ENV: "production", SYNC_GRAPHQL_INTROSPECTION: "1" })).toBe(true);
    expect(await introspection({ SYNC_GRAPHQL_INTROSPECTION: "0" })).toBe(false);
    await expect(introspection({ SYNC_GRAPHQL_INTROSPECTION: "yes" })).rejects.toThrow(/SYNC_GRAPHQL_INTROSPECTION "yes" is not valid: expected 1 \(on\) or 0 \(off\)/);
  });
});
