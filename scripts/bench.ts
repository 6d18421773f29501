// `pnpm bench`: the sync's performance on the simulator (test/simnet), into PostgreSQL. A benchmark, not a test:
// it prints a table and writes JSON to bench-results/ (git-ignored).
//
//   1. compare: the seed's design (one getEvents call, then get_token_info by simulation and one upsert per token,
//      sequentially) and this sync, in this process on the same simulated scenario; the ratio of their times.
//      Both run warm (a small warm-up of each comes first); the seed's design is timed on a sample of tokens
//      and extrapolated per token (every token costs it one sequential simulation).
//   2. full: a first sync of --tokens tokens by --creators creators into an empty database;
//   3. incremental: the same sync again with nothing changed on chain;
//   4. activity: a few launches and trades, then an incremental sync.
//   Runs 2-4 happen twice: each in a fresh Node process (the sync alone, from the sources through tsx, started cold,
//   with the simulator on the other core like a remote RPC: its peak RSS is the sync's own), and in this process next
//   to the simulator (RSS and CPU then include the simulator's). Runs 2 and 3 also go through the sync-tokens bin
//   itself, timed from spawn to exit (Node's start and module loading included), and through the bin of
//   --baseline-commit (the tsx bin of before the build, see bench/startup.ts);
//   5. start-up: `sync-tokens --help` spawn to exit, and the idle RSS of a process holding what a sync loads, for
//      both bins;
//   6. launchpad sizes: a full sync and a no-change run through the bin at each of --launchpad-sizes tokens (one
//      creator per five tokens): wall time and the bin's peak RSS by size (bench/launchpad.ts).
//   7. fidelity, real-network situations (issue 9): a busy window (a buy in every one of the last 10,000 ledgers, so
//      one getEvents scan holds more than a page), a full sync and an incremental one after 2,000 more buys; and an
//      archived-heavy launchpad (entries untouched for 40,000 ledgers served archived, expired or evicted) against
//      the same all-live one, full syncs taking turns, --repeat times each, in fresh processes.
// --only compare,scale,startup,launchpad,fidelity runs just those sections (e.g. `--only fidelity`); default: all.
// Each run reports wall time, RPC requests per method (the sync's own count and the simulator's), database time
// and peak RSS.
//
// Flags: --tokens 10000 --creators 2000 --compare-tokens 2000 --compare-creators (compare-tokens x creators/tokens)
//        --latency 50 --seed 1 --database-url URL (a server to create databases on; default: a throwaway cluster)
//        --baseline-sample 200 (tokens the seed's design is timed on) --skip-baseline
//        --repeat 3 (runs of the comparison's sync, of the separate-process full and no-change runs, and of the
//        bin's no-change run; medians are reported) --skip-activity --skip-cli --no-in-process --concurrency N
//        --keep-databases --baseline-commit 1b46cc1 (the bin to compare start-up with; "" to skip it)
//        --launchpad-sizes 10000,30000,100000
//        --out FILE (default bench-results/bench-<timestamp>.json and bench-results/latest.json)
//        --only backfill: the history backfill's benchmark instead (scripts/bench/backfill.ts; --ledgers N, --loops N)
//        --only live: the live follower's and HTTP API's benchmark instead (scripts/bench/live.ts, its flags there)
//        --only webhooks: the webhook benchmark instead (scripts/bench/webhooks.ts, its flags there)
//        --only market: candles and trades over 100,000 trades (scripts/bench/market.ts, its flags there)
//        --only failover: two serve processes, the leader frozen 10 times: failover time p50/p99 (scripts/bench/failover.ts)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { SyncOptions } from "../src/config/config.ts";
import { syncTokens } from "../src/api.ts";
import { startSimnet, type ScenarioOptions, type Simnet } from "../test/simnet/index.ts";
import { activity } from "./bench/activity.ts";
import { buildDist } from "./build.ts";
import { runCli, type CliRun } from "./bench/cli-run.ts";
import { runSeedDesign, type BaselineResult } from "./bench/baseline.ts";
import { int, mb, ms, requests, sameCounts, table, total } from "./bench/format.ts";
import { collectGarbage, measure, pgTimer, rssMb, writeBatchTimer, type Measurement } from "./bench/measure.ts";
import { openServer, type BenchServer } from "./bench/postgres.ts";
import { warmSimulator } from "./bench/sim-warm.ts";
import { launchpadSizes, type SizeRun } from "./bench/launchpad.ts";
import { binAtCommit, currentBin, helpRuns, idleRss, type BinVariant, type IdleRss } from "./bench/startup.ts";
import { SyncChild, summarize, type ReportSummary } from "./bench/sync-child.ts";

const TARGETS = {
  ratio: 100,
  fullMs: 2000,
  fullRssMb: 300,
  /** The largest launchpad size (100,000 tokens): full sync wall time and the bin's peak RSS. */
  launchpadMs: 30_000,
  launchpadRssMb: 500,
  incrementalMs: 1000,
  incrementalRequests: 10,
  /** `--help` spawn to exit, at most this share of the baseline bin's. */
  helpRatio: 1 / 3,
  /** Idle RSS at least this much below the baseline bin's. */
  idleRssSavedMb: 50,
  /** The archived-heavy full sync: simulations at most, and wall time at most this share above the all-live one. */
  archivedSimulations: 5,
  archivedSlowdown: 0.1,
};
/** Archival by age for the archived-heavy scenario: most dormant tokens' and creators' entries lapse. */
const ARCHIVE_AFTER_LEDGERS = 40_000;

// `pnpm bench --only live|webhooks|failover`: that benchmark alone, with flags of its own (scripts/bench/live.ts,
// webhooks.ts, failover.ts).
const alone = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const aloneModules: Record<string, string> = { live: "./bench/live.ts", webhooks: "./bench/webhooks.ts", failover: "./bench/failover.ts", market: "./bench/market.ts" };
if (alone !== undefined && alone in aloneModules) {
  await import(aloneModules[alone]!);
  process.exit(0);
}

