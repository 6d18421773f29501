// Real-network situations (issue 9) at launchpad scale, each sync in a fresh process.
//
// A busy window: a buy in every one of the last 10,000 ledgers, so one getEvents scan holds more than a page; full
// syncs with the trades stored and without (issue 22: within 1.3x), then an incremental one after 2,000 more buys.
// And an archived-heavy launchpad (entries untouched for 40,000 ledgers served archived, expired or evicted) against
// the same one all live. Full syncs take turns, --repeat times each. Own flags: --keep-databases
import type { Simnet } from "../../test/simnet/index.ts";
import { type BenchFlags } from "./flags.ts";
import { int, mb, ms, requests, table, total } from "./format.ts";
import { median, peakRss, SYNC_BENCH_OPTIONS, withSession, type BenchSession, type Outcome, type RunResult, type ScenarioBuild, type Target } from "./session.ts";
import { warmSimulator } from "./sim-warm.ts";

export const options = { ...SYNC_BENCH_OPTIONS };

/** Archival by age for the archived-heavy scenario: most dormant tokens' and creators' entries lapse. */
const ARCHIVE_AFTER_LEDGERS = 40_000;
/** The archived-heavy full sync: simulations at most, and wall time at most this share above the all-live one. */
const TARGETS = { archivedSimulations: 5, archivedSlowdown: 0.1, tradesSlowdown: 1.3 };

interface FidelityResults {
  busy: { scenario: ScenarioBuild; busiestScanEvents: number; runs: RunResult[]; tradesOn: RunResult; tradesOff: RunResult };
  archived: {
    live: { scenario: ScenarioBuild; run: RunResult };
    archived: { scenario: ScenarioBuild; run: RunResult; tokenEntries: Record<string, number>; creatorEntries: Record<string, number> };
  };
}

export async function run(flags: BenchFlags): Promise<void> {
  await withSession("fidelity", flags, async (s) => {
    const f: FidelityResults = { busy: await busyWindow(s), archived: await archivedHeavy(s) };
    return { lines: print(f), targets: targets(f), results: f };
  });
}

async function busyWindow(s: BenchSession): Promise<FidelityResults["busy"]> {
  // A buy every ledger (5 s) over the last 10,000 ledgers: 20,000 factory events from buys alone.
  const built = await s.buildScenario(s.o.tokens, s.o.creators, { denseTrading: { ledgers: 10_000, tradesPerLedger: 1 } });
  const sim = built.sim;
  // Full syncs with the trades stored and without (SyncOptions.trades), taking turns as below.
  const on: RunResult[] = [];
  const off: RunResult[] = [];
  let first: string | undefined;
  for (let i = 0; i < s.o.repeat; i++) {
    const pair = [
      async () => {
        const db = await s.server.createDatabase(`busy_window${i}`);
        first ??= db;
        on.push(await s.runInChild("busy window: full sync", sim, db));
      },
      async () => off.push(await s.runInChild("busy window: full sync, trades off", sim, await s.server.createDatabase(`busy_off${i}`), { trades: false })),
    ];
    if (i % 2 === 1) pair.reverse();
    for (const one of pair) await one();
  }
  const runs = [median(on), median(off)];
  const busiestScanEvents = busiestScan(sim, on[0]!.report.cursor.from, on[0]!.report.cursor.to);
  sim.chain.tradeBurst({ ledgers: 2_000, tradesPerLedger: 1 });
  warmSimulator(sim);
  runs.push(await s.runInChild("busy window: incremental after 2,000 buys", sim, first!));
  await s.closeSim(sim);
  return { scenario: built.info, busiestScanEvents, runs, tradesOn: runs[0]!, tradesOff: runs[1]! };
}

