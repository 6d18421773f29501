// A --tokens launchpad synced full, then with nothing changed, then after some activity, as cron runs it.
//
// Each run happens in a fresh Node process (the sync alone, from the sources through tsx, started cold, with the
// simulator on the other core like a remote RPC: its peak RSS is the sync's own), and in this process next to the
// simulator (RSS and CPU then include the simulator's). The full and no-change runs also go through the sync-tokens
// bin itself, spawn to exit, and through the bin of --baseline-commit (extracted with git archive; see startup.ts).
// Own flags: --skip-activity --skip-cli --no-in-process --baseline-commit 1b46cc1 ("" to skip it) --keep-databases
import type { Simnet } from "../../test/simnet/index.ts";
import { activity } from "./activity.ts";
import { runCli, type CliRun } from "./cli-run.ts";
import { ownText, type BenchFlags } from "./flags.ts";
import { int, mb, ms, requests, sameCounts, table, total } from "./format.ts";
import { median, peakRss, SYNC_BENCH_OPTIONS, withSession, type BenchSession, type Outcome, type RunResult, type ScenarioBuild, type Target } from "./session.ts";
import { warmSimulator } from "./sim-warm.ts";
import { binAtCommit, currentBin, type BinVariant } from "./startup.ts";

export const options = { ...SYNC_BENCH_OPTIONS, "skip-activity": false, "skip-cli": false, "no-in-process": false, "baseline-commit": "1b46cc1" };

const TARGETS = { fullMs: 2000, fullRssMb: 300, incrementalMs: 1000, incrementalRequests: 10 };

type BinRun = CliRun & { label: string; variant: string; simRequests: Record<string, number>; repeatsMs?: number[] };

interface ScaleResults {
  scenario: ScenarioBuild;
  activity?: string;
  /** Each run in a fresh Node process, as cron starts the CLI. */
  separate: RunResult[];
  /** The bin: this build's, and --baseline-commit's (`variant` says which), spawn to exit, each into its own database. */
  cli?: BinRun[];
  inProcess?: RunResult[];
}

export async function run(flags: BenchFlags): Promise<void> {
  await withSession("scale", flags, (s) => scale(s, flags));
}

async function scale(s: BenchSession, flags: BenchFlags): Promise<Outcome> {
  const inProcess = flags.own["no-in-process"] !== true;
  const bins: BinVariant[] = [];
  if (flags.own["skip-cli"] !== true) {
    bins.push(currentBin());
    const commit = ownText(flags, "baseline-commit");
    if (commit) {
      s.log(`extracting ${commit} to compare its bin`);
      const b = binAtCommit(commit);
      s.onClose(() => b.remove());
      bins.push(b);
    }
  }
  const built = await s.buildScenario(s.o.tokens, s.o.creators);
  const sim = built.sim;
  const localDb = inProcess ? await s.server.createDatabase("scale_local") : undefined;
  const childRuns: RunResult[] = [];
  const inProcessRuns: RunResult[] = [];
  // The separate-process runs judge the targets: each is repeated (--repeat), the median kept. A full sync needs an
  // empty database each time; the no-change runs all follow the last full sync.
  let childDb = "";
  const fulls: RunResult[] = [];
  for (let i = 0; i < s.o.repeat; i++) {
    childDb = await s.server.createDatabase(`scale_child${i}`);
    fulls.push(await s.runInChild("full sync", sim, childDb));
  }
  childRuns.push(median(fulls));
  const incrementals: RunResult[] = [];
  for (let i = 0; i < s.o.repeat; i++) incrementals.push(await s.runInChild("no-change incremental", sim, childDb));
  childRuns.push(median(incrementals));
  if (localDb) {
    inProcessRuns.push(await s.runInProcess("full sync", sim, localDb));
    inProcessRuns.push(await s.runInProcess("no-change incremental", sim, localDb));
  }
  const results: ScaleResults = { scenario: built.info, separate: childRuns, ...(localDb ? { inProcess: inProcessRuns } : {}) };
  if (bins.length > 0) results.cli = await binRuns(s, sim, bins);
  if (flags.own["skip-activity"] !== true) {
    results.activity = activity(sim.chain);
    warmSimulator(sim);
    s.log(`activity: ${results.activity}`);
    childRuns.push(await s.runInChild("incremental after activity", sim, childDb));
    if (localDb) inProcessRuns.push(await s.runInProcess("incremental after activity", sim, localDb));
  }
  await s.closeSim(sim);
  return { lines: print(results), targets: targets(results, bins), results };
}

/** A full and --repeat no-change runs through each bin, spawn to exit, each bin into its own database. */
async function binRuns(s: BenchSession, sim: Simnet, bins: BinVariant[]): Promise<BinRun[]> {
  const out: BinRun[] = [];
  for (const bin of bins) {
    const env = s.binEnv(sim, await s.server.createDatabase("scale_cli"));
    for (const label of ["full sync", "no-change incremental"]) {
      const runs: BinRun[] = [];
      for (let i = 0; i < (label === "full sync" ? 1 : s.o.repeat); i++) {
        sim.resetCounters();
        const r = await runCli(env, { bin: bin.bin });
        runs.push({ ...r, label, variant: bin.label, simRequests: sim.counters() });
        s.log(`${label} (the bin of ${bin.label}, spawn to exit): ${ms(r.wallMs)}, exit ${r.exitCode}, sync ${r.durationMs ?? "?"} ms, peak RSS ${r.maxRssMb === undefined ? "?" : mb(r.maxRssMb)}`);
        if (r.exitCode !== 0) s.log(`  ${r.stderrTail}`);
      }
      const sorted = [...runs].sort((x, y) => x.wallMs - y.wallMs);
      const mid = sorted[Math.floor((sorted.length - 1) / 2)] as BinRun;
      out.push(runs.length > 1 ? { ...mid, repeatsMs: runs.map((r) => r.wallMs) } : mid);
    }
  }
  return out;
}