const { values: flags } = parseArgs({
  options: {
    tokens: { type: "string", default: "10000" },
    creators: { type: "string", default: "2000" },
    "compare-tokens": { type: "string", default: "2000" },
    "compare-creators": { type: "string" },
    latency: { type: "string", default: "50" },
    seed: { type: "string", default: "1" },
    "database-url": { type: "string" },
    "skip-baseline": { type: "boolean", default: false },
    "baseline-sample": { type: "string", default: "200" },
    repeat: { type: "string", default: "3" },
    "skip-activity": { type: "boolean", default: false },
    "no-in-process": { type: "boolean", default: false },
    "skip-cli": { type: "boolean", default: false },
    concurrency: { type: "string" },
    "keep-databases": { type: "boolean", default: false },
    "baseline-commit": { type: "string", default: "1b46cc1" },
    "launchpad-sizes": { type: "string", default: "10000,30000,100000" },
    out: { type: "string" },
    only: { type: "string" },
    ledgers: { type: "string", default: "120000" },
    loops: { type: "string", default: "20" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (flags.help) {
  const lines = fs.readFileSync(import.meta.filename, "utf8").split("\n");
  const head = lines.slice(0, lines.findIndex((l) => !l.startsWith("//")));
  console.log(head.map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
  process.exit(0);
}

const whole = (name: string, value: string | undefined, min = 0): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${JSON.stringify(value)}: expected a whole number >= ${min}`);
  return n;
};
if (flags.only === "backfill") {
  const { runBackfillBench } = await import("./bench/backfill.ts");
  const result = await runBackfillBench({
    ledgers: whole("ledgers", flags.ledgers, 1000),
    tokens: flags.tokens === "10000" ? 500 : whole("tokens", flags.tokens, 1),
    databaseUrl: flags["database-url"],
    loops: whole("loops", flags.loops, 1),
  });
  const out = flags.out ?? path.join("bench-results", "backfill-latest.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nwrote ${out}`);
  process.exit(0);
}

const tokens = whole("tokens", flags.tokens, 1);
const creators = whole("creators", flags.creators, 1);
const compareTokens = whole("compare-tokens", flags["compare-tokens"], 1);
const opts = {
  tokens,
  creators,
  compareTokens,
  compareCreators:
    flags["compare-creators"] === undefined
      ? Math.max(1, Math.round((compareTokens * creators) / tokens))
      : whole("compare-creators", flags["compare-creators"], 1),
  latencyMs: whole("latency", flags.latency),
  seed: whole("seed", flags.seed),
  baselineSample: whole("baseline-sample", flags["baseline-sample"], 1),
  repeat: whole("repeat", flags.repeat, 1),
  skipBaseline: flags["skip-baseline"],
  skipActivity: flags["skip-activity"],
  inProcess: !flags["no-in-process"],
  cli: !flags["skip-cli"],
  concurrency: flags.concurrency === undefined ? undefined : whole("concurrency", flags.concurrency, 1),
  baselineCommit: flags["baseline-commit"],
  only: new Set(sectionList(flags.only ?? "compare,scale,startup,launchpad,fidelity")),
  launchpadSizes: (flags["launchpad-sizes"] ?? "").split(",").map((v) => whole("launchpad-sizes", v.trim(), 1)),
};

function sectionList(value: string | undefined): string[] {
  const sections = ["compare", "scale", "startup", "launchpad", "fidelity"];
  const list = (value ?? "").split(",").map((v) => v.trim()).filter(Boolean);
  const bad = list.find((v) => !sections.includes(v));
  if (bad !== undefined || list.length === 0) throw new Error(`--only ${JSON.stringify(value)}: expected some of ${sections.join(",")}, or backfill, live, webhooks or failover alone`);
  return list;
}

// ---------- results ----------

type Placement = "separate process" | "same process";

interface RunResult {
  label: string;
  placement: Placement;
  measurement: Measurement;
  /** When the run was repeated: every repeat's wall time (this result is the median one). */
  repeatsMs?: number[];
  /** Separate process only: the process's start (Node, tsx, modules), its idle RSS, and its peak RSS over its life. */
  process?: { startupMs: number; idleRssMb: number; maxRssMb: number };
  /** What the simulator received, per method (the sync's own count is in report.rpcRequests). */
  simRequests: Record<string, number>;
  report: ReportSummary;
  rowsInDatabase: number;
}

type BinRun = CliRun & { label: string; variant: string; simRequests: Record<string, number>; repeatsMs?: number[] };

interface ScenarioBuild {
  tokens: number;
  creators: number;
  dormantCreators: number;
  buildMs: number;
  /** Precomputing the simulator's encodings (see bench/sim-warm.ts), not part of any run. */
  encodeMs: number;
  /** RSS of this process after building the scenario (and a GC), before any sync of it. */
  rssMb: number;
}

interface BaselineRun extends BaselineResult {
  measurement: Measurement;
  /** setupMs + perTokenMs x the contract's token count: the seed's design doing the sync's job. */
  extrapolatedMs: number;
  /** setupMs + perTokenMs x the tokens its one getEvents call found: what it would really do, incompletely. */
  extrapolatedFoundMs: number;
  simRequests: Record<string, number>;
}

const results: {
  warmup?: { syncMs: number; seedDesignMs: number };
  compare?: {
    scenario: ScenarioBuild;
    /** The median of the sync's runs (each into a fresh database). */
    sync: RunResult;
    syncRuns: RunResult[];
    baseline?: BaselineRun;
    ratio?: number;
  };
  scale?: {
    scenario: ScenarioBuild;
    activity?: string;
    /** Each run in a fresh Node process, as cron starts the CLI. */
    separate?: RunResult[];
    /** The sync-tokens bin itself, spawn to exit, into its own database. */
    /** The bin: this build's, and --baseline-commit's (`variant` says which). */
    cli?: BinRun[];
    inProcess?: RunResult[];
  };
  startup?: { label: string; help: CliRun & { repeatsMs: number[] }; idle: IdleRss }[];
  launchpad?: SizeRun[];
  fidelity?: {
    busy?: { scenario: ScenarioBuild; busiestScanEvents: number; runs: RunResult[] };
    archived?: {
      live: { scenario: ScenarioBuild; run: RunResult };
      archived: { scenario: ScenarioBuild; run: RunResult; tokenEntries: Record<string, number>; creatorEntries: Record<string, number> };
    };
  };
} = {};

// ---------- run ----------

const started = new Date();
const loadAtStart = os.loadavg()[0] ?? 0;
pgTimer.install();
writeBatchTimer.install();
let server: BenchServer | undefined;
let serverLabel = "";
let sim: Simnet | undefined;
/** A second simulator open at the same time (the all-live twin of the archived-heavy one). */
let twin: Simnet | undefined;
let child: SyncChild | undefined;
const bins: BinVariant[] = [];
const cleanup = async (): Promise<void> => {
  for (const b of bins.splice(0)) b.remove();
  child?.kill();
  child = undefined;
  await sim?.close().catch(() => {});
  sim = undefined;
  await twin?.close().catch(() => {});
  twin = undefined;
  const s = server;
  server = undefined;
  await s?.close({ keepDatabases: flags["keep-databases"] });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

const log = (line: string): void => console.error(`[bench] ${line}`);

try {
  server = await openServer(flags["database-url"]);
  serverLabel = server.label;
  log(`database: ${serverLabel}`);
  const build = await buildDist();
  if (!build.ok) throw new Error(`the build failed:\n${build.output}`);
  if (opts.cli && (opts.only.has("scale") || opts.only.has("startup"))) {
    bins.push(currentBin());
    if (opts.baselineCommit) {
      log(`start-up: extracting ${opts.baselineCommit} to compare its bin`);
      bins.push(binAtCommit(opts.baselineCommit));
    }
  }

  // 0. warm-up: both designs once on a small scenario, so that the comparison is of warm code on both sides
  // (JIT, Prisma's query engine, connection setup). The CLI's cold start is measured in the separate-process runs.
  if (opts.only.has("compare")) {
    const warm = await startSimnet({ scenario: { tokens: 100, creators: 20, seed: opts.seed + 1 }, latencyMs: opts.latencyMs });
    try {
      const t0 = performance.now();
      await syncTokens({ ...syncOptions(warm, await server.createDatabase("warmup_sync")), env: {} });
      const t1 = performance.now();
      if (!opts.skipBaseline) {
        await runSeedDesign({ ...simTarget(warm), databaseUrl: await server.createDatabase("warmup_seed"), sample: 20 });
      }
      results.warmup = { syncMs: t1 - t0, seedDesignMs: performance.now() - t1 };
    } finally {
      await warm.close();
    }
  }

  // 1. the seed's design against this sync, same scenario, same process
  if (opts.only.has("compare")) {
    const built = await buildScenario(opts.compareTokens, opts.compareCreators);
    sim = built.sim;
    log(`compare: this sync on ${int(opts.compareTokens)} tokens, ${opts.repeat} times into fresh databases`);
    const syncRuns: RunResult[] = [];
    for (let i = 0; i < opts.repeat; i++) syncRuns.push(await runInProcess("this sync", sim, await server.createDatabase(`compare_sync${i}`)));
    const sync = median(syncRuns);
    const compare: NonNullable<typeof results.compare> = { scenario: built.info, sync, syncRuns };
    if (!opts.skipBaseline) {
      const baselineUrl = await server.createDatabase("compare_seed");
      log(`compare: the seed's design, timed on up to ${opts.baselineSample} tokens (one simulation after another)`);
      sim.resetCounters();
      const target = simTarget(sim);
      const { result, m } = await measure(() => runSeedDesign({ ...target, databaseUrl: baselineUrl, sample: opts.baselineSample }));
      const contractTokens = sim.chain.tokens.length;
      compare.baseline = {
        ...result,
        measurement: m,
        extrapolatedMs: result.setupMs + result.perTokenMs * contractTokens,
        extrapolatedFoundMs: result.setupMs + result.perTokenMs * result.found,
        simRequests: sim.counters(),
      };
      compare.ratio = compare.baseline.extrapolatedMs / sync.measurement.wallMs;
    }
    results.compare = compare;
    await sim.close();
    sim = undefined;
  }

  // 2-4. launchpad scale
  if (opts.only.has("scale")) {
    const built = await buildScenario(opts.tokens, opts.creators);
    sim = built.sim;
    const scale: NonNullable<typeof results.scale> = { scenario: built.info };
    results.scale = scale;
    const localDb = opts.inProcess ? await server.createDatabase("scale_local") : undefined;
    const childRuns: RunResult[] = [];
    const inProcessRuns: RunResult[] = [];
    // The separate-process runs judge the targets: each is repeated (--repeat), the median kept. A full sync needs
    // an empty database each time; the no-change runs all follow the last full sync.
    let childDb = "";
    const fulls: RunResult[] = [];
    for (let i = 0; i < opts.repeat; i++) {
      childDb = await server.createDatabase(`scale_child${i}`);
      fulls.push(await runInChild("full sync", sim, childDb));
    }
    childRuns.push(median(fulls));
    const incrementals: RunResult[] = [];
    for (let i = 0; i < opts.repeat; i++) incrementals.push(await runInChild("no-change incremental", sim, childDb));
    childRuns.push(median(incrementals));
    if (localDb) {
      inProcessRuns.push(await runInProcess("full sync", sim, localDb));
      inProcessRuns.push(await runInProcess("no-change incremental", sim, localDb));
    }
    const both = async (label: string): Promise<void> => {
      childRuns.push(await runInChild(label, sim as Simnet, childDb));
      if (localDb) inProcessRuns.push(await runInProcess(label, sim as Simnet, localDb));
    };
    if (opts.cli) {
      const cliRuns: BinRun[] = [];
      scale.cli = cliRuns;
      for (const bin of bins) {
        const s = sim;
        const env = {
          STELLAR_NETWORK: "local",
          RPC_URL: s.url,
          NETWORK_PASSPHRASE: s.networkPassphrase,
          CONTRACT_ID: s.contractId,
          DATABASE_URL: await server.createDatabase("scale_cli"),
          CREATOR_ADDRESS: s.chain.dormantCreators().join(","),
          SYNC_TRIGGER: "bench",
          ...(opts.concurrency === undefined ? {} : { SYNC_CONCURRENCY: String(opts.concurrency) }),
        };
        for (const label of ["full sync", "no-change incremental"]) {
          const runs: BinRun[] = [];
          for (let i = 0; i < (label === "full sync" ? 1 : opts.repeat); i++) {
            s.resetCounters();
            const r = await runCli(env, { bin: bin.bin });
            runs.push({ ...r, label, variant: bin.label, simRequests: s.counters() });
            log(`${label} (the bin of ${bin.label}, spawn to exit): ${ms(r.wallMs)}, exit ${r.exitCode}, sync ${r.durationMs ?? "?"} ms, peak RSS ${r.maxRssMb === undefined ? "?" : mb(r.maxRssMb)}`);
            if (r.exitCode !== 0) log(`  ${r.stderrTail}`);
          }
          const sorted = [...runs].sort((x, y) => x.wallMs - y.wallMs);
          const mid = sorted[Math.floor((sorted.length - 1) / 2)] as BinRun;
          cliRuns.push(runs.length > 1 ? { ...mid, repeatsMs: runs.map((r) => r.wallMs) } : mid);
        }
      }
    }
    if (!opts.skipActivity) {
      scale.activity = activity(sim.chain);
      warmSimulator(sim);
      log(`activity: ${scale.activity}`);
      await both("incremental after activity");
    }
    scale.separate = childRuns;
    if (localDb) scale.inProcess = inProcessRuns;
    await sim.close();
    sim = undefined;
  }
  // 5. start-up of both bins, with nothing else running
  if (opts.only.has("startup") && bins.length > 0) {
    results.startup = [];
    for (const bin of bins) {
      const runs = await helpRuns(bin, Math.max(5, opts.repeat));
      const sorted = [...runs].sort((x, y) => x.wallMs - y.wallMs);
      const help = { ...(sorted[Math.floor((sorted.length - 1) / 2)] as CliRun), repeatsMs: runs.map((r) => r.wallMs) };
      const idle = idleRss(bin, 3);
      results.startup.push({ label: bin.label, help, idle });
      log(`start-up of ${bin.label}: --help ${ms(help.wallMs)} (${help.repeatsMs.map(ms).join(", ")}), idle RSS ${mb(idle.rssMb)}`);
    }
  }
  // 6. launchpad sizes, through the bin
  if (opts.only.has("launchpad")) {
    const srv = server;
    results.launchpad = await launchpadSizes({
      sizes: opts.launchpadSizes,
      tokensPerCreator: 5,
      latencyMs: opts.latencyMs,
      seed: opts.seed,
      concurrency: opts.concurrency,
      createDatabase: (tag) => srv.createDatabase(tag),
      log,
    });
  }
  // 7. real-network situations
  if (opts.only.has("fidelity")) await benchFidelity(server);
} finally {
  await cleanup();
}

const targets = evaluate();
print(targets);
writeJson(targets);

// ---------- step 7 ----------

/** The situations of issue 9 at launchpad scale, each sync in a fresh process. */
async function benchFidelity(server: BenchServer): Promise<void> {
  const fidelity: NonNullable<typeof results.fidelity> = {};
  results.fidelity = fidelity;
  {
    // A buy every ledger (5 s) over the last 10,000 ledgers: 20,000 factory events from buys alone.
    const built = await buildScenario(opts.tokens, opts.creators, { denseTrading: { ledgers: 10_000, tradesPerLedger: 1 } });
    sim = built.sim;
    const db = await server.createDatabase("busy_window");
    const runs = [await runInChild("busy window: full sync", sim, db)];
    const busiestScanEvents = busiestScan(sim, runs[0]!.report.cursor.from, runs[0]!.report.cursor.to);
    sim.chain.tradeBurst({ ledgers: 2_000, tradesPerLedger: 1 });
    warmSimulator(sim);
    runs.push(await runInChild("busy window: incremental after 2,000 buys", sim, db));
    fidelity.busy = { scenario: built.info, busiestScanEvents, runs };
    await sim.close();
    sim = undefined;
  }
  {
    const live = await buildScenario(opts.tokens, opts.creators);
    twin = live.sim;
    const archived = await buildScenario(opts.tokens, opts.creators, { archiveAfterLedgers: ARCHIVE_AFTER_LEDGERS });
    sim = archived.sim;
    const states = (list: (string | undefined)[]): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const st of list) out[st ?? "none"] = (out[st ?? "none"] ?? 0) + 1;
      return out;
    };
    const chain = archived.sim.chain;
    const tokenEntries = states(chain.tokens.map((t) => chain.tokenEntryState(t)));
    const creatorEntries = states(chain.creators.map((c) => chain.creatorEntryState(c)));
    log(`archived-heavy: TokenInfo entries ${JSON.stringify(tokenEntries)}, CreatorTokens entries ${JSON.stringify(creatorEntries)}`);
    // Alternating, and in turn first (ABBA), so that changes in the machine's load and the database's background
    // work after a run (checkpoints, autovacuum of the last run's rows) fall on both alike.
    const liveRuns: RunResult[] = [];
    const archivedRuns: RunResult[] = [];
    for (let i = 0; i < opts.repeat; i++) {
      const pair = [
        async () => liveRuns.push(await runInChild("all-live: full sync", live.sim, await server.createDatabase(`live_full${i}`))),
        async () => archivedRuns.push(await runInChild("archived-heavy: full sync", archived.sim, await server.createDatabase(`archived_full${i}`))),
      ];
      if (i % 2 === 1) pair.reverse();
      for (const run of pair) await run();
    }
    fidelity.archived = {
      live: { scenario: live.info, run: median(liveRuns) },
      archived: { scenario: archived.info, run: median(archivedRuns), tokenEntries, creatorEntries },
    };
  }
}

/** The most factory events one getEvents scan (10,000 ledgers, counted from `from`) of from..to holds. */
function busiestScan(s: Simnet, from: number | null, to: number | null): number {
  if (from === null || to === null) return 0;
  const perScan = new Map<number, number>();
  for (const e of s.chain.retainedEvents({ factoryOnly: true })) {
    if (e.ledger < from || e.ledger > to) continue;
    const scan = Math.floor((e.ledger - from) / 10_000);
    perScan.set(scan, (perScan.get(scan) ?? 0) + 1);
  }
  return Math.max(0, ...perScan.values());
}

// ---------- helpers ----------

/** The run of median wall time, carrying every repeat's wall time. */
function median(runs: RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.measurement.wallMs - b.measurement.wallMs);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] as RunResult;
  return runs.length > 1 ? { ...mid, repeatsMs: runs.map((r) => r.measurement.wallMs) } : mid;
}

