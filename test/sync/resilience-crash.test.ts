// Resilience, part 2: crash safety. The real CLI is killed (SIGKILL) at many points of its runs while the
// chain moves on between runs; after every kill the database holds no half-written token and its cursor has
// not passed an event whose token is not stored, and a final run converges to the chain's truth and to what
// one clean run stores. SIGINT and SIGTERM stop a run gracefully: the batch in progress is committed or
// rolled back, the cursor stays consistent, the run is recorded, and the exit status says why it stopped.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli, type CliResult } from "../support/cli.ts";
import { freshDatabases, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { expectConsistent, killAfter, RowHistory, signalWhen, summary, tradeSome, truthRows } from "../support/resilience.ts";

/** Printed once the event window is read, before the first token is read or written. */
const EVENTS_READ = /^events: \d+ factory events/m;
const CREATORS_SQL = `SELECT address, token_count FROM creators ORDER BY address`;

const freshDb = freshDatabases();

/** Starts a run and kills it `delayMs` after it has read the event window; resolves when it is gone. */
async function runAndKill(env: Record<string, string | undefined>, args: string[], delayMs: number, signal: NodeJS.Signals = "SIGKILL") {
  const { child, done } = startCli(["--json", ...args], { env });
  const kill = killAfter(child, EVENTS_READ, delayMs, signal);
  const result = await done;
  // A signal sent as the process was exiting on its own does not count.
  const killed = kill.fired() && (result.signal === signal || (signal !== "SIGKILL" && result.code !== 0));
  return { result, killed };
}

/**
 * Runs the CLI to completion and returns how long it ran after reading its events: the part of a run that
 * writes, over which kills are spread.
 */
async function timeWriting(env: Record<string, string | undefined>, args: string[] = []): Promise<number> {
  const { child, done } = startCli(["--json", ...args], { env });
  let stderr = "";
  let eventsAt = 0;
  child.stderr!.on("data", (d) => {
    stderr += d;
    if (!eventsAt && EVENTS_READ.test(stderr)) eventsAt = performance.now();
  });
  const r = await done;
  expect(r.code, r.stderr).toBe(0);
  expect(eventsAt).toBeGreaterThan(0);
  return performance.now() - eventsAt;
}

describe("SIGKILL at many points of many runs, on PostgreSQL", () => {
  let sim: Simnet;
  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 23, tokens: 400, creators: 60 }, latencyMs: 40 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("never leaves a half-written token or a cursor past an unread event, and converges to a clean run's rows", async () => {
    const history = new RowHistory(sim);
    const db = await freshDb("postgres");
    const env = () => cliEnv(sim, db);

    const timed = (args: string[], target: TestDatabase = db) => timeWriting(cliEnv(sim, target), args);
    let killedMidway = 0;
    let round = 0;
    const killAt = async (args: string[], delayMs: number) => {
      const { result, killed } = await runAndKill(cliEnv(sim, db), args, Math.round(delayMs));
      if (killed) killedMidway++;
      else expect(result.code, result.stderr).toBe(0);
      const state = await expectConsistent(db, sim, history);
      // The chain moves on before the next run: trades on stored and unstored tokens, a launch.
      tradeSome(sim, ++round, 25);
      history.record();
    };

    // A first run, killed again and again before it ever completes: no cursor yet.
    const first = await timed([], await freshDb("postgres"));
    for (const f of [0.1, 0.45, 0.7]) await killAt([], f * first);
    // It completes: now there is a cursor. Then incremental runs after trades, killed at every point.
    await timed([]);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
    tradeSome(sim, ++round, 25);
    history.record();
    const incremental = await timed([]);
    tradeSome(sim, ++round, 25);
    history.record();
    for (const f of [0, 0.3, 0.6, 0.9]) await killAt([], f * incremental);
    // Full rescans, which rewrite what changed among every token, killed midway.
    const full = await timed(["--full"]);
    for (const f of [0.4, 0.75]) await killAt(["--full"], f * full);
    expect(killedMidway, "kills that hit a running process").toBeGreaterThanOrEqual(6);

    // The rerun after the last kill reads what changed meanwhile and converges.
    const last = await runCli(["--json"], { env: env() });
    expect(last.code, last.stderr).toBe(0);
    expect(summary(last).failed).toEqual([]);
    expect(await tokenRows(db)).toEqual(truthRows(sim));

    // ...to exactly what one clean run stores.
    const clean = await freshDb("postgres");
    const cleanRun = await runCli(["--json"], { env: cliEnv(sim, clean) });
    expect(cleanRun.code, cleanRun.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(await tokenRows(clean));
    expect(await db.sql(CREATORS_SQL)).toEqual(await clean.sql(CREATORS_SQL));
    const cursorOf = (d: TestDatabase) => d.sql(`SELECT contract_id, network_passphrase, last_ledger::text FROM sync_state`);
    expect(await cursorOf(db)).toEqual(await cursorOf(clean));
  }, 150_000);
});

describe.each(["SIGINT", "SIGTERM"] as const)("%s stops a run gracefully", (signal) => {
  const status = signal === "SIGINT" ? 130 : 143;
  let sim: Simnet;
  let db: TestDatabase;
  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 29, tokens: 300, creators: 50 }, latencyMs: 60 });
    db = await freshDb("postgres");
  });
  afterAll(async () => {
    await sim?.close();
  });

  // Where the signal lands: `afterMs` after the simulator first sees `method` (every request takes 60 ms).
  const points: { name: string; method: string; afterMs: number; opensDatabase: boolean }[] = [
    { name: "during preflight", method: "simulateTransaction", afterMs: 0, opensDatabase: false },
    { name: "while events are read", method: "getEvents", afterMs: 0, opensDatabase: true },
    { name: "while the tokens named by events are read", method: "getLedgerEntries", afterMs: 0, opensDatabase: true },
    // Their entries are back after one latency: the batch is being written.
    { name: "while a batch is written", method: "getLedgerEntries", afterMs: 75, opensDatabase: true },
  ];

  it(`at ${signal === "SIGINT" ? "every stage" : "the reading and the writing stage"}: exit ${status}, the run recorded as FAILED, the batch and cursor consistent; the next run converges`, async () => {
    const history = new RowHistory(sim);
    // A first complete run (every creator given), so that later runs are incremental and have a cursor to keep.
    const first = await runCli(["--json"], { env: cliEnv(sim, db) });
    expect(first.code, first.stderr).toBe(0);
    // Later runs as cron runs them without CREATOR_ADDRESS: every creator is already known and scanned.
    const env = cliEnv(sim, db, { CREATOR_ADDRESS: undefined });

    let round = 0;
    // SIGTERM takes the same path as SIGINT: two stages suffice for it.
    for (const point of signal === "SIGINT" ? points : points.filter((p) => p.name !== "during preflight" && p.name !== "while events are read")) {
      // Trades only (no launch): the run's work is re-reading the traded tokens that the events name.
      tradeSome(sim, ++round, 30, { launch: false });
      history.record();
      const runsBefore = await db.sql<{ id: string }>(`SELECT id::text FROM sync_runs`);
      const cursorBefore = await db.sql(`SELECT last_ledger::text, last_ledger_hash FROM sync_state`);

      sim.resetCounters();
      let seenAt = 0;
      const { child, done } = startCli(["--json"], { env });
      const sent = signalWhen(
        child,
        () => {
          if (!seenAt && (sim.counters()[point.method] ?? 0) >= 1) seenAt = performance.now();
          return seenAt > 0 && performance.now() - seenAt >= point.afterMs;
        },
        signal,
      );
      const r = await done;
      expect(sent.fired(), `${point.name}: the signal was sent`).toBe(true);
      expect(r.signal, `${point.name}: ended by its own handler`).toBeNull();
      expect(r.code, `${point.name}: ${r.stderr}`).toBe(status);
      expect(r.stderr).toMatch(new RegExp(`${signal} received`));
      expect(r.stderr).toMatch(new RegExp(`sync-tokens: interrupted by ${signal}`));
      expect(r.stderr).not.toMatch(/unexpected failure|does not answer/);
      expect(r.stdout).toBe("");

      const runs = await db.sql<{ id: string; outcome: string; error: string | null; finished: boolean }>(
        `SELECT id::text, outcome::text, error, finished_at IS NOT NULL AS finished FROM sync_runs ORDER BY id`,
      );
      if (point.opensDatabase) {
        expect(runs, point.name).toHaveLength(runsBefore.length + 1);
        expect(runs.at(-1), point.name).toMatchObject({ outcome: "FAILED", finished: true });
        expect(runs.at(-1)!.error).toMatch(new RegExp(signal));
      } else {
        expect(runs, point.name).toHaveLength(runsBefore.length);
      }
      expect(runs.filter((x) => x.outcome === "RUNNING"), "no run left RUNNING").toEqual([]);
      // The cursor stays where the last complete run left it: this run did not finish its window.
      expect(await db.sql(`SELECT last_ledger::text, last_ledger_hash FROM sync_state`), point.name).toEqual(cursorBefore);
      await expectConsistent(db, sim, history);
      // No transaction left open: the run's connections are gone.
      const [open] = await db.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(open?.n, point.name).toBe(0);
    }

    const rerun = await runCli(["--json"], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
  }, 90_000);
});

