// Launchpad sizes: the same scenario shape (one creator per five tokens) at several sizes, up to a pump.fun-sized
// 100,000 tokens, each synced by the sync-tokens bin from an empty database and then again with nothing changed.
// The bin's peak RSS at each size shows whether memory stays flat in the number of tokens.
import { startSimnet } from "../../test/simnet/index.ts";
import { runCli, type CliRun } from "./cli-run.ts";
import { int, mb, ms } from "./format.ts";
import { warmSimulator } from "./sim-warm.ts";

export interface SizeRun {
  tokens: number;
  creators: number;
  /** Factory events in the RPC's retention window. */
  events: number;
  /** Building the scenario and precomputing its XDR, not part of any run. */
  buildMs: number;
  full: CliRun & { simRequests: Record<string, number> };
  noChange: CliRun & { simRequests: Record<string, number> };
}

export interface LaunchpadOptions {
  sizes: number[];
  tokensPerCreator: number;
  latencyMs: number;
  seed: number;
  concurrency?: number;
  createDatabase(tag: string): Promise<string>;
  log(line: string): void;
}

export async function launchpadSizes(o: LaunchpadOptions): Promise<SizeRun[]> {
  const out: SizeRun[] = [];
  for (const tokens of o.sizes) {
    const creators = Math.max(1, Math.round(tokens / o.tokensPerCreator));
    o.log(`launchpad: building ${int(tokens)} tokens / ${int(creators)} creators`);
    const t0 = performance.now();
    const sim = await startSimnet({ scenario: { tokens, creators, seed: o.seed }, latencyMs: o.latencyMs });
    try {
      warmSimulator(sim);
      const buildMs = performance.now() - t0;
      const env = {
        STELLAR_NETWORK: "local",
        RPC_URL: sim.url,
        NETWORK_PASSPHRASE: sim.networkPassphrase,
        CONTRACT_ID: sim.contractId,
        DATABASE_URL: await o.createDatabase(`launchpad_${tokens}`),
        SYNC_TRIGGER: "bench",
        ...(o.concurrency === undefined ? {} : { SYNC_CONCURRENCY: String(o.concurrency) }),
      };
      const run = async (label: string) => {
        sim.resetCounters();
        // Thousands of dormant creators: more than one environment variable can hold.
        const dotenv = { CREATOR_ADDRESS: sim.chain.dormantCreators().join(",") };
        const r = { ...(await runCli(env, { dotenv })), simRequests: sim.counters() };
        o.log(
          `launchpad ${int(tokens)}: ${label}: ${ms(r.wallMs)} spawn to exit, sync ${r.durationMs === undefined ? "?" : ms(r.durationMs)}, ` +
            `CPU ${r.cpuMs === undefined ? "?" : ms(r.cpuMs)}, exit ${r.exitCode}, ${int(r.synced ?? 0)} synced, peak RSS ${r.maxRssMb === undefined ? "?" : mb(r.maxRssMb)}`,
        );
        if (r.exitCode !== 0) o.log(`  ${r.stderrTail}`);
        return r;
      };
      const full = await run("full sync");
      const noChange = await run("no-change run");
      out.push({ tokens, creators, events: sim.chain.retainedEvents({ factoryOnly: true }).length, buildMs, full, noChange });
    } finally {
      await sim.close();
    }
  }
  return out;
}