function simTarget(s: Simnet): { rpcUrl: string; networkPassphrase: string; contractId: string } {
  return { rpcUrl: s.url, networkPassphrase: s.networkPassphrase, contractId: s.contractId };
}

function syncOptions(s: Simnet, databaseUrl: string): SyncOptions {
  return {
    ...simTarget(s),
    network: "local",
    databaseUrl,
    // Dormant creators have nothing in the event window: naming them is how an operator makes the sync complete.
    creators: s.chain.dormantCreators(),
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    trigger: "bench",
  };
}

async function buildScenario(nTokens: number, nCreators: number, extra: ScenarioOptions = {}): Promise<{ sim: Simnet; info: ScenarioBuild }> {
  log(`building a scenario of ${int(nTokens)} tokens / ${int(nCreators)} creators (seed ${opts.seed}) ${JSON.stringify(extra)}`);
  const t0 = performance.now();
  const s = await startSimnet({ scenario: { ...extra, tokens: nTokens, creators: nCreators, seed: opts.seed }, latencyMs: opts.latencyMs });
  const buildMs = performance.now() - t0;
  const encodeMs = warmSimulator(s);
  collectGarbage();
  return {
    sim: s,
    info: {
      tokens: s.chain.tokens.length,
      creators: s.chain.creators.length,
      dormantCreators: s.chain.dormantCreators().length,
      buildMs,
      encodeMs,
      rssMb: rssMb(),
    },
  };
}

