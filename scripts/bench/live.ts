// The live follower and the HTTP API: launch to row, POST /api/sync-token, GET /api/tokens under load.
//
// On the simulator, into PostgreSQL. It prints a table and writes JSON to bench-results/ (git-ignored).
//
//   1. launch-to-row latency: ledgers close every --ledger-ms (1 s) with --launches (10) launches each; for every
//      launch, the time from its ledger's close to the end of the follower pass that stored it, in ms and in
//      ledgers closed meanwhile. Target: p99 at most 1 ledger plus 1 poll. Measured again behind a load balancer
//      whose nodes lag 0..--lb-lag (2) ledgers (each request lands on one), in the same run.
//   2. POST /api/sync-token: sequential calls for tokens already stored and for fresh launches; p50/p99 and RPC
//      requests per call. Target: p99 under 3 RPC round trips (--latency each).
//   3. GET /api/tokens on --tokens (10,000) stored tokens: --clients concurrent clients for --seconds, a mix of
//      first pages by each sort, keyset pages deep in the list, filters and searches; requests per second.
// The simulator, the live process and the HTTP clients share this process (and its 2 cores with PostgreSQL).
//
// Flags: --tokens 10000 --creators 2000 --latency 50 --ledger-ms 1000 --launches 10 --ledgers 30 --calls 200
//        --clients 16 --seconds 10 --seed 1 --lb-lag 2 --database-url URL (a server to create the database on; default: a
//        throwaway cluster) --out FILE
import fs from "node:fs";
import path from "node:path";
import { startLive, type Live } from "../../src/live/live.ts";
import { Metrics } from "../../src/internal/metrics.ts";
import { ShutdownRegistry } from "../../src/internal/shutdown.ts";
import { createServer } from "../../src/server/server.ts";
import type { SyncReport } from "../../src/sync/session.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { flagNumber, flagText, type BenchFlags } from "./flags.ts";
import { int, ms, percentile, table } from "./format.ts";
import { openServer } from "./postgres.ts";

export const options = { "ledger-ms": "1000", launches: "10", ledgers: "30", clients: "16", "lb-lag": "2" };