describe("SIGKILL on the embedded database", () => {
  let sim: Simnet;
  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 31, tokens: 200, creators: 40 }, latencyMs: 40 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("leaves a stale lock file that the next run takes over, and PGlite recovers", async () => {
    const history = new RowHistory(sim);
    const db = await freshDb("pglite");
    const lockFile = `${db.dataDir}.lock`;
    const writing = await timeWriting(cliEnv(sim, await freshDb("pglite")));
    const outcomes: CliResult[] = [];
    // Early enough in the writing that the run still holds its lock: a kill after it has closed the database
    // (timings vary under load) leaves no lock to take over.
    for (const [round, fraction] of [0.25, 0.5].entries()) {
      const { result, killed } = await runAndKill(cliEnv(sim, db), [], Math.round(fraction * writing));
      outcomes.push(result);
      if (!killed) continue;
      expect(result.signal).toBe("SIGKILL");
      // The dead process's lock is still there...
      expect(fs.existsSync(lockFile)).toBe(true);
      // Its owner record: "pid start-time boot-id" (file-lock.ts), the pid first.
      expect(Number(fs.readFileSync(lockFile, "utf8").split(" ")[0])).toBeGreaterThan(0);
      // ...and the database it was writing opens, consistent.
      await expectConsistent(db, sim, history);
      expect(fs.existsSync(lockFile)).toBe(true);
      tradeSome(sim, round + 1, 10);
      history.record();
    }
    expect(outcomes.filter((r) => r.signal === "SIGKILL").length).toBeGreaterThanOrEqual(2);

    const rerun = await runCli(["--json"], { env: cliEnv(sim, db) });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
    expect(fs.existsSync(lockFile)).toBe(false);
  }, 90_000);
});