async function runInProcess(label: string, s: Simnet, databaseUrl: string): Promise<RunResult> {
  s.resetCounters();
  const { result, m } = await measure(() => syncTokens({ ...syncOptions(s, databaseUrl), env: {} }));
  return finishRun(label, "same process", s, databaseUrl, m, summarize(result));
}

/** One sync in a fresh Node process (the sources through tsx, so that it can be measured from inside; the bin runs dist/), which then exits. */
async function runInChild(label: string, s: Simnet, databaseUrl: string): Promise<RunResult> {
  child = await SyncChild.start();
  s.resetCounters();
  const { measurement, report } = await child.run(syncOptions(s, databaseUrl));
  const { startupMs, idleRssMb } = child;
  const maxRssMb = await child.exit();
  child = undefined;
  const r = await finishRun(label, "separate process", s, databaseUrl, measurement, report);
  r.process = { startupMs, idleRssMb, maxRssMb };
  return r;
}

async function finishRun(label: string, placement: Placement, s: Simnet, databaseUrl: string, m: Measurement, report: ReportSummary): Promise<RunResult> {
  const simRequests = s.counters();
  const rows = await countRows(databaseUrl);
  log(
    `${label} (${placement}): ${ms(m.wallMs)}, ${int(total(simRequests))} requests, ${int(report.synced)} synced / ${int(report.unchanged)} unchanged, ` +
      `${int(rows)} rows of ${int(report.contractTokenCount)}, peak RSS ${mb(m.rss.peakMb)}`,
  );
  if (report.failed > 0 || report.missing > 0) log(`  ${report.failed} failed, ${report.missing} missing: ${report.warnings.join(" | ")}`);
  return { label, placement, measurement: m, simRequests, report, rowsInDatabase: rows };
}

