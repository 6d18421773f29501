// The public surface of `serve` under attack (issue 20, items 1, 2, 3 and 5): `serve`'s parts in this process on the
// simulator and PostgreSQL, its RPC reached through a proxy at a URL with a key in the path and in the query. Each
// test makes one attack and asserts the safe answer: no key in any public answer, log line, metric or sync_runs
// row; status readable cross-origin but without URLs or error texts; cursor overflow 400; long creator texts cut
// in lists; a flood of searches rate-limited while /health answers; slow connections capped and timed out; the
// client keyed through trusted proxy hops and by IPv6 /64; a Host allowlist; plain-http webhooks refused.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { http as get, postJson, startInProcess, type InProcessLive } from "../support/live.ts";
import { proxyTo, startLocalServer, type LocalServer } from "../support/local-http.ts";
import { median, rawGet, slowConnections, timedGet } from "../support/raw-http.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { TokenQueries } from "../../src/store/token-queries.ts";
import { resolveWebhookConfig } from "../../src/config/webhooks.ts";
import { waitFor } from "../support/wait.ts";

const ADMIN = "admin-token-0123456789abcdef";
const PATH_KEY = "k3yS3cr3tPathToken0123456789";
const QUERY_KEY = "QueryS3cr3tValue42";
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const SLACK_TOKEN = "XyZaBcDeFgHiJkLmNoPqRsTu";
/** A second client on loopback (Linux routes all of 127/8 to lo). */
const ATTACKER = "127.0.0.2";

