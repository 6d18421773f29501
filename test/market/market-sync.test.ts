// Market data (issue 22) through the CLI against the simulator's truth, on PostgreSQL and PGlite: every trade row,
// launch ledger and graduation after a first run, after incremental runs and in live mode; a reset takes the old
// chain's trades; a run killed (SIGKILL) in the middle loses and doubles no trade; a buy and its twin split by a
// page, and a run whose cursor stays, leave the trades exactly as the cursor says (on PostgreSQL the trades go into
// a transaction of their own as pages are read: market-staged.test.ts).
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, startCli } from "../support/cli.ts";
import { backends, createTestDatabase, type Backend, type TestDatabase } from "../support/databases.ts";
import { syncJson } from "../support/fidelity.ts";
import { http, jsonLines, LedgerTicker, startInProcess } from "../support/live.ts";
import { waitFor } from "../support/wait.ts";
import { marketColumns, tradeRows, truthMarketColumns, truthTrades } from "../support/market-truth.ts";
import { killAfter, summary, tradeSome } from "../support/resilience.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function setup(backend: Backend, seed: number, scenario: Record<string, unknown> = {}): Promise<{ sim: Simnet; db: TestDatabase }> {
  const sim = await startSimnet({ scenario: { seed, tokens: 40, creators: 8, historyLedgers: 30_000, retentionLedgers: 12_000, tradesInWindow: 300, ...scenario } });
  const db = await createTestDatabase(backend);
  cleanups.push(() => sim.close(), () => db.drop());
  return { sim, db };
}

async function expectMarket(sim: Simnet, db: TestDatabase, from: number, label: string): Promise<void> {
  const cursor = summary(await syncJson(sim, db)).cursor as { to: number };
  expect(cursor.to, label).toBe(sim.chain.latestLedger);
  expect(await tradeRows(db), label).toEqual(truthTrades(sim, from));
  expect(await marketColumns(db), label).toEqual(truthMarketColumns(sim, from));
}

describe.each(backends)("trades on %s", (backend) => {
  it("stores every trade, launch and graduation of the window on a first run and on incremental runs", async () => {
    const { sim, db } = await setup(backend, 71);
    const from = sim.chain.oldestLedger;
    await expectMarket(sim, db, from, "first run");
    expect(sim.chain.trades.filter((t) => t.ledger >= from).length).toBeGreaterThan(100);
    expect((await marketColumns(db)).some((r) => r["graduated_ledger"] !== null)).toBe(true);

    for (let round = 1; round <= 3; round++) {
      tradeSome(sim, round, 5);
      // A graduation between runs: its ledger and time arrive with the incremental run.
      if (round === 2) {
        const t = sim.chain.tokens.find((x) => x.status === "Bonding")!;
        sim.chain.buy(t, 11_000n * 10_000_000n);
        expect(t.status).toBe("Graduated");
      }
      await expectMarket(sim, db, from, `incremental run ${round}`);
    }
    // A run with nothing new writes nothing twice.
    await expectMarket(sim, db, from, "a run with no new ledger");
  }, 240_000);

  it("joins each buy with its detailed twin when a provider's short getEvents pages split them", async () => {
    // Pages of 3 events: many a buy's page ends before its twin's (the trades of a page go to the database as read).
    const { sim, db } = await setup(backend, 77, { tradesInWindow: 120 });
    sim.setMaxEventsLimit(3);
    const from = sim.chain.oldestLedger;
    await expectMarket(sim, db, from, "a run paging by 3");
    expect((await tradeRows(db)).filter((t) => t["fee"] !== null).length).toBeGreaterThan(20);
  }, 120_000);

  it("deletes the old chain's trades with its tokens on a network reset", async () => {
    const { sim, db } = await setup(backend, 72);
    await expectMarket(sim, db, sim.chain.oldestLedger, "before the reset");
    sim.chain.reset({ redeploy: true, sameContractId: true });
    const t = sim.chain.launchToken({ name: "After", symbol: "AFT" });
    sim.chain.buy(t, 50_000_000n);
    sim.chain.sell(t, 1_000_000n);
    const r = await syncJson(sim, db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/network reset/);
    expect(await tradeRows(db)).toEqual(truthTrades(sim, 0));
    expect((await tradeRows(db)).length).toBe(2);
  }, 240_000);

  it("records a gap longer than the RPC's window as a hole, shown in /api/status, and reads on after it", async () => {
    const { sim, db } = await setup(backend, 75);
    const from = sim.chain.oldestLedger;
    await expectMarket(sim, db, from, "before the gap");
    const cursor = sim.chain.latestLedger;
    tradeSome(sim, 1, 5);
    sim.chain.advance(12_500); // the sync is away longer than the 12,000-ledger window
    tradeSome(sim, 2, 5);
    const r = await syncJson(sim, db);
    expect(r.code, r.stderr).toBe(0);
    const hole = [cursor + 1, sim.chain.oldestLedger - 1];
    expect(summary(r).warnings.join("\n")).toContain(`events from ledger ${hole[0]} to ${hole[1]} were missed`);
    expect(summary(r).warnings.join("\n")).toMatch(/their trades are recorded as a hole/);
    expect(await db.sql(`SELECT from_ledger::int AS "from", to_ledger::int AS "to" FROM trade_holes`)).toEqual([{ from: hole[0], to: hole[1] }]);
    // What was readable is stored: the trades before the gap and after it, none of the hole's.
    const readable = truthTrades(sim, from).filter((t) => Number(t["ledger"]) <= cursor || Number(t["ledger"]) > hole[1]!);
    expect(await tradeRows(db)).toEqual(readable);
    expect(truthTrades(sim, hole[0]!, hole[1]).length).toBeGreaterThan(0);
    const live = await startInProcess(sim, db);
    try {
      const status = (await http(`${live.url}/api/status`)).json as { tradeHistory: unknown };
      expect(status.tradeHistory).toEqual({ fromLedger: from, backfilled: false, holes: [{ fromLedger: hole[0], toLedger: hole[1] }] });
    } finally {
      await live.stop();
    }
  }, 240_000);

  it("records each ledger's trades as watch follows the chain", async () => {
    const { sim, db } = await setup(backend, 73);
    const from = sim.chain.oldestLedger;
    const run = startCli(["watch", "--json"], { env: cliEnv(sim, db), timeoutMs: 180_000 });
    let stdout = "";
    run.child.stdout!.on("data", (d) => (stdout += d));
    cleanups.push(async () => void run.child.kill("SIGKILL"));
    await waitFor("the first pass", () => jsonLines(stdout).length >= 1, 90_000);
    const ticker = new LedgerTicker(sim, 150, 4).start();
    await waitFor("passes while ledgers close", () => jsonLines(stdout).length >= 5, 60_000);
    ticker.stop();
    const last = sim.chain.latestLedger;
    await waitFor("the follower at the head", () => jsonLines(stdout).some((l) => (l.cursor.to ?? 0) >= last), 60_000);
    run.child.kill("SIGTERM");
    expect((await run.done).code).toBe(0);
    const stored = await tradeRows(db);
    expect(stored).toEqual(truthTrades(sim, from, last));
    expect(stored.filter((t) => Number(t["ledger"]) > from + 12_000 - 1).length).toBeGreaterThan(0);
    expect(await marketColumns(db)).toEqual(truthMarketColumns(sim, from));
  }, 240_000);
});