export async function run(bench: BenchFlags): Promise<void> {
  const flags = flagText(bench, { tokens: 10000, creators: 2000, latency: 50, calls: 200, seconds: 10, seed: 1 });
  const num = (name: string) => flagNumber(flags, name);
  const latencyMs = num("latency");
  const ledgerMs = num("ledger-ms");
  const lbLag = num("lb-lag");

  const server = await openServer(flags["database-url"]);
  const databaseUrl = await server.createDatabase("live");
  console.log(`building the scenario: ${int(num("tokens"))} tokens by ${int(num("creators"))} creators, ${latencyMs} ms RPC latency`);
  const sim = await startSimnet({ scenario: { seed: num("seed"), tokens: num("tokens"), creators: num("creators") }, latencyMs });
  const shutdown = new ShutdownRegistry({ info() {}, warn() {} });
  let warnings = 0;
  const logger = { info() {}, warn: () => void warnings++ };
  let live: Live | undefined;
  const passes: { at: number; report: SyncReport }[] = [];
  let onPass: (report: SyncReport, at: number) => void = () => {};
  const common = { logger, metrics: new Metrics(), shutdown };
  const results: Record<string, unknown> = { tokens: num("tokens"), creators: num("creators"), latencyMs, ledgerMs, launchesPerLedger: num("launches"), database: server.label };

  try {
    const t0 = performance.now();
    live = await startLive({
      mode: "serve",
      common,
      session: {
        rpcUrl: sim.url,
        networkPassphrase: sim.networkPassphrase,
        contractId: sim.contractId,
        databaseUrl,
        creators: sim.chain.dormantCreators(),
        env: {},
        logger,
      },
      onBatch: (report) => {
        const at = performance.now();
        passes.push({ at, report });
        onPass(report, at);
      },
    });
    const http = await createServer({ common, actions: live.actions, tokens: { apiToken: null, adminToken: null }, rateLimitPerMinute: 0, readRateLimitPerMinute: 0 }).listen({ port: 0, host: "127.0.0.1" });
    const follower = live.follower;
    while (!follower.state.initialSyncDone) await new Promise((r) => setTimeout(r, 50));
    const firstPassMs = performance.now() - t0;
    console.log(`first pass (open + full sync of ${int(sim.chain.tokens.length)} tokens): ${ms(firstPassMs)}`);
    results.firstPassMs = Math.round(firstPassMs);

    // ---- 1. launch-to-row latency: one node, then behind a load balancer whose nodes lag (issue 18) ----
    const launchToRow = async () => {
      const pending: { address: string; ledger: number; closedAt: number }[] = [];
      const latencies: { ms: number; ledgers: number }[] = [];
      onPass = (report, at) => {
        const to = report.cursor.to;
        if (to === null) return;
        for (let i = pending.length - 1; i >= 0; i--) {
          const p = pending[i]!;
          if (p.ledger > to) continue;
          latencies.push({ ms: at - p.closedAt, ledgers: sim.chain.latestLedger - p.ledger });
          pending.splice(i, 1);
        }
      };
      const launches = num("launches");
      const ledgers = num("ledgers");
      const warmup = 5; // ledgers for the follower to learn the close interval; not measured
      let passesBefore = passes.length;
      await new Promise<void>((resolve) => {
        let closed = 0;
        const timer = setInterval(() => {
          const tokens = sim.chain.inOneLedger(() => Array.from({ length: launches }, () => sim.chain.launchToken()));
          const closedAt = performance.now();
          if (++closed <= warmup) {
            passesBefore = passes.length;
            return;
          }
          for (const t of tokens) pending.push({ address: t.tokenAddress, ledger: t.launchLedger, closedAt });
          if (closed >= ledgers + warmup) {
            clearInterval(timer);
            resolve();
          }
        }, ledgerMs);
      });
      const drainUntil = performance.now() + 10 * ledgerMs;
      while (pending.length > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
      const pollMs = ledgerMs / 10; // the follower's retry once a ledger is overdue (LedgerClock)
      const measured = passes.slice(passesBefore).map((p) => p.report);
      const lat = {
        passP50Ms: percentile(measured.map((r) => r.durationMs), 50),
        passP99Ms: percentile(measured.map((r) => r.durationMs), 99),
        rpcRequestsPerPass: measured.reduce((n, r) => n + Object.values(r.rpcRequests).reduce((a, b) => a + b, 0), 0) / Math.max(1, measured.length),
        launches: latencies.length,
        notStored: pending.length,
        p50Ms: percentile(latencies.map((l) => l.ms), 50),
        p99Ms: percentile(latencies.map((l) => l.ms), 99),
        p50Ledgers: percentile(latencies.map((l) => l.ledgers), 50),
        p99Ledgers: percentile(latencies.map((l) => l.ledgers), 99),
        targetMs: ledgerMs + pollMs,
        passes: passes.length - passesBefore,
        learntLedgerMs: Math.round(follower.state.ledgerSeconds * 1000),
      };
        return lat;
    };
    const lat = await launchToRow();
    results.launchToRow = lat;
    sim.setLoadBalancerLag(lbLag);
    const latLb = await launchToRow();
    sim.setLoadBalancerLag(0);
    results.launchToRowLoadBalanced = { ...latLb, lbLag };

    // ---- 2. POST /api/sync-token ----
    const calls = num("calls");
    const stored = sim.chain.tokens.slice(0, num("tokens"));
    const post = async (address: string): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${http.url}/api/sync-token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tokenAddress: address }) });
      await res.text();
      if (res.status !== 200) throw new Error(`sync-token answered ${res.status}`);
      return performance.now() - started;
    };
    const rpcBefore = { ...live.keeper.get().rpc.requestCounts };
    const healthBefore = rpcBefore.getHealth ?? 0;
    const existing: number[] = [];
    for (let i = 0; i < calls; i++) existing.push(await post(stored[(i * 7919) % stored.length]!.tokenAddress));
    // The chain stood still meanwhile: the follower sent getHealth polls only, every other request was the API's.
    const rpcAfter = live.keeper.get().rpc.requestCounts;
    const apiRequests = Object.entries(rpcAfter).reduce((n, [m, v]) => n + (m === "getHealth" ? 0 : v - (rpcBefore[m] ?? 0)), 0);
    const followerHealthPolls = (rpcAfter.getHealth ?? 0) - healthBefore;
    const fresh: number[] = [];
    for (let i = 0; i < Math.min(50, calls); i++) {
      const t = sim.chain.launchToken();
      fresh.push(await post(t.tokenAddress));
    }
    const st = {
      calls: existing.length + fresh.length,
      existingP50Ms: percentile(existing, 50),
      existingP99Ms: percentile(existing, 99),
      freshP50Ms: percentile(fresh, 50),
      freshP99Ms: percentile(fresh, 99),
      rpcRequestsPerCall: apiRequests / existing.length,
      followerHealthPolls,
      targetMs: 3 * latencyMs,
    };
    results.syncToken = st;

    // ---- 3. GET /api/tokens ----
    while (live.follower.state.latestLedger !== sim.chain.latestLedger || passes.at(-1)?.report.cursor.to !== sim.chain.latestLedger) {
      await new Promise((r) => setTimeout(r, 50));
    }
    sim.setLatency(0);
    const deep = await (async () => {
      // A cursor ~5,000 rows into the market-cap order, to show a deep page costs what the first does.
      let cursor: string | null = null;
      for (let i = 0; i < 50; i++) {
        const page = (await (await fetch(`${http.url}/api/tokens?sort=market_cap&limit=100${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { nextCursor: string | null };
        cursor = page.nextCursor;
      }
      return cursor;
    })();
    const creator = sim.chain.creators[3]!;
    const mix = [
      "/api/tokens",
      "/api/tokens?sort=market_cap",
      "/api/tokens?sort=xlm_raised&order=asc",
      "/api/tokens?sort=holders",
      `/api/tokens?sort=market_cap&cursor=${deep}`,
      "/api/tokens?status=bonding&sort=market_cap",
      `/api/tokens?creator=${creator}`,
      "/api/tokens?q=sim%20token%2012",
    ];
    // One client first: the latency of a request alone.
    const alone: number[] = [];
    for (let i = 0; i < 80; i++) {
      const started = performance.now();
      await (await fetch(`${http.url}${mix[i % mix.length]}`)).arrayBuffer();
      alone.push(performance.now() - started);
    }
    const perKind = new Map<string, number[]>();
    const seconds = num("seconds");
    const until = performance.now() + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: num("clients") }, async (_, c) => {
        for (let i = c; performance.now() < until; i++) {
          const url = mix[i % mix.length]!;
          const started = performance.now();
          const res = await fetch(`${http.url}${url}`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
          const list = perKind.get(url) ?? [];
          list.push(performance.now() - started);
          perKind.set(url, list);
          done++;
        }
      }),
    );
    const all = [...perKind.values()].flat();
    const list = { requests: done, perSecond: done / seconds, p50Ms: percentile(all, 50), p99Ms: percentile(all, 99), clients: num("clients") };
    const kinds = [...perKind].map(([k, v]) => ({ request: k.replace(/cursor=[^&]+/, "cursor=<5,000 rows in>"), n: v.length, p50Ms: percentile(v, 50), p99Ms: percentile(v, 99) }));
    results.listTokens = { ...list, aloneP50Ms: percentile(alone, 50), aloneP99Ms: percentile(alone, 99), kinds };
    results.warnings = warnings;

    console.log("");
    console.log(
      table(
        ["measure", "p50", "p99", "target", "notes"],
        [
          ["launch-to-row (ms)", ms(lat.p50Ms), ms(lat.p99Ms), `p99 <= ${ms(lat.targetMs)}`, `${lat.launches} launches, ${lat.passes} passes, ${lat.notStored} not stored; ledgers every ${ms(ledgerMs)} (learnt ${ms(lat.learntLedgerMs)})`],
          ["launch-to-row (ledgers)", String(lat.p50Ledgers), String(lat.p99Ledgers), "p99 <= 1", "ledgers closed after the launch's, before its row was stored"],
          [`launch-to-row, nodes 0..${lbLag} behind (ms)`, ms(latLb.p50Ms), ms(latLb.p99Ms), "", `${latLb.launches} launches, ${latLb.notStored} not stored, ${latLb.passes} passes; each request on a node 0..${lbLag} ledgers behind`],
          [`launch-to-row, nodes 0..${lbLag} behind (ledgers)`, String(latLb.p50Ledgers), String(latLb.p99Ledgers), "", ""],
          ["follower pass", ms(lat.passP50Ms), ms(lat.passP99Ms), "", `${lat.rpcRequestsPerPass.toFixed(1)} RPC requests per pass (besides the polls)`],
          ["POST /api/sync-token, stored", ms(st.existingP50Ms), ms(st.existingP99Ms), `p99 < ${ms(st.targetMs)}`, `${st.rpcRequestsPerCall.toFixed(2)} RPC requests per call`],
          ["POST /api/sync-token, fresh", ms(st.freshP50Ms), ms(st.freshP99Ms), `p99 < ${ms(st.targetMs)}`, "tokens launched just before the call"],
          ["GET /api/tokens, 1 client", ms(percentile(alone, 50)), ms(percentile(alone, 99)), "", "one request at a time"],
          ["GET /api/tokens", ms(list.p50Ms), ms(list.p99Ms), "", `${int(list.perSecond)} requests/s, ${list.clients} clients, ${int(sim.chain.tokens.length)} tokens`],
        ],
      ),
    );
    console.log("");
    console.log(table(["GET /api/tokens request", "n", "p50", "p99"], kinds.map((k) => [k.request, int(k.n), ms(k.p50Ms), ms(k.p99Ms)])));
    const file = flags.out ?? path.join("bench-results", `live-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nJSON: ${file}`);
  } finally {
    await shutdown.shutdown("bench over");
    await live?.done.catch(() => {});
    await sim.close();
    await server.close();
  }
}
