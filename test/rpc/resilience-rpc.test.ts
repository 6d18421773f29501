// Resilience of the RPC client on its own, with small budgets: retries are bounded in attempts and in
// time, an RPC that answers nothing for a whole budget is declared down (every other request then fails
// at once instead of spending its own budget), and an interruption rejects with an InterruptedError.
import { afterEach, describe, expect, it } from "vitest";
import { InterruptedError } from "../../src/internal/errors.ts";
import { RpcClient, RpcError, RpcUnavailableError, type RpcClientOptions } from "../../src/rpc/client.ts";
import { startStub, type Reply, type StubServer } from "../support/stub-rpc.ts";

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function client(reply: (method: string) => Reply | Promise<Reply>, options: Partial<RpcClientOptions> = {}) {
  stub = await startStub((req) => reply(req.method));
  const rpc = new RpcClient({ url: stub.url, minBackoffMs: 20, maxBackoffMs: 40, retries: 4, timeoutMs: 300, ...options });
  return { rpc, stub };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail("resolved"),
    (e: unknown) => e,
  );
}

describe("a dead RPC", () => {
  it("fails the request after retries+1 attempts, then every other request at once, without sending it", async () => {
    const { rpc, stub } = await client(() => ({ status: 503 }));
    const started = performance.now();
    const e = await failure(rpc.request("getEvents"));
    expect(e).toBeInstanceOf(RpcUnavailableError);
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).transient).toBe(true); // never taken for a final answer about the data
    expect((e as Error).message).toMatch(/^getEvents: HTTP 503 .*\(gave up after 5 attempts\)$/);
    expect(stub.requests).toHaveLength(5);
    expect(performance.now() - started).toBeLessThan(2_000);

    const later = await failure(rpc.request("getLedgerEntries", { keys: [] }));
    expect(later).toBe(e);
    expect(stub.requests).toHaveLength(5);
    expect(rpc.requestCounts).toEqual({ getEvents: 5 });
  });

  it("ends the requests waiting to retry, and those hanging, as soon as one request finds it down", async () => {
    // getEvents fails fast; getLedgerEntries hangs until its 300 ms timeout, with long waits between tries.
    const { rpc } = await client((method) => (method === "getEvents" ? { status: 503 } : "hang"), { minBackoffMs: 20, maxBackoffMs: 40 });
    const started = performance.now();
    const hanging = failure(rpc.request("getLedgerEntries", { keys: [] }));
    const dead = await failure(rpc.request("getEvents"));
    expect(dead).toBeInstanceOf(RpcUnavailableError);
    expect(await hanging).toBe(dead);
    // Well before the hanging request's own budget (5 attempts x 300 ms timeout + waits).
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("is bounded in total time as well as attempts, whatever Retry-After asks", async () => {
    const { rpc, stub } = await client(() => ({ status: 429, headers: { "retry-after": "1" } }), { retries: 50, maxRetryTimeMs: 1_500 });
    const started = performance.now();
    const e = await failure(rpc.request("getHealth"));
    const elapsed = performance.now() - started;
    expect(e).toBeInstanceOf(RpcUnavailableError);
    expect(stub.requests.length).toBeGreaterThanOrEqual(2);
    expect(stub.requests.length).toBeLessThanOrEqual(3);
    expect(elapsed).toBeGreaterThanOrEqual(1_000); // Retry-After was honoured...
    expect(elapsed).toBeLessThan(3_000); // ...within the time budget
  });
});

describe("an RPC that answers some requests", () => {
  it("fails only the request that ran out of retries; the others go on", async () => {
    const { rpc } = await client((method) => (method === "simulateTransaction" ? { status: 503 } : { result: { ok: method } }));
    // A success while the failing request retries shows the RPC is up.
    const failing = failure(rpc.request("simulateTransaction"));
    await new Promise((r) => setTimeout(r, 30));
    expect(await rpc.request("getHealth")).toEqual({ ok: "getHealth" });
    const e = await failing;
    expect(e).toBeInstanceOf(RpcError);
    expect(e).not.toBeInstanceOf(RpcUnavailableError);
    expect((e as Error).message).toMatch(/gave up after 5 attempts/);
    expect(await rpc.request("getLatestLedger")).toEqual({ ok: "getLatestLedger" });
  });

  it("a definite refusal (a non-transient JSON-RPC error) also shows the RPC is up", async () => {
    const { rpc } = await client((method) =>
      method === "getEvents" ? { status: 503 } : { error: { code: -32602, message: "invalid params" } },
    );
    const failing = failure(rpc.request("getEvents"));
    await new Promise((r) => setTimeout(r, 30));
    const refused = await failure(rpc.request("getLedgerEntries"));
    expect((refused as RpcError).transient).toBe(false);
    expect(await failing).not.toBeInstanceOf(RpcUnavailableError);
  });
});

describe("an interruption", () => {
  it.each(["SIGINT", "SIGTERM"])("aborting with %s rejects requests in flight and waiting with an InterruptedError", async (name) => {
    const controller = new AbortController();
    const { rpc } = await client((method) => (method === "getEvents" ? "hang" : { status: 503 }), {
      signal: controller.signal,
      timeoutMs: 5_000,
      minBackoffMs: 2_000,
      maxBackoffMs: 2_000,
    });
    const inFlight = failure(rpc.request("getEvents"));
    const waiting = failure(rpc.request("getHealth"));
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    controller.abort(name);
    for (const e of [await inFlight, await waiting]) {
      expect(e).toBeInstanceOf(InterruptedError);
      expect((e as InterruptedError).signalName).toBe(name);
    }
    expect(performance.now() - started).toBeLessThan(500);
    const after = await failure(rpc.request("getNetwork"));
    expect(after).toBeInstanceOf(InterruptedError);
  });

  it("an Error given as the reason is passed through unchanged", async () => {
    const controller = new AbortController();
    const { rpc } = await client(() => "hang", { signal: controller.signal, timeoutMs: 5_000 });
    const pending = failure(rpc.request("getEvents"));
    const reason = new Error("stop");
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });
});
