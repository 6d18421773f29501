// Full and no-change syncs through the bin at several launchpad sizes, up to 100,000 tokens.
//
// The same scenario shape (one creator per five tokens) at each of --launchpad-sizes, up to a pump.fun-sized 100,000
// tokens, each synced by the sync-tokens bin from an empty database and then again with nothing changed.
// The bin's peak RSS at each size shows whether memory stays flat in the number of tokens.
// Own flags: --launchpad-sizes 10000,30000,100000 --keep-databases
import { startSimnet } from "../../test/simnet/index.ts";
import { runCli, type CliRun } from "./cli-run.ts";
import { ownText, whole, type BenchFlags } from "./flags.ts";
import { int, mb, ms, table, total } from "./format.ts";
import { SYNC_BENCH_OPTIONS, withSession, type Target } from "./session.ts";
import { warmSimulator } from "./sim-warm.ts";

export const options = { ...SYNC_BENCH_OPTIONS, "launchpad-sizes": "10000,30000,100000" };

/** The largest size (100,000 tokens): full sync wall time and the bin's peak RSS. */
const TARGETS = { launchpadMs: 30_000, launchpadRssMb: 500 };

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

async function launchpadSizes(o: LaunchpadOptions): Promise<SizeRun[]> {
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

export async function run(flags: BenchFlags): Promise<void> {
  const sizes = ownText(flags, "launchpad-sizes").split(",").map((v) => whole("launchpad-sizes", v.trim(), 1));
  await withSession("launchpad", flags, async (s) => {
    const runs = await launchpadSizes({
      sizes,
      tokensPerCreator: 5,
      latencyMs: s.o.latencyMs,
      seed: s.o.seed,
      concurrency: s.o.concurrency,
      createDatabase: (tag) => s.server.createDatabase(tag),
      log: (line) => s.log(line),
    });
    return { lines: print(runs), targets: targets(runs), results: runs };
  });
}

/** The largest launchpad size against its targets; memory growth from the smallest size to it. */
function targets(runs: SizeRun[]): Target[] {
  const largest = runs.at(-1);
  if (!largest) return [];
  const first = runs[0] as SizeRun;
  const sync = largest.full.durationMs ?? largest.full.wallMs;
  const peak = largest.full.maxRssMb ?? Number.NaN;
  const rssBySize = runs.map((r) => `${int(r.tokens)}: ${r.full.maxRssMb === undefined ? "?" : mb(r.full.maxRssMb)}`).join(", ");
  return [
    {
      name: `full sync, ${int(largest.tokens)} tokens / ${int(largest.creators)} creators: wall time`,
      goal: `< ${TARGETS.launchpadMs / 1000} s`,
      measured: ms(sync),
      met: largest.full.exitCode === 0 && sync < TARGETS.launchpadMs,
      note: `the bin, spawn to exit: ${ms(largest.full.wallMs)}; ${runs.map((r) => `${int(r.tokens)}: ${ms(r.full.durationMs ?? r.full.wallMs)}`).join(", ")}`,
    },
    {
      name: `full sync, ${int(largest.tokens)} tokens: peak RSS of the bin`,
      goal: `< ${TARGETS.launchpadRssMb} MB`,
      measured: mb(peak),
      met: peak < TARGETS.launchpadRssMb,
      note: `by size: ${rssBySize}` + (runs.length > 1 && first.full.maxRssMb !== undefined ? `; +${mb(peak - first.full.maxRssMb)} for ${int(largest.tokens - first.tokens)} more tokens` : ""),
    },
  ];
}

function print(runs: SizeRun[]): string[] {
  return [
    "",
    "Launchpad sizes, through the bin (one creator per five tokens), each into an empty database, then again with nothing changed:",
    table(
      ["tokens", "creators", "events", "run", "exit", "spawn to exit", "of which the sync", "CPU", "requests", "peak RSS"],
      runs.flatMap((r) =>
        (["full", "noChange"] as const).map((k) => [
          int(r.tokens),
          int(r.creators),
          int(r.events),
          k === "full" ? "full sync" : "no change",
          String(r[k].exitCode),
          ms(r[k].wallMs),
          r[k].durationMs === undefined ? "?" : ms(r[k].durationMs),
          r[k].cpuMs === undefined ? "?" : ms(r[k].cpuMs),
          int(total(r[k].simRequests)),
          r[k].maxRssMb === undefined ? "?" : mb(r[k].maxRssMb),
        ]),
      ),
    ),
  ];
}