/** The stored cursor, or null before the first run has migrated the database or moved it. */
async function storedCursor(db: TestDatabase): Promise<number | null> {
  const [table] = await db.sql<{ t: string | null }>(`SELECT to_regclass('sync_state')::text AS t`);
  if (!table?.t) return null;
  const [row] = await db.sql<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state`);
  return row ? Number(row.last_ledger) : null;
}

describe.each(backends)("a run whose cursor stays, on %s", (backend) => {
  it("stores none of the window's trades (those inserted while it read roll back)", async () => {
    const { sim, db } = await setup(backend, 75);
    // A first run reads every creator's list; one that cannot be read keeps the cursor where it was.
    const creator = sim.chain.tokens[0]!.creator;
    sim.setFaults({ rate: 1, kinds: ["rpc32602"], entries: { creatorTokens: [creator] } });
    const run = await syncJson(sim, db);
    expect(run.code, run.stderr).toBe(2);
    expect(summary(run).warnings.some((w) => /the cursor stays/.test(w))).toBe(true);
    expect(await storedCursor(db)).toBeNull();
    expect(await tradeRows(db)).toEqual([]);
    sim.setFaults(undefined);
    await expectMarket(sim, db, sim.chain.oldestLedger, "the next run");
  }, 120_000);
});

describe("SIGKILL in the middle of runs, on PostgreSQL", () => {
  it("loses and doubles no trade: after every kill the trades are the truth up to the stored cursor", async () => {
    const { sim, db } = await setup("postgres", 74, { tokens: 300, creators: 50, tradesInWindow: 2_000 });
    // Until a run stores the cursor, every run starts at the window's oldest ledger, which moves as the chain does.
    let from = sim.chain.oldestLedger;
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      if ((await storedCursor(db)) === null) from = sim.chain.oldestLedger;
      const { child, done } = startCli(["--json"], { env: cliEnv(sim, db) });
      const kill = killAfter(child, /^events: \d+ factory events/m, 20 * round);
      const result = await done;
      if (kill.fired() && result.signal === "SIGKILL") killed++;
      else expect(result.code, result.stderr).toBe(0);
      const cursor = await storedCursor(db);
      // Written with the cursor, never before it: every trade up to the cursor, none past it.
      if (cursor !== null) expect(await tradeRows(db), `round ${round}`).toEqual(truthTrades(sim, from, cursor));
      tradeSome(sim, round + 1, 10);
    }
    expect(killed).toBeGreaterThan(0);
    await expectMarket(sim, db, from, "the run after the kills");
  }, 300_000);
});
