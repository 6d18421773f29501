import { afterEach, describe, expect, it } from "vitest";
import { RpcClient, RpcError, type RpcClientOptions } from "../../src/rpc/client.ts";
import { parseRetryAfter } from "../../src/rpc/retry.ts";
import { DEFAULT_DELIVERY_RETRY_POLICY, nextDelay } from "../../src/webhooks/retry-policy.ts";
import { type Reply, type StubServer, script, startStub } from "../support/stub-rpc.ts";

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const HEALTH = { status: "healthy", latestLedger: 100, oldestLedger: 1, ledgerRetentionWindow: 120960 };

async function client(replies: () => Reply, options: Partial<RpcClientOptions> = {}) {
  stub = await startStub(replies);
  const retries: { attempt: number; delayMs: number; error: RpcError }[] = [];
  const rpc = new RpcClient({
    url: stub.url,
    minBackoffMs: 10,
    maxBackoffMs: 20,
    timeoutMs: 2_000,
    onRetry: (e) => retries.push(e),
    ...options,
  });
  return { rpc, retries, stub };
}

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RpcError);
  return e as RpcError;
}

describe("RpcClient", () => {
  it("returns the result and counts the request", async () => {
    const { rpc, stub } = await client(script({ result: HEALTH }));
    expect(await rpc.request("getHealth")).toEqual(HEALTH);
    expect(rpc.requestCounts).toEqual({ getHealth: 1 });
    expect(stub.requests[0]).toMatchObject({ method: "getHealth", params: undefined });
    expect(await rpc.request("getLedgerEntries", { keys: ["k"] })).toEqual(HEALTH);
    expect(stub.requests[1]).toMatchObject({ method: "getLedgerEntries", params: { keys: ["k"] } });
  });

  it("retries 503, 504 and 500, counting every attempt", async () => {
    const { rpc, retries } = await client(script({ status: 503 }, { status: 504 }, { status: 500 }, { result: HEALTH }));
    expect(await rpc.request("getHealth")).toEqual(HEALTH);
    expect(rpc.requestCounts.getHealth).toBe(4);
    expect(retries.map((r) => [r.attempt, r.error.httpStatus])).toEqual([
      [1, 503],
      [2, 504],
      [3, 500],
    ]);
    for (const r of retries) expect(r.delayMs).toBeGreaterThanOrEqual(10);
  });

  it("retries JSON-RPC -32001, -32003 and -32603", async () => {
    const { rpc, retries } = await client(
      script(
        { error: { code: -32001, message: "overloaded" } },
        { error: { code: -32003, message: "busy" } },
        { error: { code: -32603, message: "internal" } },
        { result: 7 },
      ),
    );
    expect(await rpc.request("getLatestLedger")).toBe(7);
    expect(retries.map((r) => r.error.rpcCode)).toEqual([-32001, -32003, -32603]);
    expect(retries[0]!.error.message).toBe("getLatestLedger: JSON-RPC error -32001: overloaded");
  });

  it("honours Retry-After on 429", async () => {
    const { rpc, retries } = await client(script({ status: 429, headers: { "retry-after": "1" } }, { result: 1 }));
    const started = performance.now();
    expect(await rpc.request("getEvents")).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(retries[0]).toMatchObject({ method: "getEvents", attempt: 1, delayMs: 1000 });
    expect(retries[0]!.error).toMatchObject({ httpStatus: 429, retryAfterMs: 1000, transient: true });
  });

  it("gives up at once when Retry-After exceeds the time budget", async () => {
    const { rpc } = await client(script({ status: 429, headers: { "retry-after": "3600" } }), { maxRetryTimeMs: 5_000 });
    const started = performance.now();
    const e = await rejection(rpc.request("getEvents"));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(rpc.requestCounts.getEvents).toBe(1);
    expect(e).toMatchObject({ transient: true, httpStatus: 429, retryAfterMs: 3_600_000 });
    expect(e.message).toBe("getEvents: HTTP 429 Too Many Requests (Retry-After 3600000 ms)");
  });

  it("retries truncated and malformed bodies", async () => {
    const { rpc, retries } = await client(
      script("truncated", { raw: '{"jsonrpc":"2.0","id":' }, { raw: "<html>gateway</html>" }, { raw: '{"jsonrpc":"2.0","id":-1,"result":0}' }, { result: 3 }),
    );
    expect(await rpc.request("getHealth")).toBe(3);
    expect(retries).toHaveLength(4);
    expect(retries[0]!.error.message).toMatch(/^getHealth: network error: terminated/);
    expect(retries[1]!.error.message).toMatch(/^getHealth: malformed response body \(/);
    expect(retries[3]!.error.message).toBe("getHealth: malformed response body (not the JSON-RPC response to this request)");
  });

  it.each([
    ["JSON without jsonrpc", { raw: "{}" }, /not a JSON-RPC response \(no "jsonrpc" member\)/],
    ["a web page", { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: "<html>hello</html>" }, /not a JSON-RPC response \(text\/html body\)/],
  ] as const)("takes a complete answer that is not JSON-RPC (%s) as final", async (_, reply, message) => {
    const { rpc, retries } = await client(script(reply as never, { result: 1 }));
    const e = await rejection(rpc.request("getNetwork"));
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(message);
    expect(retries).toHaveLength(0);
    expect(rpc.requestCounts.getNetwork).toBe(1);
  });

  it("retries connection resets", async () => {
    const { rpc, retries } = await client(script("reset", "reset", { result: 5 }));
    expect(await rpc.request("getHealth")).toBe(5);
    expect(retries).toHaveLength(2);
    expect(retries[0]!.error.message).toMatch(/^getHealth: network error: fetch failed/);
    expect(retries[0]!.error.transient).toBe(true);
  });

  it("times out a hanging server per request and stops after the retry budget", async () => {
    const { rpc } = await client(script("hang"), { timeoutMs: 150, retries: 2 });
    const started = performance.now();
    const e = await rejection(rpc.request("simulateTransaction", { transaction: "AAAA" }));
    const elapsed = performance.now() - started;
    expect(rpc.requestCounts.simulateTransaction).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(3 * 150);
    expect(elapsed).toBeLessThan(2_000);
    expect(e.transient).toBe(true);
    expect(e.message).toBe("simulateTransaction: no complete response within 150 ms (gave up after 3 attempts)");
  });

  it("bounds the total time of a persistently failing request", async () => {
    const budget = { retries: 1000, minBackoffMs: 50, maxBackoffMs: 100, maxRetryTimeMs: 600 };
    const { rpc } = await client(script({ status: 503 }), budget);
    const started = performance.now();
    const e = await rejection(rpc.request("getHealth"));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(e.httpStatus).toBe(503);
    expect(rpc.requestCounts.getHealth).toBeGreaterThan(2);
    expect(rpc.requestCounts.getHealth).toBeLessThan(20);
  });

  it.each([
    [{ status: 400, body: "bad request" } as Reply, { httpStatus: 400 }],
    [{ status: 401 } as Reply, { httpStatus: 401 }],
    [{ status: 404, body: "no such path" } as Reply, { httpStatus: 404 }],
    [{ error: { code: -32600, message: "startLedger must be within the ledger range: 10 - 20" } } as Reply, { rpcCode: -32600 }],
    [{ error: { code: -32601, message: "method not found" } } as Reply, { rpcCode: -32601 }],
    [{ error: { code: -32602, message: "invalid params" } } as Reply, { rpcCode: -32602 }],
    [{ error: { code: -1, message: "other" } } as Reply, { rpcCode: -1 }],
  ])("does not retry permanent failure %j", async (reply, fields) => {
    const { rpc, retries } = await client(script(reply, { result: 1 }));
    const e = await rejection(rpc.request("getEvents"));
    expect(e).toMatchObject({ transient: false, ...fields });
    expect(rpc.requestCounts.getEvents).toBe(1);
    expect(retries).toHaveLength(0);
    expect(e.message).toMatch(/^getEvents: /);
    expect(e.message).not.toContain("\n");
  });

  it("never puts URL or header secrets in error messages", async () => {
    const echo = (req: { headers: Record<string, unknown>; path: string }) =>
      `path=${req.path} auth=${String(req.headers.authorization)} key=${String(req.headers["x-api-key"])}`;
    stub = await startStub((req) =>
      req.method === "a" ? { status: 400, body: echo(req) } : { error: { code: -32602, message: echo(req) } },
    );
    const url = new URL(stub.url);
    url.username = "alice";
    url.password = "s3cr3t-pw";
    url.search = "apikey=KEY-123456&x=y";
    const rpc = new RpcClient({ url: url.toString(), headers: { "x-api-key": "HEADER-SECRET" } });
    for (const method of ["a", "b"]) {
      const e = await rejection(rpc.request(method));
      for (const secret of ["s3cr3t-pw", "KEY-123456", "HEADER-SECRET", Buffer.from("alice:s3cr3t-pw").toString("base64")]) {
        expect(e.message).not.toContain(secret);
      }
      expect(e.message).toContain("apikey=***");
    }
    // The credentials did reach the server, as Basic auth.
    expect(stub.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from("alice:s3cr3t-pw").toString("base64")}`);
  });

  it("reuses keep-alive connections across requests and retries", async () => {
    const { rpc, stub } = await client(script({ status: 503 }, { error: { code: -32001, message: "x" } }, { result: 1 }));
    for (let i = 0; i < 30; i++) await rpc.request("getHealth");
    expect(rpc.requestCounts.getHealth).toBe(32);
    // undici may open a second socket while the first is being released; never one per request.
    expect(stub.connections()).toBeLessThanOrEqual(2);
  });

  it("stops on the caller's signal with its reason", async () => {
    const controller = new AbortController();
    const { rpc } = await client(script("hang"), { signal: controller.signal, timeoutMs: 10_000 });
    const pending = rpc.request("getHealth");
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    await expect(pending).rejects.toThrow("shutting down");
    expect(rpc.requestCounts.getHealth).toBe(1);
  });

  it("rejects non-http URLs up front", () => {
    expect(() => new RpcClient({ url: "ftp://rpc.x/" })).toThrow(RpcError);
    expect(() => new RpcClient({ url: "not a url" })).toThrow();
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP-dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("Retry-After for webhook deliveries (the same parser)", () => {
  const policy = { ...DEFAULT_DELIVERY_RETRY_POLICY, random: () => 0.5 }; // no jitter
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("honours delta-seconds and an HTTP-date, and falls back to the schedule on anything else", () => {
    expect(nextDelay(policy, 1, 0, "7", now)).toBe(7000);
    expect(nextDelay(policy, 1, 0, "Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    // Date.parse would read "-1" and "1.5" as dates in 2001 (a delay of 0): neither is a Retry-After.
    for (const malformed of ["-1", "1.5", "soon", "2026-01-01T00:00:09Z"]) expect(nextDelay(policy, 1, 0, malformed, now), malformed).toBe(5000);
    expect(nextDelay(policy, 2, 0, null, now)).toBe(5 * 60_000);
  });
});
