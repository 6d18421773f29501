// Failover time of two `serve` processes whose leader is frozen (SIGSTOP) --freezes times.
//
// How long two `serve` processes on one PostgreSQL take to fail over when the leader freezes (SIGSTOP: a stuck event loop, a paused VM). Ledgers close every --ledger-ms on the simulator;
// each round freezes the leader, times until the standby's /api/status says "leader", then wakes the old
// leader and waits for it to stand by, so the next round freezes the other one. Prints p50/p99/max over
// --freezes rounds (at least 10) and writes JSON to bench-results/. Bound: the lease (SYNC_LEASE_MS, default
// 8 s) plus the standby's retry interval (2 s) plus the takeover; the target is 15 s.
//
// Flags: --freezes 10 --ledger-ms 1000 --lease-ms (default: the product's) --seed 1 --database-url URL --out FILE
import fs from "node:fs";
import path from "node:path";
import { buildDist } from "../build.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { flagText, type BenchFlags } from "./flags.ts";
import { ms, percentile, table } from "./format.ts";
import { openServer } from "./postgres.ts";
import { serve, waitFor, type ServeChild } from "./serve-child.ts";

export const options = { freezes: "10", "ledger-ms": "1000", "lease-ms": "" };

export async function run(bench: BenchFlags): Promise<void> {
  const flags = flagText(bench, { seed: 1 });
  const freezes = Math.max(10, Number(flags.freezes));

  const build = await buildDist();
  if (!build.ok) console.warn(`dist/ was built with errors:\n${build.output}`);
  const server = await openServer(flags["database-url"]);
  const sim = await startSimnet({ scenario: { seed: Number(flags.seed), tokens: 50, creators: 10 } });
  const ticker = setInterval(() => sim.chain.launchToken({ name: "Bench", symbol: "BNC" }), Number(flags["ledger-ms"]));
  const processes: ServeChild[] = [];
  const times: number[] = [];
  try {
    const env: Record<string, string> = {
      RPC_URL: sim.url,
      NETWORK_PASSPHRASE: sim.networkPassphrase,
      CONTRACT_ID: sim.contractId,
      DATABASE_URL: await server.createDatabase("failover"),
      CREATOR_ADDRESS: sim.chain.dormantCreators().join(","),
      ...(flags["lease-ms"] ? { SYNC_LEASE_MS: flags["lease-ms"] } : {}),
    };
    const first = await serve(env);
    processes.push(first);
    await waitFor("the first process to lead", async () => (await first.role()) === "leader", 90_000);
    const second = await serve(env);
    processes.push(second);
    await waitFor("the second process to stand by", async () => (await second.role()) === "standby", 90_000);
    let [leader, standby] = [first, second];
    for (let i = 0; i < freezes; i++) {
      await new Promise((r) => setTimeout(r, 2000)); // a few passes, lease renewed
      const frozenAt = performance.now();
      leader.child.kill("SIGSTOP");
      await waitFor("the standby to lead", async () => (await standby.role()) === "leader", 120_000);
      times.push(performance.now() - frozenAt);
      leader.child.kill("SIGCONT");
      await waitFor("the old leader to stand by", async () => (await leader.role()) === "standby", 120_000);
      console.log(`freeze ${i + 1}: failover in ${ms(times.at(-1)!)}`);
      [leader, standby] = [standby, leader];
    }
  } finally {
    clearInterval(ticker);
    for (const p of processes) {
      p.child.kill("SIGCONT");
      p.child.kill("SIGKILL");
    }
    await sim.close();
    await server.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const pct = (p: number) => percentile(sorted, p);
  console.log(`\nFailover after SIGSTOP of the leader (${times.length} freezes, ledgers every ${flags["ledger-ms"]} ms, lease ${flags["lease-ms"] ?? "default"} ms)`);
  console.log(table(["p50", "p99", "max", "target"], [[ms(pct(50)), ms(pct(99)), ms(sorted.at(-1)!), "15 s"]]));
  const out = flags.out ?? path.resolve(import.meta.dirname, "../../bench-results/failover.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ freezes: times.length, ledgerMs: Number(flags["ledger-ms"]), times, p50: pct(50), p99: pct(99), max: sorted.at(-1) }, null, 2));
}