function targets(sc: ScaleResults, bins: BinVariant[]): Target[] {
  const out: Target[] = [];
  const full = sc.separate.find((r) => r.label === "full sync");
  const incr = sc.separate.find((r) => r.label === "no-change incremental");
  const local = (label: string): RunResult | undefined => sc.inProcess?.find((r) => r.label === label);
  const bin = (variant: string | undefined, label: string) => sc.cli?.find((r) => r.variant === variant && r.label === label);
  const [now, before] = bins.map((b) => b.label);
  const cliFull = bin(now, "full sync");
  const cliIncr = bin(now, "no-change incremental");
  const notes = (...parts: string[]) => parts.filter(Boolean).join("; ") || undefined;
  if (full) {
    const l = local("full sync");
    out.push({
      name: `full sync, ${int(sc.scenario.tokens)} tokens: wall time`,
      goal: `< ${TARGETS.fullMs / 1000} s`,
      measured: ms(full.measurement.wallMs),
      met: full.measurement.wallMs < TARGETS.fullMs,
      note: notes(l ? `next to the simulator: ${ms(l.measurement.wallMs)}` : "", cliFull ? `the bin, spawn to exit: ${ms(cliFull.wallMs)}` : ""),
    });
    out.push({
      name: `full sync, ${int(sc.scenario.tokens)} tokens: peak RSS`,
      goal: `< ${TARGETS.fullRssMb} MB`,
      measured: mb(peakRss(full)),
      met: peakRss(full) < TARGETS.fullRssMb,
      note: notes(
        l ? `next to the simulator: ${mb(l.measurement.rss.peakMb)}, of which the run added ${mb(l.measurement.rss.deltaMb)}` : "",
        cliFull?.maxRssMb !== undefined ? `the bin: ${mb(cliFull.maxRssMb)}` : "",
      ),
    });
  }
  if (incr) {
    const l = local("no-change incremental");
    out.push({
      name: "no-change incremental: wall time",
      goal: `< ${TARGETS.incrementalMs / 1000} s`,
      measured: ms(incr.measurement.wallMs),
      met: incr.measurement.wallMs < TARGETS.incrementalMs,
      note: notes(l ? `next to the simulator: ${ms(l.measurement.wallMs)}` : "", cliIncr ? `the bin, spawn to exit: ${ms(cliIncr.wallMs)}` : ""),
    });
    const n = total(incr.simRequests);
    out.push({ name: "no-change incremental: RPC requests", goal: `<= ${TARGETS.incrementalRequests}`, measured: String(n), met: n <= TARGETS.incrementalRequests });
  }
  if (cliIncr) {
    const incrBefore = bin(before, "no-change incremental");
    out.push({
      name: `no-change run through the bin, ${int(sc.scenario.tokens)} tokens, spawn to exit`,
      goal: `< ${TARGETS.incrementalMs / 1000} s`,
      measured: ms(cliIncr.wallMs),
      met: cliIncr.wallMs < TARGETS.incrementalMs,
      note: notes(
        `of which the sync ${cliIncr.durationMs === undefined ? "?" : ms(cliIncr.durationMs)}`,
        incrBefore ? `${before}: ${ms(incrBefore.wallMs)}` : "",
        cliIncr.maxRssMb !== undefined && incrBefore?.maxRssMb !== undefined ? `peak RSS ${mb(cliIncr.maxRssMb)} vs ${mb(incrBefore.maxRssMb)}` : "",
      ),
    });
  }
  return out;
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

function print(sc: ScaleResults): string[] {
  const lines = [
    "",
    `Launchpad scale: ${int(sc.scenario.tokens)} tokens, ${int(sc.scenario.creators)} creators (${sc.scenario.dormantCreators} dormant, passed as creators); ` +
      `scenario built in ${ms(sc.scenario.buildMs)} (+${ms(sc.scenario.encodeMs)} precomputing its XDR), benchmark process RSS ${mb(sc.scenario.rssMb)}`,
  ];
  const target = (label: string): string =>
    label === "full sync" ? `< ${TARGETS.fullMs / 1000} s` : label === "no-change incremental" ? `< ${TARGETS.incrementalMs / 1000} s` : "";
  const all = [...sc.separate, ...(sc.inProcess ?? [])];
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
  const first = sc.separate[0]?.process;
  if (first) {
    lines.push(
      `  A fresh process takes ${ms(first.startupMs)} to load Node, tsx and the sources (not in "wall"; the bin itself loads dist/ instead: see its rows and the startup benchmark) and holds ${mb(first.idleRssMb)} RSS before any work; ` +
        `its peak is the kernel's high-water mark.`,
    );
  }
  lines.push("  RPC requests per method (as the simulator counted them; the sync's own count agrees unless shown):");
  for (const r of sc.separate) {
    const agree = sameCounts(r.report.rpcRequests, r.simRequests) ? "" : `  [the sync counted: ${requests(r.report.rpcRequests)}]`;
    lines.push(`    ${r.label}: ${requests(r.simRequests)}${agree}`);
  }
  if (sc.activity) lines.push(`  activity before the last run: ${sc.activity}`);
  if (sc.cli?.length) {
    lines.push("", "  The sync-tokens bin itself (node scripts/sync-tokens.mjs --json), spawn to exit, each bin into its own database:");
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
  return lines;
}
