// Where the time of a sync goes: one full sync (and a no-change incremental run) of a simulated scenario,
// with the sync in a child process under the CPU profiler; the simulator stays in this process. Then a summary
// of the profile by component (simulator, XDR, Prisma, pg, the sync's own code, idle).
//
//   npx tsx scripts/bench/profile.ts [--tokens 10000] [--creators 2000] [--latency 50] [--seed 1]
//                                    [--database-url URL] [--in-process] [--warmup] [--activity]
//                                    [--node-option=--max-old-space-size=128 ...] (flags for the sync's process)
//                                    [--cold] (each run in a fresh process, as cron runs the CLI)
//                                    [--dense-ledgers N] (a buy in each of the last N ledgers, as bench fidelity's
//                                    busy window) [--trades-off] (SyncOptions.trades false)
//                                    [--keep-databases] (with --database-url: left for a look afterwards)
//
// --in-process profiles this process instead (simulator and sync together, as `pnpm bench` runs them in its
// first table rows); run it as `node --cpu-prof --cpu-prof-dir=bench-results/profiles --import tsx
// scripts/bench/profile.ts --in-process`, then summarize with scripts/bench/profile-summary.ts.
// Profiles are written to bench-results/profiles/.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { syncTokens } from "../../src/api.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { ms, requests } from "./format.ts";
import { activity } from "./activity.ts";
import { timeline } from "./measure.ts";
import { warmSimulator } from "./sim-warm.ts";
import { openServer } from "./postgres.ts";
import { simSyncOptions } from "./session.ts";
import { summarizeProfile } from "./profile-summary.ts";
import { SyncChild } from "./sync-child.ts";

const { values } = parseArgs({
  options: {
    tokens: { type: "string", default: "10000" },
    creators: { type: "string", default: "2000" },
    latency: { type: "string", default: "50" },
    seed: { type: "string", default: "1" },
    "database-url": { type: "string" },
    "in-process": { type: "boolean", default: false },
    warmup: { type: "boolean", default: false },
    activity: { type: "boolean", default: false },
    "node-option": { type: "string", multiple: true },
    cold: { type: "boolean", default: false },
    "dense-ledgers": { type: "string" },
    "trades-off": { type: "boolean", default: false },
    "keep-databases": { type: "boolean", default: false },
  },
  strict: true,
});

const dir = path.resolve("bench-results/profiles");
fs.mkdirSync(dir, { recursive: true });
const dense = values["dense-ledgers"] === undefined ? {} : { denseTrading: { ledgers: Number(values["dense-ledgers"]), tradesPerLedger: 1 } };
const scenario = { tokens: Number(values.tokens), creators: Number(values.creators), seed: Number(values.seed), ...dense };
const server = await openServer(values["database-url"]);
const sim = await startSimnet({ scenario, latencyMs: Number(values.latency) });
const before = new Set(fs.readdirSync(dir));
let child: SyncChild | undefined;
try {
  const databaseUrl = await server.createDatabase("profile");
  const options = { ...simSyncOptions(sim, databaseUrl), ...(values["trades-off"] ? { trades: false } : {}) };
  const startChild = (): Promise<SyncChild> => SyncChild.start({ cpuProfDir: dir, nodeOptions: values["node-option"] ?? [] });
  if (!values["in-process"]) child = await startChild();
  if (values.warmup) {
    // One untraced sync into another database first, so the traced runs see warm code (JIT, Prisma's engine).
    const warm = { ...options, databaseUrl: await server.createDatabase("profile_warmup") };
    const t0 = performance.now();
    if (child) await child.run(warm);
    else await syncTokens({ ...warm, env: {} });
    console.log(`warm-up sync: ${ms(performance.now() - t0)}`);
  }
  warmSimulator(sim);
  for (const label of ["full sync", "no-change incremental", ...(values.activity ? ["incremental after activity"] : [])]) {
    if (label === "incremental after activity") {
      console.log(`activity: ${activity(sim.chain)}`);
      warmSimulator(sim);
    }
    if (child && values.cold && label !== "full sync") {
      // Each run in a fresh process, as cron starts the CLI (one profile per process).
      await child.exit();
      child = await startChild();
    }
    sim.resetCounters();
    const t0 = performance.now();
    if (child) {
      const r = await child.run(options, true);
      const m = r.measurement;
      console.log(
        `${label}: ${ms(performance.now() - t0)}, synced ${r.report.synced}, requests: ${requests(sim.counters())}; ` +
          `RSS ${Math.round(m.rss.baselineMb)} -> ${Math.round(m.rss.peakMb)} MB, heap peak ${Math.round(m.rss.peakHeapUsedMb)} MB, heap committed peak ${Math.round(m.rss.peakHeapTotalMb)} MB, external peak ${Math.round(m.rss.peakExternalMb)} MB`,
      );
      console.log(`  memory (ms: RSS MB / heap used MB): ${m.rss.series.filter((_, i) => i % 3 === 0).map(([t, r, h]) => `${t}: ${r}/${h}`).join(", ")}`);
      console.log(`  timeline (ms from the start of syncTokens):\n${timeline(r.trace ?? []).map((l) => `    ${l}`).join("\n")}`);
    } else {
      const synced = (await syncTokens({ ...options, env: {} })).synced;
      console.log(`${label}: ${ms(performance.now() - t0)}, synced ${synced}, requests: ${requests(sim.counters())}`);
    }
  }
  if (child) console.error(`child peak RSS: ${Math.round(await child.exit())} MB`);
  child = undefined;
} finally {
  child?.kill();
  await sim.close();
  await server.close({ keepDatabases: values["keep-databases"] });
}
if (!values["in-process"]) {
  const fresh = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && !before.has(f));
  for (const f of fresh) {
    console.log(`profile: ${path.join(dir, f)}`);
    console.log(summarizeProfile(path.join(dir, f)));
  }
}