async function countRows(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM tokens")).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

// ---------- evaluation and output ----------

interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
  note?: string;
}

function evaluate(): Target[] {
  const out: Target[] = [];
  const c = results.compare;
  if (c?.ratio !== undefined && c.baseline) {
    out.push({
      name: `speed-up over the seed's design, ${int(c.scenario.tokens)} tokens`,
      goal: `>= ${TARGETS.ratio}x`,
      measured: `${c.ratio.toFixed(0)}x`,
      met: c.ratio >= TARGETS.ratio,
      note: `seed's design ${ms(c.baseline.extrapolatedMs)} (extrapolated from ${c.baseline.processed} timed tokens), this sync ${ms(c.sync.measurement.wallMs)}`,
    });
  }
  const sc = results.scale;
  const runs = sc?.separate;
  const full = runs?.find((r) => r.label === "full sync");
  const incr = runs?.find((r) => r.label === "no-change incremental");
  const local = (label: string): RunResult | undefined => sc?.inProcess?.find((r) => r.label === label);
  const ours = sc?.cli?.filter((r) => r.variant === currentBin().label) ?? [];
  const cliFull = ours.find((r) => r.label === "full sync");
  if (sc && full) {
    const l = local("full sync");
    out.push({
      name: `full sync, ${int(sc.scenario.tokens)} tokens: wall time`,
      goal: `< ${TARGETS.fullMs / 1000} s`,
      measured: ms(full.measurement.wallMs),
      met: full.measurement.wallMs < TARGETS.fullMs,
      note: [
        l ? `next to the simulator: ${ms(l.measurement.wallMs)}` : "",
        cliFull ? `the bin, spawn to exit: ${ms(cliFull.wallMs)}` : "",
      ].filter(Boolean).join("; ") || undefined,
    });
    out.push({
      name: `full sync, ${int(sc.scenario.tokens)} tokens: peak RSS`,
      goal: `< ${TARGETS.fullRssMb} MB`,
      measured: mb(peakRss(full)),
      met: peakRss(full) < TARGETS.fullRssMb,
      note: [
        l ? `next to the simulator: ${mb(l.measurement.rss.peakMb)}, of which the run added ${mb(l.measurement.rss.deltaMb)}` : "",
        cliFull?.maxRssMb !== undefined ? `the bin: ${mb(cliFull.maxRssMb)}` : "",
      ].filter(Boolean).join("; ") || undefined,
    });
  }
  const cliIncr = ours.find((r) => r.label === "no-change incremental");
  if (incr) {
    const l = local("no-change incremental");
    out.push({
      name: "no-change incremental: wall time",
      goal: `< ${TARGETS.incrementalMs / 1000} s`,
      measured: ms(incr.measurement.wallMs),
      met: incr.measurement.wallMs < TARGETS.incrementalMs,
      note: [
        l ? `next to the simulator: ${ms(l.measurement.wallMs)}` : "",
        cliIncr ? `the bin, spawn to exit: ${ms(cliIncr.wallMs)}` : "",
      ].filter(Boolean).join("; ") || undefined,
    });
    const n = total(incr.simRequests);
    out.push({ name: "no-change incremental: RPC requests", goal: `<= ${TARGETS.incrementalRequests}`, measured: String(n), met: n <= TARGETS.incrementalRequests });
  }
  out.push(...startupTargets(), ...launchpadTargets(), ...fidelityTargets());
  return out;
}

