// The seed's design against this sync, warm, in this process on the same scenario: the ratio of their times.
//
// The seed's design is one getEvents call, then get_token_info by simulation and one upsert per token, one after
// another; it is timed on --baseline-sample tokens and extrapolated per token (every token costs it one sequential
// simulation). A small warm-up of each comes first. This sync runs --repeat times into fresh databases (median).
// Own flags: --compare-tokens 2000 --compare-creators (default: compare-tokens x creators / tokens)
//            --baseline-sample 200 --skip-baseline --keep-databases
import { syncTokens } from "../../src/api.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { runSeedDesign, type BaselineResult } from "./baseline.ts";
import { ownText, whole, type BenchFlags } from "./flags.ts";
import { int, ms, requests, table } from "./format.ts";
import { measure, type Measurement } from "./measure.ts";
import { median, simTarget, SYNC_BENCH_OPTIONS, withSession, type Outcome, type RunResult, type ScenarioBuild, type BenchSession } from "./session.ts";

export const options = { ...SYNC_BENCH_OPTIONS, "compare-tokens": "2000", "compare-creators": "", "baseline-sample": "200", "skip-baseline": false };

const TARGET_RATIO = 100;

interface BaselineRun extends BaselineResult {
  measurement: Measurement;
  /** setupMs + perTokenMs x the contract's token count: the seed's design doing the sync's job. */
  extrapolatedMs: number;
  /** setupMs + perTokenMs x the tokens its one getEvents call found: what it would really do, incompletely. */
  extrapolatedFoundMs: number;
  simRequests: Record<string, number>;
}

interface CompareResults {
  warmup: { syncMs: number; seedDesignMs: number };
  scenario: ScenarioBuild;
  /** The median of the sync's runs (each into a fresh database). */
  sync: RunResult;
  syncRuns: RunResult[];
  baseline?: BaselineRun;
  ratio?: number;
}

export async function run(flags: BenchFlags): Promise<void> {
  await withSession("compare", flags, (s) => compare(s, flags));
}

async function compare(s: BenchSession, flags: BenchFlags): Promise<Outcome> {
  const compareTokens = whole("compare-tokens", ownText(flags, "compare-tokens"), 1);
  const compareCreators = ownText(flags, "compare-creators")
    ? whole("compare-creators", ownText(flags, "compare-creators"), 1)
    : Math.max(1, Math.round((compareTokens * s.o.creators) / s.o.tokens));
  const sample = whole("baseline-sample", ownText(flags, "baseline-sample"), 1);
  const skipBaseline = flags.own["skip-baseline"] === true;

  // Warm-up: both designs once on a small scenario, so that the comparison is of warm code on both sides (JIT,
  // connection setup). The CLI's cold start is measured by the scale benchmark.
  const warm = await startSimnet({ scenario: { tokens: 100, creators: 20, seed: s.o.seed + 1 }, latencyMs: s.o.latencyMs });
  let warmup: CompareResults["warmup"];
  try {
    const t0 = performance.now();
    await syncTokens({ ...s.syncOptions(warm, await s.server.createDatabase("warmup_sync")), env: {} });
    const t1 = performance.now();
    if (!skipBaseline) await runSeedDesign({ ...simTarget(warm), databaseUrl: await s.server.createDatabase("warmup_seed"), sample: 20 });
    warmup = { syncMs: t1 - t0, seedDesignMs: performance.now() - t1 };
  } finally {
    await warm.close();
  }

  const built = await s.buildScenario(compareTokens, compareCreators);
  const sim = built.sim;
  s.log(`this sync on ${int(compareTokens)} tokens, ${s.o.repeat} times into fresh databases`);
  const syncRuns: RunResult[] = [];
  for (let i = 0; i < s.o.repeat; i++) syncRuns.push(await s.runInProcess("this sync", sim, await s.server.createDatabase(`compare_sync${i}`)));
  const c: CompareResults = { warmup, scenario: built.info, sync: median(syncRuns), syncRuns };
  if (!skipBaseline) {
    const baselineUrl = await s.server.createDatabase("compare_seed");
    s.log(`the seed's design, timed on up to ${sample} tokens (one simulation after another)`);
    sim.resetCounters();
    const { result, m } = await measure(() => runSeedDesign({ ...simTarget(sim), databaseUrl: baselineUrl, sample }));
    const contractTokens = sim.chain.tokens.length;
    c.baseline = {
      ...result,
      measurement: m,
      extrapolatedMs: result.setupMs + result.perTokenMs * contractTokens,
      extrapolatedFoundMs: result.setupMs + result.perTokenMs * result.found,
      simRequests: sim.counters(),
    };
    c.ratio = c.baseline.extrapolatedMs / c.sync.measurement.wallMs;
  }
  await s.closeSim(sim);
  return { lines: print(c), targets: targets(c), results: c };
}

function targets(c: CompareResults): Outcome["targets"] {
  if (c.ratio === undefined || !c.baseline) return [];
  return [
    {
      name: `speed-up over the seed's design, ${int(c.scenario.tokens)} tokens`,
      goal: `>= ${TARGET_RATIO}x`,
      measured: `${c.ratio.toFixed(0)}x`,
      met: c.ratio >= TARGET_RATIO,
      note: `seed's design ${ms(c.baseline.extrapolatedMs)} (extrapolated from ${c.baseline.processed} timed tokens), this sync ${ms(c.sync.measurement.wallMs)}`,
    },
  ];
}

function print(c: CompareResults): string[] {
  const lines = [
    "",
    `The seed's design vs this sync: ${int(c.scenario.tokens)} tokens, ${int(c.scenario.creators)} creators (${c.scenario.dormantCreators} dormant, passed to the sync), one process, warm`,
  ];
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
  rows.push(["this sync", `${int(s.rowsInDatabase)} of ${int(s.report.contractTokenCount)}`, `${ms(s.measurement.wallMs)}${spread}`, requests(s.simRequests), ms(s.measurement.db.busyMs)]);
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
    lines.push(`  Ratio: this sync does the whole job ${c.ratio?.toFixed(0)}x faster (target >= ${TARGET_RATIO}x).`);
  }
  lines.push(`  (warm-up on a 100-token scenario first: sync ${ms(c.warmup.syncMs)}, seed's design ${ms(c.warmup.seedDesignMs)})`);
  return lines;
}
