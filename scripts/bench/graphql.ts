// The syncToken mutation through POST /graphql against POST /api/sync-token, in one
// run, on one live process over the simulator and PostgreSQL. Calls alternate between the two (REST, GraphQL,
// REST, ...) on the same tokens, so that a warming cache or a busy moment favours neither. Two kinds: tokens
// already stored, and tokens launched just before the call. Prints p50/p99 of each and writes JSON to
// bench-results/ (git-ignored).
//
// Flags: --tokens 2000 --creators 400 --latency 50 --calls 200 --fresh 50 --seed 1 --database-url URL (a server
//        to create the database on; default: a throwaway cluster) --out FILE
import fs from "node:fs";
import path from "node:path";
import { startLive, type Live } from "../../src/live/live.ts";
import { Metrics } from "../../src/internal/metrics.ts";
import { ShutdownRegistry } from "../../src/internal/shutdown.ts";
import { createServer } from "../../src/server/server.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { int, ms, percentile, table } from "./format.ts";
import { flagNumber, flagText, type BenchFlags } from "./flags.ts";
import { openServer } from "./postgres.ts";

const MUTATION = `mutation ($a: String!) { syncToken(tokenAddress: $a) { address onchainId name symbol status totalSupply tokensSold xlmRaised marketCap holdersCount lastSyncedLedger } }`;

export const options = { fresh: "50" };

export async function run(bench: BenchFlags): Promise<void> {
  const flags = flagText(bench, { tokens: 2000, creators: 400, latency: 50, calls: 200, seed: 1 });
  const num = (name: string) => flagNumber(flags, name);
  const latencyMs = num("latency");

  const server = await openServer(flags["database-url"]);
  const databaseUrl = await server.createDatabase("graphql");
  console.log(`building the scenario: ${int(num("tokens"))} tokens by ${int(num("creators"))} creators, ${latencyMs} ms RPC latency`);
  const sim = await startSimnet({ scenario: { seed: num("seed"), tokens: num("tokens"), creators: num("creators") }, latencyMs });
  const shutdown = new ShutdownRegistry({ info() {}, warn() {} });
  const logger = { info() {}, warn() {} };
  const common = { logger, metrics: new Metrics(), shutdown };
  let live: Live | undefined;

  try {
    live = await startLive({
      mode: "serve",
      common,
      session: { rpcUrl: sim.url, networkPassphrase: sim.networkPassphrase, contractId: sim.contractId, databaseUrl, creators: sim.chain.dormantCreators(), env: {}, logger },
    });
    const http = await createServer({ common, actions: live.actions, tokens: { apiToken: null, adminToken: null }, rateLimitPerMinute: 0, readRateLimitPerMinute: 0 }).listen({ port: 0, host: "127.0.0.1" });
    while (!live.follower.state.initialSyncDone) await new Promise((r) => setTimeout(r, 50));

    /** One call's wall time, from the request's start to its whole answer read; a refusal stops the benchmark. */
    const timed = async (url: string, body: unknown, ok: (answer: any) => boolean): Promise<number> => {
      const started = performance.now();
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const answer = await res.json();
      const elapsed = performance.now() - started;
      if (res.status !== 200 || !ok(answer)) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(answer).slice(0, 200)}`);
      return elapsed;
    };
    const rest = (address: string) => timed(`${http.url}/api/sync-token`, { tokenAddress: address }, (a) => a.address === address);
    const graphql = (address: string) => timed(`${http.url}/graphql`, { query: MUTATION, variables: { a: address } }, (a) => a.data?.syncToken?.address === address);

    const times = { restStored: [] as number[], graphqlStored: [] as number[], restFresh: [] as number[], graphqlFresh: [] as number[] };
    const stored = sim.chain.tokens;
    for (let i = 0; i < num("calls"); i++) {
      const address = stored[(i * 7919) % stored.length]!.tokenAddress;
      // Each token through both, first one then the other by turns.
      if (i % 2 === 0) times.restStored.push(await rest(address)), times.graphqlStored.push(await graphql(address));
      else times.graphqlStored.push(await graphql(address)), times.restStored.push(await rest(address));
    }
    for (let i = 0; i < num("fresh"); i++) {
      times.restFresh.push(await rest(sim.chain.launchToken().tokenAddress));
      times.graphqlFresh.push(await graphql(sim.chain.launchToken().tokenAddress));
    }

    const summary = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { calls: v.length, p50Ms: percentile(v, 50), p99Ms: percentile(v, 99) }]));
    const row = (label: string, key: keyof typeof times, note: string) => [label, ms(summary[key]!.p50Ms), ms(summary[key]!.p99Ms), int(summary[key]!.calls), note];
    console.log("");
    console.log(
      table(
        ["syncToken", "p50", "p99", "calls", "notes"],
        [
          row("REST POST /api/sync-token, stored", "restStored", "alternating with GraphQL on the same tokens"),
          row("GraphQL syncToken, stored", "graphqlStored", ""),
          row("REST POST /api/sync-token, fresh", "restFresh", "a token launched just before the call"),
          row("GraphQL syncToken, fresh", "graphqlFresh", ""),
        ],
      ),
    );
    console.log(`\n${latencyMs} ms per RPC round trip; ${int(sim.chain.tokens.length)} tokens; load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    const file = flags.out ?? path.join("bench-results", `graphql-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ tokens: sim.chain.tokens.length, latencyMs, database: server.label, ...summary }, null, 2)}\n`);
    console.log(`JSON: ${file}`);
  } finally {
    await shutdown.shutdown("bench over");
    await live?.done.catch(() => {});
    await sim.close();
    await server.close();
  }
}
