// Real providers (issue 18): several stellar-rpc nodes behind a load balancer, each 0..2 ledgers behind the
// newest, answering every method from its own range and state while ledgers close. Cron runs and `watch` go
// through it: every run exits 0, nothing warns for lag alone, the cursor never passes an unread ledger, and the
// database ends exact against the simulator. A provider without getLedgers still has its resets detected.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli, type CliResult } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { jsonLines } from "../support/live.ts";
import { summary, truthRows } from "../support/resilience.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function setup(backend: (typeof backends)[number], seed: number, lbLag = 2): Promise<{ sim: Simnet; db: TestDatabase }> {
  // A ledger a second, most of them with a launch or trades.
  const sim = await startSimnet({ scenario: { seed, tokens: 30, creators: 6, hostile: false, historyLedgers: 2_000, retentionLedgers: 20_000 }, lbLag, ledgerCloseMs: 1000, liveActivity: 0.7 });
  const db = await createTestDatabase(backend);
  cleanups.push(() => sim.close(), () => db.drop());
  return { sim, db };
}

/** The product's warnings in a run's stderr. */
function warnings(r: Pick<CliResult, "stderr">): string[] {
  return r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
}

/** Nodes catch up once ledgers stop closing: the chain is then one state to compare with. */
async function settle(sim: Simnet): Promise<void> {
  sim.pause();
  sim.setLoadBalancerLag(0);
}

async function storedCursor(db: TestDatabase): Promise<number> {
  const rows = await db.sql<{ last_ledger: string }>("SELECT last_ledger::text AS last_ledger FROM sync_state");
  return Number(rows[0]?.last_ledger ?? 0);
}

describe.each(backends)("a load-balanced provider whose nodes lag each other, on %s", (backend) => {
  it("cron runs exit 0 every time, warn for nothing, never move the cursor past an unread ledger, and leave the database exact", async () => {
    const { sim, db } = await setup(backend, 181);
    const env = cliEnv(sim, db);
    const cursors: number[] = [];
    let endedShort = 0;
    for (let run = 0; run < 6; run++) {
      const r = await runCli(["--json"], { env });
      expect(r.code, `run ${run}: ${r.stderr}`).toBe(0);
      expect(warnings(r), `run ${run}`).toEqual([]);
      const s = summary(r);
      expect(s.missingIds, `run ${run}`).toEqual([]);
      if (s.cursor.to !== null && s.cursor.to < s.latestLedger) endedShort++;
      cursors.push(await storedCursor(db));
    }
    // The cursor only moves forward, and the runs did meet nodes behind others.
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(endedShort).toBeGreaterThan(0);

    await settle(sim);
    const last = await runCli(["--json"], { env });
    expect(last.code, last.stderr).toBe(0);
    expect(warnings(last)).toEqual([]);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
    expect(await storedCursor(db)).toBe(sim.chain.latestLedger);
  }, 240_000);
});

describe("watch behind a lagging load balancer", () => {
  it("follows for many passes with no warning, and the database is exact against the simulator", async () => {
    const { sim, db } = await setup("postgres", 182);
    const env = cliEnv(sim, db);
    const w = startCli(["watch", "--json"], { env, timeoutMs: 180_000 });
    let stdout = "";
    let stderr = "";
    w.child.stdout!.on("data", (d) => (stdout += d));
    w.child.stderr!.on("data", (d) => (stderr += d));
    cleanups.push(async () => void w.child.kill("SIGKILL"));
    // Launches while watch follows: the random live activity may launch none in a short run, so two are made here.
    await waitFor("10 passes", () => jsonLines(stdout).length >= 10, 150_000, 100);
    const launched = [sim.chain.launchToken(), sim.chain.launchToken()].map((t) => t.tokenAddress);
    await waitFor("40 passes while ledgers close", () => jsonLines(stdout).length >= 40, 150_000, 100);
    await waitFor("watch stored the launches", async () => {
      const rows = await db.sql<{ n: string }>("SELECT count(*)::text AS n FROM tokens WHERE address = ANY($1)", [launched]);
      return Number(rows[0]?.n) === launched.length;
    }, 60_000, 200);
    w.child.kill("SIGTERM");
    const result = await w.done;
    expect(result.code, stderr).toBe(0);
    expect(warnings({ stderr }).filter((l) => !/SIGTERM received/.test(l))).toEqual([]);

    // A last pass once the nodes agree: had watch moved its cursor past anything unread, rows would differ.
    await settle(sim);
    const last = await runCli(["--json"], { env });
    expect(last.code, last.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
  }, 240_000);
});

describe("a provider that serves no getLedgers", () => {
  it("a reset inside the window is still detected (the stored tokens are gone), and the new chain stored exactly", async () => {
    const sim = await startSimnet({ scenario: { seed: 183, tokens: 8, creators: 3 }, withoutMethods: ["getLedgers"] });
    const db = await createTestDatabase("postgres");
    cleanups.push(() => sim.close(), () => db.drop());
    const env = cliEnv(sim, db);
    const first = await runCli(["--json"], { env });
    expect(first.code, first.stderr).toBe(0);

    const { chain } = sim;
    const cursor = chain.latestLedger;
    // The new chain passes the old cursor inside its window, with more tokens than before.
    chain.reset({ redeploy: true, sameContractId: true, startLedger: cursor - 50 });
    for (let i = 0; i < 10; i++) chain.launchToken();
    chain.advance(100);
    expect(chain.oldestLedger).toBeLessThanOrEqual(cursor);

    const r = await runCli(["--json"], { env: cliEnv(sim, db) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/network reset: none of \d+ stored tokens exists on the chain any more/);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
  }, 120_000);

  it("with no token stored yet, the run says plainly that the reset check was skipped", async () => {
    const sim = await startSimnet({ scenario: { seed: 184, tokens: 0, creators: 0 }, withoutMethods: ["getLedgers"] });
    const db = await createTestDatabase("postgres");
    cleanups.push(() => sim.close(), () => db.drop());
    const env = cliEnv(sim, db);
    expect((await runCli(["--json"], { env })).code).toBe(0);
    sim.chain.advance(5);
    const r = await runCli([], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/reset check skipped: the RPC serves no getLedgers/);
  }, 120_000);
});
