// What the sync's benchmarks (compare, scale, startup, launchpad, fidelity) share: a PostgreSQL server, simulated
// scenarios, a sync run in this process or in a fresh one with its measurements, and the printed and JSON report.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SyncOptions } from "../../src/config/config.ts";
import { syncTokens } from "../../src/api.ts";
import { startSimnet, type ScenarioOptions, type Simnet } from "../../test/simnet/index.ts";
import { buildDist } from "../build.ts";
import type { BenchFlags } from "./flags.ts";
import { whole } from "./flags.ts";
import { int, mb, ms, table, total } from "./format.ts";
import { collectGarbage, measure, pgTimer, rssMb, writeBatchTimer, type Measurement } from "./measure.ts";
import { count, openServer, type BenchServer } from "./postgres.ts";
import { warmSimulator } from "./sim-warm.ts";
import { SyncChild, summarize, type ReportSummary } from "./sync-child.ts";

/** The sync benchmarks' settings: the shared flags with their defaults. */
export interface SyncBenchOptions {
  tokens: number;
  creators: number;
  latencyMs: number;
  seed: number;
  repeat: number;
  concurrency?: number;
  databaseUrl?: string;
  keepDatabases: boolean;
  out?: string;
}

/** Own flags every sync benchmark takes. */
export const SYNC_BENCH_OPTIONS = { "keep-databases": false };

function syncBenchOptions(flags: BenchFlags): SyncBenchOptions {
  return {
    tokens: whole("tokens", flags.tokens ?? 10_000, 1),
    creators: whole("creators", flags.creators ?? 2000, 1),
    latencyMs: flags.latency ?? 50,
    seed: flags.seed ?? 1,
    repeat: whole("repeat", flags.repeat ?? 3, 1),
    concurrency: flags.concurrency,
    databaseUrl: flags.databaseUrl,
    keepDatabases: flags.own["keep-databases"] === true,
    out: flags.out,
  };
}

export type Placement = "separate process" | "same process";

export interface RunResult {
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
  /** Rows in trades after the run. */
  tradesInDatabase: number;
}

export interface ScenarioBuild {
  tokens: number;
  creators: number;
  dormantCreators: number;
  buildMs: number;
  /** Precomputing the simulator's encodings (see sim-warm.ts), not part of any run. */
  encodeMs: number;
  /** RSS of this process after building the scenario (and a GC), before any sync of it. */
  rssMb: number;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
  note?: string;
}

/** What a benchmark returns to be printed and written. */
export interface Outcome {
  lines: string[];
  targets: Target[];
  results: unknown;
}

/** One benchmark's run: its server, simulators and child process, all closed at the end or on SIGINT/SIGTERM. */
export class BenchSession {
  readonly started = new Date();
  readonly loadAtStart = os.loadavg()[0] ?? 0;
  readonly #sims = new Set<Simnet>();
  readonly #cleanups: (() => void)[] = [];
  #child: SyncChild | undefined;

  private constructor(
    readonly name: string,
    readonly o: SyncBenchOptions,
    readonly server: BenchServer,
  ) {}