/** The archived-heavy full sync against its all-live twin. */
function fidelityTargets(): Target[] {
  const arch = results.fidelity?.archived;
  if (!arch) return [];
  const a = arch.archived.run;
  const l = arch.live.run;
  const sims = a.simRequests.simulateTransaction ?? 0;
  const slowdown = a.measurement.wallMs / l.measurement.wallMs - 1;
  return [
    {
      name: `archived-heavy full sync, ${int(arch.archived.scenario.tokens)} tokens: simulateTransaction`,
      goal: `<= ${TARGETS.archivedSimulations}`,
      measured: String(sims),
      met: sims <= TARGETS.archivedSimulations,
    },
    {
      name: "archived-heavy full sync: wall time against the all-live one",
      goal: `at most +${TARGETS.archivedSlowdown * 100}%`,
      measured: `${slowdown >= 0 ? "+" : ""}${(slowdown * 100).toFixed(1)}%`,
      met: slowdown <= TARGETS.archivedSlowdown,
      note: `${ms(a.measurement.wallMs)} vs ${ms(l.measurement.wallMs)} (medians, runs taking turns)`,
    },
  ];
}

/** The largest launchpad size against its targets; memory growth from the smallest size to it. */
function launchpadTargets(): Target[] {
  const runs = results.launchpad ?? [];
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

/** This build's bin against the baseline commit's, measured in this run. */
function startupTargets(): Target[] {
  const [now, before] = results.startup ?? [];
  if (!now || !before) return [];
  const out: Target[] = [];
  const ratio = now.help.wallMs / before.help.wallMs;
  out.push({
    name: "sync-tokens --help, spawn to exit",
    goal: `<= 1/3 of ${before.label}'s`,
    measured: `${ms(now.help.wallMs)} = ${ratio.toFixed(2)} x ${ms(before.help.wallMs)}`,
    met: ratio <= TARGETS.helpRatio,
    note: `peak RSS ${mb(now.help.maxRssMb ?? Number.NaN)} vs ${mb(before.help.maxRssMb ?? Number.NaN)}`,
  });
  const noChange = (variant: string) => results.scale?.cli?.find((r) => r.variant === variant && r.label === "no-change incremental");
  const incrNow = noChange(now.label);
  const incrBefore = noChange(before.label);
  if (incrNow) {
    out.push({
      name: `no-change run through the bin, ${int(results.scale?.scenario.tokens ?? 0)} tokens, spawn to exit`,
      goal: `< ${TARGETS.incrementalMs / 1000} s`,
      measured: ms(incrNow.wallMs),
      met: incrNow.wallMs < TARGETS.incrementalMs,
      note: [
        `of which the sync ${incrNow.durationMs === undefined ? "?" : ms(incrNow.durationMs)}`,
        incrBefore ? `${before.label}: ${ms(incrBefore.wallMs)}` : "",
        incrNow.maxRssMb !== undefined && incrBefore?.maxRssMb !== undefined ? `peak RSS ${mb(incrNow.maxRssMb)} vs ${mb(incrBefore.maxRssMb)}` : "",
      ].filter(Boolean).join("; "),
    });
  }
  const saved = before.idle.rssMb - now.idle.rssMb;
  out.push({
    name: "idle RSS (a process holding what a sync loads)",
    goal: `>= ${TARGETS.idleRssSavedMb} MB below ${before.label}'s`,
    measured: `${mb(now.idle.rssMb)} = ${mb(saved)} below ${mb(before.idle.rssMb)}`,
    met: saved >= TARGETS.idleRssSavedMb,
    note: `modules loaded in ${ms(now.idle.loadedMs)} vs ${ms(before.idle.loadedMs)} from process start`,
  });
  return out;
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  let commit = "unknown";
  let dirty = false;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
    database: serverLabel,
    commit,
    srcModified: dirty,
  };
}