async function archivedHeavy(s: BenchSession): Promise<FidelityResults["archived"]> {
  const live = await s.buildScenario(s.o.tokens, s.o.creators);
  const archived = await s.buildScenario(s.o.tokens, s.o.creators, { archiveAfterLedgers: ARCHIVE_AFTER_LEDGERS });
  const states = (list: (string | undefined)[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const st of list) out[st ?? "none"] = (out[st ?? "none"] ?? 0) + 1;
    return out;
  };
  const chain = archived.sim.chain;
  const tokenEntries = states(chain.tokens.map((t) => chain.tokenEntryState(t)));
  const creatorEntries = states(chain.creators.map((c) => chain.creatorEntryState(c)));
  s.log(`archived-heavy: TokenInfo entries ${JSON.stringify(tokenEntries)}, CreatorTokens entries ${JSON.stringify(creatorEntries)}`);
  // Alternating, and in turn first (ABBA), so that changes in the machine's load and the database's background work
  // after a run (checkpoints, autovacuum of the last run's rows) fall on both alike.
  const liveRuns: RunResult[] = [];
  const archivedRuns: RunResult[] = [];
  for (let i = 0; i < s.o.repeat; i++) {
    const pair = [
      async () => liveRuns.push(await s.runInChild("all-live: full sync", live.sim, await s.server.createDatabase(`live_full${i}`))),
      async () => archivedRuns.push(await s.runInChild("archived-heavy: full sync", archived.sim, await s.server.createDatabase(`archived_full${i}`))),
    ];
    if (i % 2 === 1) pair.reverse();
    for (const one of pair) await one();
  }
  await s.closeSim(live.sim);
  await s.closeSim(archived.sim);
  return {
    live: { scenario: live.info, run: median(liveRuns) },
    archived: { scenario: archived.info, run: median(archivedRuns), tokenEntries, creatorEntries },
  };
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

/** The archived-heavy full sync against its all-live twin. */
function targets(f: FidelityResults): Target[] {
  const a = f.archived.archived.run;
  const l = f.archived.live.run;
  const sims = a.simRequests.simulateTransaction ?? 0;
  const slowdown = a.measurement.wallMs / l.measurement.wallMs - 1;
  const { tradesOn, tradesOff } = f.busy;
  const tradesRatio = tradesOn.measurement.wallMs / tradesOff.measurement.wallMs;
  return [
    {
      name: `busy-window full sync (${int(f.busy.busiestScanEvents)}+ events in a scan): trades on against off`,
      goal: `<= ${TARGETS.tradesSlowdown}x`,
      measured: `${tradesRatio.toFixed(2)}x`,
      // Both runs must have done what they say: trades stored, and none.
      met: tradesRatio <= TARGETS.tradesSlowdown && tradesOn.tradesInDatabase > 0 && tradesOff.tradesInDatabase === 0,
      note: `${ms(tradesOn.measurement.wallMs)} vs ${ms(tradesOff.measurement.wallMs)} (medians, runs taking turns); ${int(tradesOn.tradesInDatabase)} trades vs ${int(tradesOff.tradesInDatabase)}`,
    },
    {
      name: `archived-heavy full sync, ${int(f.archived.archived.scenario.tokens)} tokens: simulateTransaction`,
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

function print(f: FidelityResults): Outcome["lines"] {
  const runs: RunResult[] = [...f.busy.runs, f.archived.live.run, f.archived.archived.run];
  const a = f.archived.archived;
  return [
    "",
    "Real-network situations, each sync in a fresh process:",
    table(
      ["run", "synced / unchanged", "rows", "trades", "wall", "requests", "RSS peak"],
      runs.map((r) => [
        r.label,
        `${int(r.report.synced)} / ${int(r.report.unchanged)}`,
        `${int(r.rowsInDatabase)} of ${int(r.report.contractTokenCount)}`,
        int(r.tradesInDatabase),
        r.repeatsMs ? `${ms(r.measurement.wallMs)} (median of ${r.repeatsMs.length}: ${r.repeatsMs.map(ms).join(", ")})` : ms(r.measurement.wallMs),
        String(total(r.simRequests)),
        mb(peakRss(r)),
      ]),
    ),
    "  RPC requests per method:",
    ...runs.map((r) => `    ${r.label}: ${requests(r.simRequests)}`),
    `  busy window: the busiest getEvents scan of the full sync holds ${int(f.busy.busiestScanEvents)} factory events (pages of at most 10,000).`,
    `  archived-heavy (entries untouched for ${int(ARCHIVE_AFTER_LEDGERS)} ledgers archived): TokenInfo ${JSON.stringify(a.tokenEntries)}, CreatorTokens ${JSON.stringify(a.creatorEntries)}.`,
  ];
}
