// `sync-tokens serve`'s parts in this process (startLive + createServer), over real HTTP, against the simulator,
// on PostgreSQL and on the embedded database: readiness, the follower picking up a launch, POST /api/sync-token
// (exact rows, shared reads, every bad input refused with nothing written, 404, 429, 503 while the RPC is
// down), the token list's filters and keyset pages, the status, /metrics as Prometheus exposition, the admin
// endpoint, and the follower catching up without a gap after an RPC outage.
import { Keypair } from "@stellar/stellar-sdk";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { ROW_SQL } from "../support/expect-rows.ts";
import { chainFields, expectedApiRow, http, LedgerTicker, listedRow, postJson, startInProcess, strangerContract, type InProcessLive } from "../support/live.ts";
import { proxyTo, startLocalServer, type LocalServer } from "../support/local-http.ts";
import { truthRows } from "../support/resilience.ts";
import { waitFor } from "../support/wait.ts";

const ADMIN = "admin-token-0123456789abcdef";
const API = "api-token-0123456789abcdef";
/** The stable code each refusal's status carries (src/server/http-errors.ts). */
const CODES: Record<number, string> = { 400: "bad_request", 404: "not_found", 413: "payload_too_large", 415: "unsupported_media_type" };

describe.each(backends)("serve on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let proxy: LocalServer;
  let rpcDown = false;
  /** While set, the proxy holds getLedgerEntries requests until it resolves. */
  let holdEntries: Promise<void> | null = null;
  let app: InProcessLive;
  let url: string;

  /** The stored rows, read through the live process's own database (the embedded one allows one owner). */
  const stored = async (): Promise<Record<string, string>[]> => app.live.keeper.get().db.query(ROW_SQL);
  /** Every row matches the chain and the follower's last pass has moved the cursor to the latest ledger. */
  const inSync = async () => {
    const [state] = await app.live.keeper.get().db.query<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state`);
    return Number(state?.last_ledger) === sim.chain.latestLedger && JSON.stringify(await stored()) === JSON.stringify(truthRows(sim));
  };
  const snapshot = async () => {
    const db = app.live.keeper.get().db;
    return JSON.stringify([
      await stored(),
      await db.query(`SELECT address, token_count, last_scanned_at FROM creators ORDER BY address`),
      await db.query(`SELECT last_ledger::text FROM sync_state`),
    ]);
  };

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 41, tokens: 36, creators: 8 }, latencyMs: 100 });
    // The live process talks to the simulator through a proxy that can play an RPC outage, or hold reads.
    proxy = await startLocalServer(
      proxyTo(sim.url, async (method) => {
        if (rpcDown) return "reset";
        if (method === "getLedgerEntries" && holdEntries) await holdEntries;
        return "pass";
      }),
    );
    db = await createTestDatabase(backend);
  });

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await sim?.close();
    await db?.drop();
  });

  it("/ready answers 503 until the first sync is done, then 200", async () => {
    app = await startInProcess(sim, db, { rpcUrl: proxy.url, actions: { readTimeoutMs: 3000 } });
    url = app.url;
    // The first pass needs several round trips at 100 ms each: it cannot be done yet.
    const first = await http(`${url}/ready`);
    expect(first.status).toBe(503);
    expect(first.json).toEqual({ ready: false });
    expect((await http(`${url}/health`)).status).toBe(200);
    await waitFor("/ready to answer 200", async () => (await http(`${url}/ready`)).status === 200);
    sim.setLatency(0);
    expect(await inSync()).toBe(true);
  });

  it("stores a launch without waiting for another ledger to close", async () => {
    const ticker = new LedgerTicker(sim, 200).start();
    await waitFor("a few ledgers", () => ticker.launched.length >= 2);
    ticker.stop();
    const t = sim.chain.launchToken({ name: "Fresh", symbol: "FRSH" });
    const ledger = sim.chain.latestLedger;
    await waitFor("the launch's row", async () => (await stored()).some((r) => r.address === t.tokenAddress));
    expect(sim.chain.latestLedger).toBe(ledger);
    await waitFor("every row to match the chain", inSync);
  });

  it("POST /api/sync-token answers with the exact row of a token launched a moment ago; requests for it share one read", async () => {
    const t = sim.chain.launchToken({ name: "Just now", symbol: "JNOW" });
    const reply = await postJson(`${url}/api/sync-token`, { tokenAddress: t.tokenAddress });
    expect(reply.status, reply.text).toBe(200);
    expect(chainFields(reply.json)).toEqual(expectedApiRow(t, sim.contractId));
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);

    // The chain is still: the follower sends getHealth only, so every getLedgerEntries is the API's.
    await waitFor("the follower to store the launch", inSync);
    // The first read is held at the RPC until all six requests have reached the action: however slowly they
    // arrive, the others find it in flight.
    let letThrough: () => void = () => {};
    holdEntries = new Promise<void>((resolve) => (letThrough = resolve));
    const calls = vi.spyOn(app.live.actions, "syncToken");
    sim.resetCounters();
    const pending = Array.from({ length: 6 }, () => postJson(`${url}/api/sync-token`, { tokenAddress: t.tokenAddress }));
    try {
      await waitFor("six requests to reach the action", () => calls.mock.calls.length === 6);
    } finally {
      calls.mockRestore();
      holdEntries = null;
      letThrough();
    }
    const replies = await Promise.all(pending);
    for (const r of replies) expect(chainFields(r.json)).toEqual(expectedApiRow(t, sim.contractId));
    expect(sim.counters().getLedgerEntries).toBe(1);
  });

  it("refuses every bad input with a 4xx and a one-line reason, and writes nothing", async () => {
    await waitFor("the follower to be idle", inSync);
    const before = await snapshot();
    const seed = Keypair.random().secret();
    const post = (body: string, type = "application/json") =>
      http(`${url}/api/sync-token`, { method: "POST", headers: { "content-type": type }, body });
    const cases: [string, Promise<Awaited<ReturnType<typeof http>>>, number, RegExp][] = [
      ["short address", post(JSON.stringify({ tokenAddress: "CBAD" })), 400, /tokenAddress "CBAD" is not valid: it has 4 characters/],
      ["account address", post(JSON.stringify({ tokenAddress: sim.chain.creators[0] })), 400, /it is an account, not a contract/],
      ["secret seed", post(JSON.stringify({ tokenAddress: seed })), 400, new RegExp(`"S\\.\\.\\.${seed.slice(-4)}" is not valid: it is a secret seed`)],
      ["number", post(JSON.stringify({ tokenAddress: 7 })), 400, /tokenAddress must be a string/],
      ["missing member", post(JSON.stringify({ token: "x" })), 400, /tokenAddress must be a string/],
      ["bad JSON", post("{tokenAddress:"), 400, /request body is not valid JSON/],
      ["wrong content type", post(JSON.stringify({ tokenAddress: sim.chain.tokens[0]!.tokenAddress }), "text/plain"), 415, /content type must be application\/json, got "text\/plain"/],
      ["no content type", http(`${url}/api/sync-token`, { method: "POST", body: "{}" }), 415, /content type must be application\/json/],
      ["oversized body", post(JSON.stringify({ tokenAddress: sim.chain.tokens[0]!.tokenAddress, pad: "x".repeat(5000) })), 413, /request body is larger than 4096 bytes/],
      ["unknown token", post(JSON.stringify({ tokenAddress: strangerContract(9) })), 404, /is not known to the factory/],
      ["bad list filter", http(`${url}/api/tokens?status=burning`), 400, /status "burning" is not valid/],
      ["bad page size", http(`${url}/api/tokens?limit=1000`), 400, /limit "1000" is not valid/],
      ["forged cursor", http(`${url}/api/tokens?cursor=abc`), 400, /cursor "abc" is not valid/],
      ["short search", http(`${url}/api/tokens?q=ab`), 400, /q "ab" is too short: search with at least 3 characters/],
      ["bad token path", http(`${url}/api/tokens/not-an-address`), 400, /token address "not-an-address" is not valid/],
      ["unknown stored token", http(`${url}/api/tokens/${strangerContract(10)}`), 404, /is not in the database/],
      ["admin disabled", http(`${url}/api/admin/sync`, { method: "POST" }), 404, /the admin endpoint is disabled: set SYNC_ADMIN_TOKEN/],
    ];
    for (const [what, pending, status, message] of cases) {
      const reply = await pending;
      expect(reply.status, `${what}: ${reply.text}`).toBe(status);
      expect(reply.json?.error?.message, what).toMatch(message);
      expect(reply.json.error.code, what).toBe(CODES[status]);
      expect(reply.json.error.message.includes("\n"), what).toBe(false);
    }
    expect(await snapshot()).toBe(before);
  });

  it("rate-limits sync-token calls per client with 429 and Retry-After; SYNC_API_TOKEN makes them need a bearer token", async () => {
    const limited = await app.extraServer({ rateLimitPerMinute: 6 }); // a burst of 1
    const token = sim.chain.tokens[1]!.tokenAddress;
    expect((await postJson(`${limited}/api/sync-token`, { tokenAddress: token })).status).toBe(200);
    const refused = await postJson(`${limited}/api/sync-token`, { tokenAddress: token });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.json.error).toEqual({ code: "rate_limited", message: expect.stringMatching(/too many sync-token requests from this client: try again in \d+ s/) });

    const guarded = await app.extraServer({ tokens: { apiToken: API, adminToken: null } });
    expect((await postJson(`${guarded}/api/sync-token`, { tokenAddress: token })).status).toBe(401);
    expect((await postJson(`${guarded}/api/sync-token`, { tokenAddress: token }, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    expect((await postJson(`${guarded}/api/sync-token`, { tokenAddress: token }, { authorization: `Bearer ${API}` })).status).toBe(200);
  });

  it("lists tokens by filter, sort and keyset pages that together hold every row once", async () => {
    const evil = sim.chain.launchToken({ name: "<script>alert('x')</script>", symbol: "%_&" });
    await waitFor("the follower to be idle", inSync);
    const truth = [...sim.chain.tokens];
    const pages = async (query: string) => {
      const out: any[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 50; i++) {
        const page = await http(`${url}/api/tokens?${query}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.status, page.text).toBe(200);
        out.push(...page.json.tokens);
        cursor = page.json.nextCursor;
        if (!cursor) return out;
      }
      throw new Error("more than 50 pages");
    };
    const byCap = (a: SimToken, b: SimToken) =>
      a.marketCap === b.marketCap ? (a.tokenAddress < b.tokenAddress ? 1 : -1) : a.marketCap < b.marketCap ? 1 : -1;
    const listed = await pages("sort=market_cap&limit=7");
    expect(listed.map((r) => r.address)).toEqual([...truth].sort(byCap).map((t) => t.tokenAddress));
    for (const row of listed) {
      const whole = expectedApiRow(sim.chain.tokenByAddress(row.address)!, sim.contractId);
      expect(chainFields(row)).toEqual(listedRow(whole));
      expect(row.truncated).toBe(JSON.stringify(listedRow(whole)) !== JSON.stringify(whole));
    }
    expect(listed.some((r) => r.truncated)).toBe(true); // the scenario's long description

    expect((await pages("sort=created&order=asc&limit=5")).map((r) => r.onchainId)).toEqual(truth.map((t) => t.id));
    const holders = await pages("sort=holders&order=asc&limit=9");
    expect(holders.map((r) => BigInt(r.holdersCount))).toEqual(truth.map((t) => BigInt(t.holdersCount)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const raised = await pages("sort=xlm_raised&limit=4");
    expect(new Set(raised.map((r) => r.address)).size).toBe(truth.length);

    const creator = sim.chain.creators.find((c) => sim.chain.creatorTokens(c).length > 1)!;
    expect((await pages(`creator=${creator}&limit=2`)).map((r) => r.address).sort()).toEqual(sim.chain.creatorTokens(creator).map((t) => t.tokenAddress).sort());
    const bonding = truth.filter((t) => t.status === "Bonding").map((t) => t.tokenAddress).sort();
    expect((await pages("status=bonding")).map((r) => r.address).sort()).toEqual(bonding);
    const named = await pages("q=just%20NOW");
    expect(named.map((r) => r.symbol)).toEqual(["JNOW"]);
    // % and _ are literal in a search.
    expect((await pages("q=%25_%26")).map((r) => r.address)).toEqual([evil.tokenAddress]);
    expect((await pages("q=__%26")).map((r) => r.address)).toEqual([]);

    // Chain text reaches the JSON exactly, but never as raw HTML.
    const all = await http(`${url}/api/tokens?limit=100`);
    expect(all.text).not.toMatch(/[<>]/);
    expect(all.json.tokens.find((r: { address: string }) => r.address === evil.tokenAddress).name).toBe(evil.name);
    const one = await http(`${url}/api/tokens/${truth[0]!.tokenAddress}`);
    expect(chainFields(one.json)).toEqual(expectedApiRow(truth[0]!, sim.contractId));
  });

  it("reports the status: cursor, lag, stored against the contract's count, last runs", async () => {
    await waitFor("the follower to be idle", inSync);
    const status = (await http(`${url}/api/status`)).json;
    expect(status).toMatchObject({
      contractId: sim.contractId,
      networkPassphrase: sim.networkPassphrase,
      role: "leader",
      ready: true,
      latestLedger: sim.chain.latestLedger,
      cursor: { ledger: sim.chain.latestLedger },
      lag: { ledgers: 0, seconds: 0 },
      storedTokens: sim.chain.tokens.length,
      contractTokens: sim.chain.tokens.length,
      missingIds: [],
      missingCount: 0,
      initialSyncDone: true,
    });
    expect(status.lastRuns[0]).toMatchObject({ trigger: "serve", outcome: "SUCCEEDED" });
    // Where the service reads and writes, and its error texts, are the admin's (GET /api/admin/status).
    for (const field of ["rpcUrl", "database", "lastError"]) expect(status, field).not.toHaveProperty(field);
    expect(status.lastRuns[0]).not.toHaveProperty("error");
  });

  it("answers the admin endpoint with its bearer token only: a full resync, or one creator's scan", async () => {
    const admin = await app.extraServer({ tokens: { apiToken: null, adminToken: ADMIN } });
    expect((await http(`${admin}/api/admin/sync`, { method: "POST" })).status).toBe(401);
    expect((await postJson(`${admin}/api/admin/sync`, {}, { authorization: `Bearer ${ADMIN}x` })).status).toBe(401);
    const bad = await postJson(`${admin}/api/admin/sync`, { creator: "GNOPE" }, { authorization: `Bearer ${ADMIN}` });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toEqual({ code: "bad_request", message: expect.stringMatching(/creator "GNOPE" is not valid/) });

    const creator = sim.chain.dormantCreators()[0] ?? sim.chain.creators[0]!;
    const scan = await postJson(`${admin}/api/admin/sync`, { creator }, { authorization: `Bearer ${ADMIN}` });
    expect(scan.status, scan.text).toBe(200);
    expect(scan.json.scan).toMatchObject({ creator, tokens: sim.chain.creatorTokens(creator).length, failed: [] });

    const full = await http(`${admin}/api/admin/sync`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(full.status, full.text).toBe(202);
    const run = await waitFor("the full resync's run", async () => {
      const runs = (await http(`${url}/api/status`)).json.lastRuns as { trigger: string; outcome: string }[];
      return runs.find((r) => r.trigger === "serve:full" && r.outcome !== "RUNNING");
    });
    expect(run.outcome).toBe("SUCCEEDED");
  });

  it("serves /metrics as Prometheus text exposition", async () => {
    const reply = await http(`${url}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = new Map(parsePrometheusTextFormat(reply.text).map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;
    expect(Number(value("sync_tokens_latest_ledger"))).toBe(sim.chain.latestLedger);
    expect(Number(value("sync_tokens_cursor_ledger"))).toBe(sim.chain.latestLedger);
    expect(Number(value("sync_tokens_lag_ledgers"))).toBe(0);
    expect(Number(value("sync_tokens_stored_tokens"))).toBe(sim.chain.tokens.length);
    expect(Number(value("sync_tokens_leader"))).toBe(1);
    expect(Number(value("sync_tokens_rpc_requests_total", { method: "getLedgerEntries", outcome: "ok" }))).toBeGreaterThan(0);
    expect(Number(value("sync_tokens_sync_token_requests_total", { outcome: "ok" }))).toBeGreaterThan(0);
    expect(Number(value("sync_tokens_sync_token_requests_total", { outcome: "bad_request" }))).toBeGreaterThan(0);
    expect(Number(value("sync_tokens_sync_token_requests_total", { outcome: "rate_limited" }))).toBe(1);
    expect(families.get("sync_tokens_write_seconds")?.type).toBe("HISTOGRAM");
    const writes = families.get("sync_tokens_write_seconds")?.metrics ?? [];
    expect(writes.some((m) => Number(m.buckets?.["+Inf"]) > 0)).toBe(true);
    expect(families.has("sync_tokens_rpc_retries_total")).toBe(true);
    // Node's default process metrics under their standard names, the build, and the webhook outbox (none here).
    expect(Number(value("process_cpu_user_seconds_total"))).toBeGreaterThan(0);
    expect(Number(value("nodejs_heap_size_used_bytes"))).toBeGreaterThan(0);
    expect(Number(value("sync_tokens_build_info", { version: packageJson.version }))).toBe(1);
    expect(Number(value("sync_tokens_webhook_pending_deliveries"))).toBe(0);
    expect(Number(value("sync_tokens_webhook_deliveries_total", { outcome: "retried" }))).toBe(0);
  });

  it("answers 503 while the RPC is unreachable, and the follower catches up without a gap once it is back", async () => {
    await waitFor("the follower to be idle", inSync);
    rpcDown = true;
    const ticker = new LedgerTicker(sim, 100, 2);
    for (let i = 0; i < 8; i++) ticker.tick(); // launches and trades the follower cannot see yet
    const reply = await postJson(`${url}/api/sync-token`, { tokenAddress: ticker.launched[0]!.tokenAddress });
    expect(reply.status, reply.text).toBe(503);
    expect(Number(reply.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await inSync()).toBe(false);
    rpcDown = false;
    await waitFor("the follower to catch up", inSync, 60_000, 200);
    expect(app.logs.some((l) => /^warning: (getHealth|getEvents|getLedgerEntries|simulateTransaction|getLatestLedger) failed/.test(l))).toBe(true);
  });
});