describe("the public surface of serve under attack", () => {
  let sim: Simnet;
  let db: TestDatabase;
  let proxy: LocalServer;
  let app: InProcessLive;
  let url: string;
  let rpcUrl: string;
  let big: SimToken;
  /** While set, the RPC answers reads with a 401 page that quotes its own URL, key and all. */
  let echo = false;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 20, tokens: 12, creators: 4 } });
    big = sim.chain.launchToken({ name: "Huge", symbol: "HUGE", description: "d".repeat(1024 * 1024) });
    proxy = await startLocalServer(proxyTo(sim.url, (method) => (echo && ["getEvents", "getLedgerEntries"].includes(method) ? { status: 401, body: `unauthorized request to ${rpcUrl}: key ${PATH_KEY} revoked` } : "pass")));
    rpcUrl = `${proxy.url}v1/${PATH_KEY}?apikey=${QUERY_KEY}`;
    db = await createTestDatabase("postgres");
    app = await startInProcess(sim, db, { rpcUrl, actions: { readTimeoutMs: 5000 }, server: { tokens: { apiToken: null, adminToken: ADMIN } } });
    url = app.url;
    await waitFor("/ready", async () => (await get(`${url}/ready`)).status === 200, 60_000);
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await sim?.close();
    await db?.drop();
  });

  it("keys in the RPC URL's path and query reach no public answer, log line, metric or sync_runs row; public errors are generic with an id the log carries", async () => {
    echo = true;
    const refused = await postJson(`${url}/api/sync-token`, { tokenAddress: sim.chain.tokens[0]!.tokenAddress });
    expect([502, 503], refused.text).toContain(refused.status);
    const id = /\(error ([0-9a-f]{8})\)/.exec(refused.json.error.message)?.[1];
    expect(id, refused.json.error.message).toBeDefined();
    expect(refused.json.error.code).toBe(refused.status === 502 ? "read_failed" : "unavailable");
    expect(app.logs.some((l) => l.includes(`[error ${id}]`))).toBe(true);
    // A full resync (a pass the follower records in sync_runs) fails on the same answer.
    const full = await postJson(`${url}/api/admin/sync`, { full: true }, { authorization: `Bearer ${ADMIN}` });
    expect(full.status, full.text).toBe(202);
    await waitFor("a failed run", async () => (await db.sql(`SELECT 1 FROM sync_runs WHERE outcome = 'FAILED'`)).length > 0, 30_000);
    echo = false;
    await waitFor("the follower to recover", async () => (await get(`${url}/ready`)).status === 200, 30_000);

    const answers = await Promise.all(
      ["/api/status", "/api/tokens?limit=100", `/api/tokens/${sim.chain.tokens[0]!.tokenAddress}`, "/metrics", "/ready", "/health"].map(async (p) => (await get(`${url}${p}`)).text),
    );
    const runs = JSON.stringify(await db.sql(`SELECT * FROM sync_runs`));
    expect(runs).toMatch(/401/); // the row holds the failure, masked
    for (const [where, text] of [["public answers", [refused.text, ...answers].join("\n")], ["log", app.logs.join("\n")], ["sync_runs", runs]] as const) {
      for (const secret of [PATH_KEY, QUERY_KEY]) expect(text.includes(secret), `${secret} in the ${where}`).toBe(false);
    }
    // The admin sees where the service reads from, masked, and the errors (the status is shared for a second).
    const admin = await waitFor("the failed run in the admin status", async () => {
      const reply = await get(`${url}/api/admin/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return reply.json.lastRuns.some((r: { error: string | null }) => r.error?.includes("401")) && reply;
    });
    expect(admin.json.rpcUrl).toBe(`${proxy.url}v1/***?apikey=***`);
    expect(admin.json.database).toMatch(/^postgresql:\/\//);
    expect(admin.text.includes(PATH_KEY) || admin.text.includes(QUERY_KEY)).toBe(false);
    expect((await get(`${url}/api/admin/status`)).status).toBe(401);
  }, 90_000);

  it("a page on another origin may read the status, which holds no URL, database label or error text", async () => {
    const reply = await rawGet(`${url}/api/status`, { headers: { Origin: "https://evil.example" } });
    expect(reply.status).toBe(200);
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
    const status = JSON.parse(reply.body);
    expect(status.contractId).toBe(sim.contractId);
    for (const field of ["rpcUrl", "database", "lastError"]) expect(status, field).not.toHaveProperty(field);
    for (const run of status.lastRuns) expect(run).not.toHaveProperty("error");
    expect(reply.body).not.toMatch(/127\.0\.0\.1|postgres|\*\*\*|401/);
  });

  it("a paging cursor holding a 40-digit number answers 400, not 500", async () => {
    const forty = "1234567890".repeat(4);
    const cursor = (sort: string) => Buffer.from(JSON.stringify([sort, "desc", forty, sim.chain.tokens[0]!.tokenAddress])).toString("base64url");
    for (const sort of ["created", "holders"]) {
      const reply = await get(`${url}/api/tokens?sort=${sort}&cursor=${cursor(sort)}`);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.json.error).toEqual({ code: "bad_request", message: expect.stringMatching(/is not valid: its value is out of range for sort=/) });
    }
    // NUMERIC sorts take it: past every stored value, the page is simply the first.
    expect((await get(`${url}/api/tokens?sort=market_cap&cursor=${cursor("market_cap")}`)).status).toBe(200);
  });

  it("a 1 MB description is cut to 1,024 characters in lists, flagged, and whole on the token's own row", async () => {
    await waitFor("the huge token's row", async () => (await get(`${url}/api/tokens/${big.tokenAddress}`)).status === 200);
    const list = await get(`${url}/api/tokens?limit=100`);
    const row = list.json.tokens.find((r: { address: string }) => r.address === big.tokenAddress);
    expect(row.truncated).toBe(true);
    expect(row.description).toBe("d".repeat(1024));
    for (const r of list.json.tokens) {
      const longest = Math.max(...[r.name, r.symbol, r.imageUrl, r.description].map((t: string) => [...t].length));
      expect(longest).toBeLessThanOrEqual(1024);
      if (!r.truncated) expect((await get(`${url}/api/tokens/${r.address}`)).json.description).toBe(r.description);
    }
    expect(list.text.length).toBeLessThan(100_000);
    const one = await get(`${url}/api/tokens/${big.tokenAddress}`);
    expect(one.json.description).toHaveLength(1024 * 1024);
    expect(one.json).not.toHaveProperty("truncated");
  });

  it("2,000 concurrent searches from one client are rate-limited while /health stays answered; a search uses the trigram index", async () => {
    const limited = await app.extraServer({ readRateLimitPerMinute: 600 }); // a burst of 100
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const health: number[] = [];
    let flooding = true;
    const prober = (async () => {
      while (flooding) health.push(await timedGet(`${limited}/health`));
    })();
    const statuses = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => rawGet(`${limited}/api/tokens?q=Sim${i % 10}`, { agent, localAddress: ATTACKER }).then((r) => r.status)),
    );
    flooding = false;
    await prober;
    agent.destroy();
    const count = (s: number) => statuses.filter((x) => x === s).length;
    expect(count(200) + count(429)).toBe(2000);
    expect(count(429)).toBeGreaterThanOrEqual(1800);
    expect(health.length).toBeGreaterThan(0);
    expect(median(health)).toBeLessThan(1000);

    // The search plan reads the trigram index, not the table (sequential scans off: the table is tiny).
    const plan = await app.live.keeper.get().db.withSession(async (s) => {
      await s.exec("SET enable_seqscan = off");
      try {
        return await s.query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT address FROM tokens WHERE name ILIKE '%huge%' OR symbol ILIKE '%huge%'`);
      } finally {
        await s.exec("RESET enable_seqscan");
      }
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Bitmap Index Scan on tokens_name_idx[\s\S]*Bitmap Index Scan on tokens_symbol_idx/);
  }, 120_000);

  it("every public read is rate-limited (/api/*, /ready, /metrics), never /health; concurrent status calls share one database read", async () => {
    const limited = await app.extraServer({ readRateLimitPerMinute: 6 }); // a burst of 1
    expect((await get(`${limited}/metrics`)).status).toBe(200);
    for (const p of ["/metrics", "/ready", "/api/status", "/api/tokens"]) {
      const reply = await get(`${limited}${p}`);
      expect(reply.status, p).toBe(429);
      expect(Number(reply.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    for (let i = 0; i < 5; i++) expect((await get(`${limited}/health`)).status).toBe(200);

    const reads = vi.spyOn(TokenQueries.prototype, "status");
    try {
      await new Promise((r) => setTimeout(r, 1100)); // past the cache's second
      const replies = await Promise.all(Array.from({ length: 100 }, () => get(`${url}/api/status`)));
      expect(replies.every((r) => r.status === 200)).toBe(true);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      reads.mockRestore();
    }
  });

  it("3,000 slow half-open connections from one client are capped and timed out while /health answers within 100 ms", async () => {
    const guarded = await app.extraServer({ connections: { headersTimeoutMs: 2000, connectionsPerClient: 128 } });
    const port = Number(new URL(guarded).port);
    const slow = await slowConnections(port, 3000, ATTACKER);
    try {
      // Beyond the per-client cap the server closes them at once.
      await waitFor("connections beyond the cap to be closed", () => slow.closed() >= 3000 - 128, 20_000);
      const times: number[] = [];
      for (let i = 0; i < 21; i++) times.push(await timedGet(`${guarded}/health`));
      expect(median(times)).toBeLessThan(100);
      // The ones within the cap never finish their headers: the headers timeout ends them.
      await waitFor("every slow connection to be closed", () => slow.closed() === 3000, 20_000);
    } finally {
      slow.destroy();
    }
  }, 90_000);

  it("behind SYNC_TRUST_PROXY=1 the client is the address one hop from the right of X-Forwarded-For; without it the header is ignored", async () => {
    const behind = await app.extraServer({ trustProxyHops: 1, readRateLimitPerMinute: 6 });
    const as = (base: string, xff: string) => rawGet(`${base}/api/status`, { headers: { "X-Forwarded-For": xff } }).then((r) => r.status);
    expect(await as(behind, "6.6.6.6, 203.0.113.7")).toBe(200);
    expect(await as(behind, "203.0.113.7")).toBe(429);
    // A client cannot escape its bucket by prefixing addresses: the proxy appends the real one.
    expect(await as(behind, "198.51.100.1, 203.0.113.7")).toBe(429);
    expect(await as(behind, "203.0.113.8")).toBe(200);

    const direct = await app.extraServer({ readRateLimitPerMinute: 6 });
    expect(await as(direct, "203.0.113.20")).toBe(200);
    expect(await as(direct, "203.0.113.21")).toBe(429);
  });

  it("IPv6 clients share one bucket per /64; an IPv4-mapped address is its IPv4 client", async () => {
    const behind = await app.extraServer({ trustProxyHops: 1, readRateLimitPerMinute: 6 });
    const as = (xff: string) => rawGet(`${behind}/api/status`, { headers: { "X-Forwarded-For": xff } }).then((r) => r.status);
    expect(await as("2001:db8:1:2::a")).toBe(200);
    expect(await as("2001:db8:1:2:ffff:ffff:ffff:b")).toBe(429);
    expect(await as("2001:db8:1:3::a")).toBe(200);
    expect(await as("203.0.113.9")).toBe(200);
    expect(await as("::ffff:203.0.113.9")).toBe(429);
  });

  it("with SYNC_ALLOWED_HOSTS a request for another Host (DNS rebinding) answers 421; /health answers any Host", async () => {
    const guarded = await app.extraServer({ allowedHosts: ["localhost"] });
    const port = new URL(guarded).port;
    const rebound = await rawGet(`${guarded}/api/status`, { headers: { Host: `evil.example:${port}` } });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).error).toEqual({ code: "misdirected", message: expect.stringMatching(/host "evil\.example" is not served here/) });
    expect((await rawGet(`${guarded}/api/status`, { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    expect((await rawGet(`${guarded}/health`, { headers: { Host: `evil.example:${port}` } })).status).toBe(200);
  });

  it("a plain-http webhook URL to another machine is refused at start, its path token masked; loopback and ALLOW_HTTP are accepted", async () => {
    const hook = `http://hooks.example.com/services/T0123ABCD/B0456EFGH/${SLACK_TOKEN}`;
    const r = await runCli(["--json"], { env: cliEnv(sim, db, { WEBHOOK_URLS: hook, WEBHOOK_SECRET }) });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/webhook URL http:\/\/hooks\.example\.com\/services\/T0123ABCD\/B0456EFGH\/\*\*\* is plain http to a non-local host/);
    expect(r.stdout + r.stderr).not.toContain(SLACK_TOKEN);

    expect(resolveWebhookConfig({ urls: ["http://127.0.0.1:9/hook"], secret: WEBHOOK_SECRET }, {})?.urls).toEqual(["http://127.0.0.1:9/hook"]);
    expect(resolveWebhookConfig({ urls: [hook], secret: WEBHOOK_SECRET }, { ALLOW_HTTP: "1" })?.secrets).toContain(SLACK_TOKEN);
  }, 60_000);
});
