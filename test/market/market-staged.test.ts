// On PostgreSQL a run inserts its trades into a transaction of their own as the event pages arrive, and the write
// that moves the cursor joins and commits it (src/store/trade-stage.ts). What production does to such a transaction,
// driven through the CLI: the server ends it while the run reads (an idle-in-transaction timeout, a failover), and
// the run holding it freezes (SIGSTOP) while the next cron run takes over. Either way the trades end exactly as the
// cursor says.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli, type CliResult } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { marketColumns, tradeRows, truthMarketColumns, truthTrades } from "../support/market-truth.ts";
import { storedCursor } from "../support/serve-process.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** RPC latency keeps a run reading tokens for a while after its trades went into their transaction. */
async function setup(seed: number): Promise<{ sim: Simnet; db: TestDatabase }> {
  const sim = await startSimnet({
    scenario: { seed, tokens: 200, creators: 20, historyLedgers: 30_000, retentionLedgers: 12_000, tradesInWindow: 1_000 },
    latencyMs: 100,
  });
  const db = await createTestDatabase("postgres");
  cleanups.push(() => sim.close(), () => db.drop());
  return { sim, db };
}

/** Backends of other sessions in the trades' open transaction, idle while the run reads, for at least `idleMs`. */
function stagedBackends(db: TestDatabase, idleMs: number): Promise<{ pid: number }[]> {
  return db.sql<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'
       AND query LIKE '%INSERT INTO trades%' AND now() - state_change > make_interval(secs => $1::double precision / 1000)`,
    [idleMs],
  );
}

async function expectTradesExact(sim: Simnet, db: TestDatabase, from: number): Promise<void> {
  const cursor = await storedCursor(db, sim.contractId);
  expect(cursor).toBe(sim.chain.latestLedger);
  expect(await tradeRows(db)).toEqual(truthTrades(sim, from, cursor!));
  expect(await marketColumns(db)).toEqual(truthMarketColumns(sim, from));
}

describe("the trades' own transaction, on PostgreSQL", () => {
  it("ended by the server while the run reads (an idle-in-transaction timeout, a failover): the cursor's transaction stores every trade", async () => {
    const { sim, db } = await setup(76);
    const from = sim.chain.oldestLedger;
    const { done } = startCli(["--json"], { env: cliEnv(sim, db) });
    let result: CliResult | undefined;
    void done.then((r) => (result = r));
    let ended = 0;
    while (result === undefined) {
      for (const { pid } of await stagedBackends(db, 200)) {
        const [row] = await db.sql<{ ended: boolean }>(`SELECT pg_terminate_backend($1) AS ended`, [pid]);
        if (row?.ended) ended++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ended).toBeGreaterThan(0);
    expect(result.code, result.stderr).toBe(0);
    await expectTradesExact(sim, db, from);
  }, 120_000);

  it("held by a run frozen with SIGSTOP: the next cron run takes over once the lease lapses and stores every trade; the woken run writes nothing", async () => {
    const { sim, db } = await setup(78);
    const from = sim.chain.oldestLedger;
    const env = cliEnv(sim, db, { SYNC_LEASE_MS: "2000" });
    // The frozen run is never killed by the harness in time to free what it holds: only the takeover can.
    const frozen = startCli(["--json"], { env, timeoutMs: 300_000 });
    await waitFor("the run's trades to be in their open transaction", async () => (await stagedBackends(db, 0)).length > 0, 60_000, 10);
    frozen.child.kill("SIGSTOP");
    try {
      // Cron runs exit 75 while the frozen run's lease is live; the first one after it lapsed ends its backends
      // (a run left waiting on the frozen transaction's rows is killed at 60 s and fails here).
      let cron: CliResult;
      do cron = await runCli(["--json"], { env, timeoutMs: 60_000 });
      while (cron.code === 75);
      expect(cron.code, cron.stderr).toBe(0);
      expect(cron.stderr).toMatch(/lease of \S+ on contract \S+ expired/);
      await expectTradesExact(sim, db, from);
    } finally {
      frozen.child.kill("SIGCONT");
    }
    const woken = await frozen.done;
    expect(woken.code, woken.stderr).not.toBe(0);
    await expectTradesExact(sim, db, from);
  }, 240_000);
});
