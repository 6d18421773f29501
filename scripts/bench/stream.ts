// Launch to client on GET /api/stream, on the leader and on a standby. Two `serve`
// processes (the built bin) share one PostgreSQL; ledgers close every --ledger-ms on the simulator, every
// --launch-every'th with a launch. Each launch is timed from the ledger that holds it to the `token.added` event's
// arrival at a Node `eventsource` client and at Chromium's own EventSource on a page (skip it with --no-browser),
// on both processes. The bound to hold: one ledger plus one second. Prints p50/p99/max and writes JSON to
// bench-results/.
//
// Flags: --launches 30 --ledger-ms 1000 --launch-every 2 --warmup-ledgers 5 --seed 1 --no-browser --database-url URL --out FILE
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildDist } from "../build.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { launchBrowser, type TestBrowser } from "../../test/support/browser.ts";
import { listen, type SseClient } from "../../test/support/sse-client.ts";
import { flagText, type BenchFlags } from "./flags.ts";
import { ms, percentile, table } from "./format.ts";
import { openServer } from "./postgres.ts";
import { serve, waitFor } from "./serve-child.ts";

/** Arrival times (performance.now()) of each launched address, per client. */
type Arrivals = Map<string, number>;

export const options = { launches: "30", "ledger-ms": "1000", "launch-every": "2", "warmup-ledgers": "5", "no-browser": false };

export async function run(bench: BenchFlags): Promise<void> {
  const flags = flagText(bench, { seed: 1 });
  const launches = Math.max(5, Number(flags.launches));
  const ledgerMs = Number(flags["ledger-ms"]);
  const launchEvery = Math.max(1, Number(flags["launch-every"]));

  const build = await buildDist();
  if (!build.ok) console.warn(`dist/ was built with errors:\n${build.output}`);
  const server = await openServer(flags["database-url"]);
  const sim = await startSimnet({ scenario: { seed: Number(flags.seed), tokens: 50, creators: 10 } });
  const processes: ChildProcess[] = [];
  const nodeClients: SseClient[] = [];
  let browser: TestBrowser | null = null;
  let ticker: NodeJS.Timeout | undefined;
  const launchedAt = new Map<string, number>();
  const clients: { name: string; arrivals: Arrivals }[] = [];
  try {
    const env: Record<string, string> = {
      RPC_URL: sim.url,
      NETWORK_PASSPHRASE: sim.networkPassphrase,
      CONTRACT_ID: sim.contractId,
      DATABASE_URL: await server.createDatabase("stream"),
      CREATOR_ADDRESS: sim.chain.dormantCreators().join(","),
      SYNC_READ_RATE_LIMIT: "0",
    };
    const leader = await serve(env);
    processes.push(leader.child);
    await waitFor("the first process to lead", async () => (await leader.role()) === "leader", 90_000);
    await waitFor("the first sync", async () => (await fetch(`${leader.url}/ready`)).status === 200, 90_000);
    const standby = await serve(env);
    processes.push(standby.child);
    await waitFor("the second process to stand by", async () => (await standby.role()) === "standby", 90_000);

    for (const [role, url] of [["leader", leader.url], ["standby", standby.url]] as const) {
      const arrivals: Arrivals = new Map();
      const client = listen(`${url}/api/stream?types=token.added`);
      client.source.addEventListener("token.added", (e) => {
        const address = (JSON.parse(e.data as string) as { data: { address: string } }).data.address;
        if (!arrivals.has(address)) arrivals.set(address, performance.now());
      });
      nodeClients.push(client);
      clients.push({ name: `${role}, eventsource`, arrivals });
    }
    if (bench.own["no-browser"] !== true) {
      browser = await launchBrowser();
      for (const [role, url] of [["leader", leader.url], ["standby", standby.url]] as const) {
        const arrivals: Arrivals = new Map();
        const { page } = await browser.newPage();
        await page.exposeFunction("arrived", (address: string) => void (arrivals.has(address) || arrivals.set(address, performance.now())));
        await page.goto(`${url}/health`);
        await page.evaluate(`new Promise((resolve) => {
          const source = new EventSource("/api/stream?types=token.added");
          source.addEventListener("token.added", (e) => window.arrived(JSON.parse(e.data).data.address));
          source.addEventListener("open", () => resolve(true));
        })`);
        clients.push({ name: `${role}, Chromium`, arrivals });
      }
    }
    await waitFor("the Node clients to open", async () => nodeClients.every((c) => c.opens > 0), 30_000);

    // The follower times its polls by the ledger closes it observed: the chain stood still so far, so a few ledgers
    // close first (--warmup-ledgers) lest its first guesses be timed as the stream's.
    const warmup = Number(flags["warmup-ledgers"]);
    let tick = -warmup;
    ticker = setInterval(() => {
      if (tick++ >= 0 && (tick - 1) % launchEvery === 0 && launchedAt.size < launches) {
        const t = sim.chain.launchToken({ name: `Streamed ${tick}`, symbol: `ST${tick}` });
        launchedAt.set(t.tokenAddress, performance.now());
      } else {
        sim.chain.advance(1);
      }
    }, ledgerMs);
    await waitFor("every launch at every client", async () => launchedAt.size >= launches && clients.every((c) => [...launchedAt.keys()].every((a) => c.arrivals.has(a))), (warmup + launches * launchEvery) * ledgerMs + 120_000);
  } finally {
    clearInterval(ticker);
    for (const c of nodeClients) c.close();
    await browser?.close();
    for (const child of processes) child.kill("SIGKILL");
    await sim.close();
    await server.close();
  }

  const rows = clients.map(({ name, arrivals }) => {
    const inOrder = [...launchedAt].map(([address, at]) => arrivals.get(address)! - at);
    const times = [...inOrder].sort((a, b) => a - b);
    return { name, inOrder, p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)! };
  });
  console.log(`\nLaunch to client on GET /api/stream (${launchedAt.size} launches, a ledger every ${ledgerMs} ms; bound: ${ms(ledgerMs + 1000)})`);
  console.log(table(["client", "p50", "p99", "max"], rows.map((r) => [r.name, ms(r.p50), ms(r.p99), ms(r.max)])));
  const out = flags.out ?? path.resolve(import.meta.dirname, "../../bench-results/stream.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ launches: launchedAt.size, ledgerMs, launchEvery, clients: rows }, null, 2));
}