/** A separate process's whole-life peak (kernel high-water mark), else the sampled peak. */
function peakRss(r: RunResult): number {
  return r.process ? Math.max(r.process.maxRssMb, r.measurement.rss.peakMb) : r.measurement.rss.peakMb;
}

function runRow(r: RunResult, target = ""): string[] {
  const m = r.measurement;
  const peak = peakRss(r);
  return [
    r.label,
    r.placement === "separate process" ? "own" : "shared",
    `${int(r.report.synced)} / ${int(r.report.unchanged)}`,
    `${int(r.rowsInDatabase)} of ${int(r.report.contractTokenCount)}`,
    ms(m.wallMs),
    target,
    String(total(r.simRequests)),
    ms(m.db.busyMs),
    ms(m.db.writeBatchMs),
    `${mb(m.rss.baselineMb)} -> ${mb(peak)} (+${mb(Math.max(0, peak - m.rss.baselineMb))})`,
    ms(m.cpuMs),
    `${Math.round(m.eventLoopUtilization * 100)}%`,
  ];
}

function print(targets: Target[]): void {
  const mach = machine();
  const lines: string[] = [""];
  lines.push(
    `sync-tokens benchmark, ${started.toISOString()}: ${mach.cpu}, ${mach.cores} cores, ${mach.memoryGb} GB, Node ${mach.node}, commit ${mach.commit}${mach.srcModified ? " (src modified)" : ""}`,
  );
  lines.push(`simulator with ${opts.latencyMs} ms per request, seed ${opts.seed}; ${serverLabel}`);
  const load = mach.loadAverage as { start: number; end: number };
  const busy = Math.max(load.start, load.end) > 0.5 * os.availableParallelism();
  lines.push(
    `load average (1 min) at start ${load.start.toFixed(2)}, at end ${load.end.toFixed(2)}` +
      (busy ? ": WARNING, other work shares the CPUs; timings are inflated, run again on an idle machine" : ""),
  );

  const c = results.compare;
  if (c) {
    lines.push("");
    lines.push(
      `1. The seed's design vs this sync: ${int(c.scenario.tokens)} tokens, ${int(c.scenario.creators)} creators (${c.scenario.dormantCreators} dormant, passed to the sync), one process, warm`,
    );
    const rows: string[][] = [];
    const b = c.baseline;
    if (b) {
      rows.push([
        "seed's design",
        `${int(b.found)} of ${int(c.scenario.tokens)}`,
        `${ms(b.extrapolatedMs)} *`,
        `getHealth 1, getEvents 1, simulateTransaction ${int(c.scenario.tokens)} *`,
        `${ms((b.upsertMs / Math.max(1, b.processed - b.unknown)) * c.scenario.tokens)} *`,
      ]);
    }
    const s = c.sync;
    const spread = s.repeatsMs ? ` (median of ${s.repeatsMs.length}: ${s.repeatsMs.map(ms).join(", ")})` : "";
    rows.push([
      "this sync",
      `${int(s.rowsInDatabase)} of ${int(s.report.contractTokenCount)}`,
      `${ms(s.measurement.wallMs)}${spread}`,
      requests(s.simRequests),
      ms(s.measurement.db.busyMs),
    ]);
    lines.push(table(["design", "tokens found", "wall time", "RPC requests", "DB time"], rows));
    if (b) {
      lines.push(
        `  * timed on the first ${b.processed} tokens its events named: ${ms(b.loopMs)} (simulations ${ms(b.simulateMs)}, upserts ${ms(b.upsertMs)}), ` +
          `${b.perTokenMs.toFixed(1)} ms per token after ${ms(b.setupMs)} of setup; extrapolated linearly to the contract's ${int(c.scenario.tokens)} tokens.`,
      );
      lines.push(
        `  Its one getEvents call returned ${int(b.eventsReturned)} events, from ledgers ${int(b.ledgersScanned.from)}..${int(b.ledgersScanned.to)} only ` +
          `(one request scans at most 10,000 of the ${int(b.ledgersScanned.windowTo - b.ledgersScanned.windowFrom + 1)}-ledger window): ` +
          `it finds ${int(b.found)} of the ${int(c.scenario.tokens)} tokens; reading just those takes ${ms(b.extrapolatedFoundMs)}.`,
      );
      lines.push(`  Ratio: this sync does the whole job ${c.ratio?.toFixed(0)}x faster (target >= ${TARGETS.ratio}x).`);
    }
    if (results.warmup) {
      lines.push(`  (warm-up on a 100-token scenario first: sync ${ms(results.warmup.syncMs)}, seed's design ${ms(results.warmup.seedDesignMs)})`);
    }
  }

  const sc = results.scale;
  if (sc) {
    lines.push("");
    lines.push(
      `2-4. Launchpad scale: ${int(sc.scenario.tokens)} tokens, ${int(sc.scenario.creators)} creators (${sc.scenario.dormantCreators} dormant, passed as creators); ` +
        `scenario built in ${ms(sc.scenario.buildMs)} (+${ms(sc.scenario.encodeMs)} precomputing its XDR), benchmark process RSS ${mb(sc.scenario.rssMb)}`,
    );
    const target = (label: string): string =>
      label === "full sync" ? `< ${TARGETS.fullMs / 1000} s` : label === "no-change incremental" ? `< ${TARGETS.incrementalMs / 1000} s` : "";
    const all = [...(sc.separate ?? []), ...(sc.inProcess ?? [])];
    lines.push(
      table(
        ["run", "process", "synced / unchanged", "rows", "wall", "target", "requests", "DB busy", "writeBatch", "RSS before -> peak (added)", "CPU", "loop busy"],
        all.map((r) => runRow(r, target(r.label))),
      ),
    );
    lines.push("  process: own = the sync alone in a fresh Node process (cold, like the CLI); shared = in the benchmark's process next to the simulator (warm).");
    for (const r of all) {
      if (r.repeatsMs) lines.push(`  ${r.label} (own): median of ${r.repeatsMs.length} runs, each in a fresh process: ${r.repeatsMs.map(ms).join(", ")}`);
    }
    const first = sc.separate?.[0]?.process;
    if (first) {
      lines.push(
        `  A fresh process takes ${ms(first.startupMs)} to load Node, tsx and the sources (not in "wall"; the bin itself loads dist/ instead: see its rows and section 5) and holds ${mb(first.idleRssMb)} RSS before any work; ` +
          `its peak is the kernel's high-water mark.`,
      );
    }
    lines.push("  RPC requests per method (as the simulator counted them; the sync's own count agrees unless shown):");
    for (const r of sc.separate ?? sc.inProcess ?? []) {
      const agree = sameCounts(r.report.rpcRequests, r.simRequests) ? "" : `  [the sync counted: ${requests(r.report.rpcRequests)}]`;
      lines.push(`    ${r.label}: ${requests(r.simRequests)}${agree}`);
    }
    if (sc.activity) lines.push(`  activity before the last run: ${sc.activity}`);
    if (sc.cli?.length) {
      lines.push("");
      lines.push("  The sync-tokens bin itself (node scripts/sync-tokens.mjs --json), spawn to exit, each bin into its own database:");
      lines.push(
        table(
          ["bin", "run", "exit", "spawn to exit", "of which the sync", "CPU", "requests", "peak RSS"],
          sc.cli.map((r) => [
            r.variant,
            r.label,
            String(r.exitCode),
            r.repeatsMs ? `${ms(r.wallMs)} (median of ${r.repeatsMs.length}: ${r.repeatsMs.map(ms).join(", ")})` : ms(r.wallMs),
            r.durationMs === undefined ? "?" : ms(r.durationMs),
            r.cpuMs === undefined ? "?" : ms(r.cpuMs),
            String(total(r.simRequests)),
            r.maxRssMb === undefined ? "?" : mb(r.maxRssMb),
          ]),
          "    ",
        ),
      );
    }
  }

  if (results.startup?.length) {
    lines.push("");
    lines.push("5. Start-up: `sync-tokens --help` spawn to exit, and a process holding what a sync loads (after a full GC):");
    lines.push(
      table(
        ["bin", "--help", "--help CPU", "runs", "--help peak RSS", "idle RSS", "modules loaded after"],
        results.startup.map((b) => [
          b.label,
          ms(b.help.wallMs),
          b.help.cpuMs === undefined ? "?" : ms(b.help.cpuMs),
          b.help.repeatsMs.map(ms).join(", "),
          b.help.maxRssMb === undefined ? "?" : mb(b.help.maxRssMb),
          mb(b.idle.rssMb),
          ms(b.idle.loadedMs),
        ]),
      ),
    );
  }

  if (results.launchpad?.length) {
    lines.push("");
    lines.push("6. Launchpad sizes, through the bin (one creator per five tokens), each into an empty database, then again with nothing changed:");
    lines.push(
      table(
        ["tokens", "creators", "events", "run", "exit", "spawn to exit", "of which the sync", "CPU", "requests", "peak RSS"],
        results.launchpad.flatMap((r) =>
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
    );
  }

  const f = results.fidelity;
  if (f) {
    lines.push("");
    lines.push("7. Real-network situations, each sync in a fresh process:");
    const runs: RunResult[] = [...(f.busy?.runs ?? []), ...(f.archived ? [f.archived.live.run, f.archived.archived.run] : [])];
    lines.push(
      table(
        ["run", "synced / unchanged", "rows", "wall", "requests", "RSS peak"],
        runs.map((r) => [
          r.label,
          `${int(r.report.synced)} / ${int(r.report.unchanged)}`,
          `${int(r.rowsInDatabase)} of ${int(r.report.contractTokenCount)}`,
          r.repeatsMs ? `${ms(r.measurement.wallMs)} (median of ${r.repeatsMs.length}: ${r.repeatsMs.map(ms).join(", ")})` : ms(r.measurement.wallMs),
          String(total(r.simRequests)),
          mb(peakRss(r)),
        ]),
      ),
    );
    lines.push("  RPC requests per method:");
    for (const r of runs) lines.push(`    ${r.label}: ${requests(r.simRequests)}`);
    if (f.busy) lines.push(`  busy window: the busiest getEvents scan of the full sync holds ${int(f.busy.busiestScanEvents)} factory events (pages of at most 10,000).`);
    if (f.archived) {
      const a = f.archived.archived;
      lines.push(
        `  archived-heavy (entries untouched for ${int(ARCHIVE_AFTER_LEDGERS)} ledgers archived): TokenInfo ${JSON.stringify(a.tokenEntries)}, CreatorTokens ${JSON.stringify(a.creatorEntries)}.`,
      );
    }
  }

  if (targets.length > 0) {
    lines.push("");
    lines.push(`Targets (this machine, PostgreSQL, ${opts.latencyMs} ms RPC latency; the sync in its own process):`);
    lines.push(
      table(
        ["target", "goal", "measured", "met", "note"],
        targets.map((t) => [t.name, t.goal, t.measured, t.met ? "yes" : "NO", t.note ?? ""]),
      ),
    );
  }
  console.log(lines.join("\n"));
}

function writeJson(targetList: Target[]): void {
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const file = flags.out ?? path.join("bench-results", `bench-${stamp}.json`);
  const doc = {
    startedAt: started.toISOString(),
    machine: machine(),
    options: { ...opts, databaseUrl: flags["database-url"] ? "(given)" : "throwaway" },
    targets: targetList,
    results,
  };
  const round = (_k: string, v: unknown): unknown => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v);
  const text = `${JSON.stringify(doc, round, 2)}\n`;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
  if (!flags.out) fs.writeFileSync(path.join("bench-results", "latest.json"), text);
  console.log(`\nJSON: ${file}${flags.out ? "" : " (and bench-results/latest.json)"}`);
}
