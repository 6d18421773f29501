// GET /api/stream end to end: the real `serve` on the simulator, read by `eventsource` (the WHATWG EventSource for
// Node, which nobody here wrote). A launch reaches the stream with the outbox's event id and the webhook body, with
// no webhook endpoint configured; the filters hold; a reconnect with Last-Event-ID misses and repeats nothing; an id
// the outbox no longer holds gets `stream.reset`; the caps answer 429/503 while 200 open streams leave /health
// answering; SIGTERM ends every stream; with no endpoint, serve prunes the outbox after its retention itself.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { backends, createTestDatabase } from "../support/databases.ts";
import { http } from "../support/live.ts";
import { waitFor } from "../support/wait.ts";
import { startServe } from "../support/serve-process.ts";
import { listen, type SseClient } from "../support/sse-client.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const received = (client: SseClient, type: string, address: string) => () => client.events.some((e) => e.type === type && e.body.data.address === address);

describe.each(backends)("GET /api/stream (%s)", (backend) => {
  it("a launch reaches the stream; filters hold; a reconnect with Last-Event-ID misses and repeats nothing; heartbeats come; SIGTERM ends it", async () => {
    const sim = await startSimnet({ scenario: { seed: 71, tokens: 12, creators: 3 } });
    const db = await createTestDatabase(backend);
    cleanups.push(() => sim.close(), () => db.drop());
    const serve = await startServe(cliEnv(sim, db, { SYNC_POLL_INTERVAL_MS: "200", SYNC_STREAM_HEARTBEAT_MS: "500" }), cleanups);
    await waitFor("serve to be ready", async () => (await http(`${serve.url}/ready`)).status === 200, 60_000);
    const stream = `${serve.url}/api/stream`;

    // Bad filters: 400, a stable code, the value named; nothing opens.
    const badType = await http(`${stream}?types=token.added,nope`);
    expect(badType.status).toBe(400);
    expect(badType.json.error.code).toBe("bad_request");
    expect(badType.json.error.message).toMatch(/"nope" is unknown/);
    const badToken = await http(`${stream}?token=GABC`);
    expect([badToken.status, badToken.json.error.code]).toEqual([400, "bad_request"]);

    const watched = sim.chain.tokens.find((t) => t.status === "Bonding")!;
    const proxy = await startTcpProxy(serve.url);
    cleanups.push(() => proxy.close());
    const all = listen(stream);
    const viaProxy = listen(`${proxy.url}/api/stream`);
    const graduations = listen(`${stream}?types=token.graduated`);
    const oneToken = listen(`${stream}?token=${watched.tokenAddress}`);
    const clients = [all, viaProxy, graduations, oneToken];
    cleanups.push(async () => clients.forEach((c) => c.close()));
    await waitFor("every stream to open", () => clients.every((c) => c.opens === 1));

    const first = sim.chain.launchToken({ name: "Streamed <b>one</b>", symbol: "STR1" });
    await waitFor("the launch on the stream", received(all, "token.added", first.tokenAddress), 30_000);
    await waitFor("the launch through the proxy", received(viaProxy, "token.added", first.tokenAddress), 30_000);
    const added = all.about(first.tokenAddress)[0]!;
    expect(added.body.type).toBe("token.added");
    expect(added.body.data).toMatchObject({ address: first.tokenAddress, name: "Streamed <b>one</b>", symbol: "STR1", status: "BONDING", strategy: "EVENTS" });

    // The proxy's client loses its connection; meanwhile a launch and a trade; it reconnects with Last-Event-ID.
    proxy.block();
    await waitFor("the cut client to notice", () => viaProxy.errors > 0);
    const second = sim.chain.launchToken({ name: "While away", symbol: "AWAY" });
    sim.chain.buy(watched, 25_000_000n);
    await waitFor("the launch made while away", received(all, "token.added", second.tokenAddress), 30_000);
    await waitFor("the trade made while away", received(all, "token.updated", watched.tokenAddress), 30_000);
    proxy.unblock();
    await waitFor("the cut client to reconnect", () => viaProxy.opens === 2, 30_000);
    const third = sim.chain.launchToken({ name: "After", symbol: "AFTR" });
    await waitFor("the next launch on both", () => received(all, "token.added", third.tokenAddress)() && received(viaProxy, "token.added", third.tokenAddress)(), 30_000);
    expect(viaProxy.events.map((e) => e.id)).toEqual(all.events.map((e) => e.id));
    expect(viaProxy.events).toEqual(all.events);
    expect(new Set(all.events.map((e) => e.id)).size).toBe(all.events.length);

    // Filters: one token's events only; no graduation happened.
    expect(oneToken.events.length).toBeGreaterThan(0);
    expect(oneToken.events).toEqual(all.about(watched.tokenAddress));
    expect(graduations.events).toEqual([]);

    // The ids and bodies are the outbox's (the webhooks' event ids and data).
    if (backend === "postgres") {
      const rows = await db.sql<{ id: string; type: string; data: Record<string, unknown> }>(`SELECT id::text AS id, type, data FROM webhook_events ORDER BY seq`);
      expect(all.events.map((e) => [e.id, e.type, e.body.data])).toEqual(rows.map((r) => [r.id, r.type, r.data]));
    }

    // An id the outbox does not hold (pruned after its retention): told so, and resumed from the newest event.
    const stale = listen(stream, { "Last-Event-ID": "00000000-0000-4000-8000-000000000000" });
    cleanups.push(async () => stale.close());
    await waitFor("the reset", () => stale.events.length > 0);
    expect(stale.events[0]!.type).toBe("stream.reset");
    expect(stale.events[0]!.body).toMatchObject({ code: "resume_expired" });
    expect(stale.events[0]!.id).toBe(all.events.at(-1)!.id);

    // A raw reader sees the heartbeat comment (every 500 ms here, SYNC_STREAM_HEARTBEAT_MS).
    const raw = await fetch(stream);
    expect(raw.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = raw.body!.getReader();
    let text = "";
    while (!text.includes(": heartbeat\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    // SIGTERM: every stream ends (the raw reader sees the body end), and the process exits 0.
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    serve.child.kill("SIGTERM");
    expect(await ended).toBe(true);
    const exit = await serve.done;
    expect(exit.code, exit.stderr).toBe(0);
    await waitFor("the clients to see the end", () => all.errors > 0 && oneToken.errors > 0);
  }, 240_000);
});

describe("GET /api/stream: caps", () => {
  it("200 open streams leave /health answering; past the per-client cap 429, past the total 503, both with Retry-After", async () => {
    const sim = await startSimnet({ scenario: { seed: 72, tokens: 5, creators: 2 } });
    const db = await createTestDatabase("pglite");
    cleanups.push(() => sim.close(), () => db.drop());
    // Clients told apart by X-Forwarded-For (one trusted proxy), two streams each, 201 in all.
    const env = cliEnv(sim, db, { SYNC_TRUST_PROXY: "1", SYNC_STREAM_MAX_PER_CLIENT: "2", SYNC_STREAM_MAX: "201" });
    const serve = await startServe(env, cleanups);
    const stream = `${serve.url}/api/stream`;
    const controllers: AbortController[] = [];
    cleanups.push(async () => controllers.forEach((c) => c.abort()));
    const open = async (from: string) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(stream, { headers: { "X-Forwarded-For": from }, signal: controller.signal });
      if (res.status === 200) await res.body!.getReader().read(); // the stream's first bytes
      const error = res.status === 200 ? null : ((await res.json()) as { error: { code: string } }).error;
      return { res, controller, error };
    };

    const opened = await Promise.all(Array.from({ length: 200 }, (_, i) => open(`10.1.${i >> 1}.1`)));
    expect(opened.map((o) => o.res.status)).toEqual(Array(200).fill(200));
    const health = await http(`${serve.url}/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    expect((await http(`${serve.url}/api/status`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);

    const third = await open("10.1.0.1");
    expect(third.res.status).toBe(429);
    expect(third.res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(third.error?.code).toBe("rate_limited");

    expect((await open("10.2.0.1")).res.status).toBe(200); // the 201st
    const over = await open("10.2.0.2");
    expect(over.res.status).toBe(503);
    expect(over.res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(over.error?.code).toBe("unavailable");

    // A stream that ends frees its place.
    opened[0]!.controller.abort();
    await waitFor("the freed place", async () => {
      const again = await open("10.1.0.1");
      return again.res.status === 200;
    }, 10_000, 100);
    serve.child.kill("SIGTERM");
    expect((await serve.done).code).toBe(0);
  }, 180_000);
});

describe("GET /api/stream: retention without webhook endpoints", () => {
  it("serve prunes the events it recorded once older than WEBHOOK_RETENTION_DAYS, and keeps the rest", async () => {
    const sim = await startSimnet({ scenario: { seed: 74, tokens: 3, creators: 1 } });
    const db = await createTestDatabase("postgres");
    cleanups.push(() => sim.close(), () => db.drop());
    const env = cliEnv(sim, db, { WEBHOOK_RETENTION_DAYS: "2" });
    const migrated = await runCli(["db", "migrate"], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const insert = `INSERT INTO webhook_events (contract_id, token_address, type, data, created_at)
      VALUES ($1, $2, 'token.updated', '{}'::jsonb, now() - $3::int * interval '1 day')`;
    const token = sim.chain.tokens[0]!.tokenAddress;
    for (const days of [3, 3, 1]) await db.sql(insert, [sim.contractId, token, days]);
    const serve = await startServe(env, cleanups);
    const ages = async () => (await db.sql<{ days: number }>(`SELECT extract(day FROM now() - created_at)::int AS days FROM webhook_events ORDER BY seq`)).map((r) => r.days);
    await waitFor("the old events pruned", async () => (await ages()).length === 1, 30_000);
    expect(await ages()).toEqual([1]);
    serve.child.kill("SIGTERM");
    expect((await serve.done).code).toBe(0);
  }, 120_000);
});