  static async open(name: string, o: SyncBenchOptions): Promise<BenchSession> {
    pgTimer.install();
    writeBatchTimer.install();
    const server = await openServer(o.databaseUrl);
    const s = new BenchSession(name, o, server);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: stopping`);
        void s.close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
      });
    }
    s.log(`database: ${server.label}`);
    const build = await buildDist();
    if (!build.ok) throw new Error(`the build failed:\n${build.output}`);
    return s;
  }

  log(line: string): void {
    console.error(`[bench ${this.name}] ${line}`);
  }

  /** Runs `cleanup` at the end (a temporary bin's folder). */
  onClose(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const c of this.#cleanups.splice(0)) c();
    this.#child?.kill();
    this.#child = undefined;
    for (const s of [...this.#sims]) await this.closeSim(s);
    await this.server.close({ keepDatabases: this.o.keepDatabases });
  }

  async closeSim(s: Simnet): Promise<void> {
    this.#sims.delete(s);
    await s.close().catch(() => {});
  }

  async buildScenario(nTokens: number, nCreators: number, extra: ScenarioOptions = {}): Promise<{ sim: Simnet; info: ScenarioBuild }> {
    this.log(`building a scenario of ${int(nTokens)} tokens / ${int(nCreators)} creators (seed ${this.o.seed}) ${JSON.stringify(extra)}`);
    const t0 = performance.now();
    const s = await startSimnet({ scenario: { ...extra, tokens: nTokens, creators: nCreators, seed: this.o.seed }, latencyMs: this.o.latencyMs });
    this.#sims.add(s);
    const buildMs = performance.now() - t0;
    const encodeMs = warmSimulator(s);
    collectGarbage();
    return {
      sim: s,
      info: { tokens: s.chain.tokens.length, creators: s.chain.creators.length, dormantCreators: s.chain.dormantCreators().length, buildMs, encodeMs, rssMb: rssMb() },
    };
  }

  syncOptions(s: Simnet, databaseUrl: string): SyncOptions {
    return simSyncOptions(s, databaseUrl, this.o.concurrency);
  }

  /** The sync-tokens bin's environment for this simulator and database. */
  binEnv(s: Simnet, databaseUrl: string): Record<string, string> {
    return {
      STELLAR_NETWORK: "local",
      RPC_URL: s.url,
      NETWORK_PASSPHRASE: s.networkPassphrase,
      CONTRACT_ID: s.contractId,
      DATABASE_URL: databaseUrl,
      CREATOR_ADDRESS: s.chain.dormantCreators().join(","),
      SYNC_TRIGGER: "bench",
      ...(this.o.concurrency === undefined ? {} : { SYNC_CONCURRENCY: String(this.o.concurrency) }),
    };
  }

  async runInProcess(label: string, s: Simnet, databaseUrl: string): Promise<RunResult> {
    s.resetCounters();
    const { result, m } = await measure(() => syncTokens({ ...this.syncOptions(s, databaseUrl), env: {} }));
    return this.#finishRun(label, "same process", s, databaseUrl, m, summarize(result));
  }

  /** One sync in a fresh Node process (the sources through tsx, so that it can be measured from inside; the bin runs dist/), which then exits. */
  async runInChild(label: string, s: Simnet, databaseUrl: string, extra: Partial<SyncOptions> = {}): Promise<RunResult> {
    const child = (this.#child = await SyncChild.start());
    s.resetCounters();
    const { measurement, report } = await child.run({ ...this.syncOptions(s, databaseUrl), ...extra });
    const { startupMs, idleRssMb } = child;
    const maxRssMb = await child.exit();
    this.#child = undefined;
    const r = await this.#finishRun(label, "separate process", s, databaseUrl, measurement, report);
    r.process = { startupMs, idleRssMb, maxRssMb };
    return r;
  }

  async #finishRun(label: string, placement: Placement, s: Simnet, databaseUrl: string, m: Measurement, report: ReportSummary): Promise<RunResult> {
    const simRequests = s.counters();
    const { rows, trades } = await countRows(databaseUrl);
    this.log(
      `${label} (${placement}): ${ms(m.wallMs)}, ${int(total(simRequests))} requests, ${int(report.synced)} synced / ${int(report.unchanged)} unchanged, ` +
        `${int(rows)} rows of ${int(report.contractTokenCount)}, ${int(trades)} trades, peak RSS ${mb(m.rss.peakMb)}`,
    );
    if (report.failed > 0 || report.missing > 0) this.log(`  ${report.failed} failed, ${report.missing} missing: ${report.warnings.join(" | ")}`);
    return { label, placement, measurement: m, simRequests, report, rowsInDatabase: rows, tradesInDatabase: trades };
  }

  report(outcome: Outcome): void {
    report({ name: this.name, o: this.o, started: this.started, loadAtStart: this.loadAtStart, database: this.server.label }, outcome);
  }
}

export interface ReportHeader {
  name: string;
  o: Pick<SyncBenchOptions, "latencyMs" | "seed" | "out" | "databaseUrl">;
  started: Date;
  loadAtStart: number;
  /** The PostgreSQL server's label; empty for a benchmark that uses none. */
  database: string;
}

/** Prints the header, the benchmark's lines and its targets, and writes the JSON (bench-results/<name>-latest.json by default). */
export function report(run: ReportHeader, outcome: Outcome): void {
  const mach = machine(run.loadAtStart, run.database);
  const load = mach.loadAverage as { start: number; end: number };
  const busy = Math.max(load.start, load.end) > 0.5 * os.availableParallelism();
  const lines = [
    "",
    `sync-tokens benchmark "${run.name}", ${run.started.toISOString()}: ${mach.cpu}, ${mach.cores} cores, ${mach.memoryGb} GB, Node ${mach.node}, commit ${mach.commit}${mach.srcModified ? " (src modified)" : ""}`,
    // A benchmark of the bin alone (startup) has no simulator and no database.
    ...(run.database ? [`simulator with ${run.o.latencyMs} ms per request, seed ${run.o.seed}; ${run.database}`] : []),
    `load average (1 min) at start ${load.start.toFixed(2)}, at end ${load.end.toFixed(2)}` +
      (busy ? ": WARNING, other work shares the CPUs; timings are inflated, run again on an idle machine" : ""),
    ...outcome.lines,
  ];
  if (outcome.targets.length > 0) {
    lines.push("", run.database ? `Targets (this machine, PostgreSQL, ${run.o.latencyMs} ms RPC latency; the sync in its own process):` : "Targets (this machine):");
    lines.push(table(["target", "goal", "measured", "met", "note"], outcome.targets.map((t) => [t.name, t.goal, t.measured, t.met ? "yes" : "NO", t.note ?? ""])));
  }
  console.log(lines.join("\n"));
  const doc = {
    benchmark: run.name,
    startedAt: run.started.toISOString(),
    machine: mach,
    options: { ...run.o, databaseUrl: run.o.databaseUrl ? "(given)" : "throwaway" },
    targets: outcome.targets,
    results: outcome.results,
  };
  const round = (_k: string, v: unknown): unknown => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v);
  const file = run.o.out ?? path.join("bench-results", `${run.name}-latest.json`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(doc, round, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

function machine(loadAtStart: number, database: string): Record<string, unknown> {
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
    database,
    commit,
    srcModified: dirty,
  };
}

/** Opens a session, runs `body` in it, closes it, then prints and writes what `body` returned. */
export async function withSession(name: string, flags: BenchFlags, body: (s: BenchSession) => Promise<Outcome>): Promise<void> {
  const s = await BenchSession.open(name, syncBenchOptions(flags));
  let outcome: Outcome;
  try {
    outcome = await body(s);
  } finally {
    await s.close();
  }
  s.report(outcome);
}

/** A sync of this simulator's contract into `databaseUrl`, every creator reachable. */
export function simSyncOptions(s: Simnet, databaseUrl: string, concurrency?: number): SyncOptions {
  return {
    ...simTarget(s),
    network: "local",
    databaseUrl,
    // Dormant creators have nothing in the event window: naming them is how an operator makes the sync complete.
    creators: s.chain.dormantCreators(),
    ...(concurrency === undefined ? {} : { concurrency }),
    trigger: "bench",
  };
}

export function simTarget(s: Simnet): { rpcUrl: string; networkPassphrase: string; contractId: string } {
  return { rpcUrl: s.url, networkPassphrase: s.networkPassphrase, contractId: s.contractId };
}

/** The run of median wall time, carrying every repeat's wall time. */
export function median(runs: RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.measurement.wallMs - b.measurement.wallMs);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] as RunResult;
  return runs.length > 1 ? { ...mid, repeatsMs: runs.map((r) => r.measurement.wallMs) } : mid;
}

/** A separate process's whole-life peak (kernel high-water mark), else the sampled peak. */
export function peakRss(r: RunResult): number {
  return r.process ? Math.max(r.process.maxRssMb, r.measurement.rss.peakMb) : r.measurement.rss.peakMb;
}

async function countRows(databaseUrl: string): Promise<{ rows: number; trades: number }> {
  return { rows: await count(databaseUrl, "SELECT count(*) AS n FROM tokens"), trades: await count(databaseUrl, "SELECT count(*) AS n FROM trades") };
}
