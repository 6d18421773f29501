// Market data since launch (issue 22): the backfill records every trade, launch and graduation of the history it
// reads, from a data lake and through getLedgers, exactly as the simulator's truth has them, on PostgreSQL and PGlite;
// the candles rolled up as trades arrive out of order equal those aggregated from the trades afterwards.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeDatalake } from "../simnet/datalake.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { marketColumns, rolledAndRecomputedCandles, tradeRows, truthMarketColumns, truthTrades } from "../support/market-truth.ts";
import { cliEnv } from "../support/cli.ts";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

let sim: Simnet;
let lakeDir: string;

beforeAll(async () => {
  sim = await startSimnet({ scenario: { seed: 91, tokens: 30, creators: 8, historyLedgers: 10_000, retentionLedgers: 1_000 }, ledgersFromDatastore: true });
  const chain = sim.chain;
  chain.advance(chain.retentionLedgers); // every launch and trade is older than the event window
  const t = chain.tokens.find((x) => x.status === "Bonding")!;
  chain.buy(t, 2_000_000_000n); // and one in it
  chain.advance(5);
  lakeDir = await mkdtemp(path.join(os.tmpdir(), "lake-market-"));
  await writeDatalake(chain, lakeDir, { ledgersPerBatch: 64, batchesPerPartition: 16 });
});
afterAll(async () => {
  await sim?.close();
  if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
});

describe.each(backends)("backfilled trades on %s", (backend) => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.drop()));
  });

  for (const source of ["the data lake", "getLedgers"] as const) {
    it(`records every trade, launch and graduation since the first ledger, from ${source}`, async () => {
      const db = await createTestDatabase(backend);
      dbs.push(db);
      const env = cliEnv(sim, db);
      const normal = await runCli(["--json"], { env });
      expect([0, 2], normal.stderr).toContain(normal.code);
      const windowStart = sim.chain.oldestLedger;
      expect(await tradeRows(db)).toEqual(truthTrades(sim, windowStart));
      const first = String(sim.chain.firstLedger);
      const args = source === "the data lake" ? ["--datastore", lakeDir, "--from-ledger", first] : ["--ledgers-rpc", sim.url, "--from-ledger", first];
      const r = await runCli(["backfill", "--json", ...args], { env });
      expect(r.code, r.stderr).toBe(0);
      const trades = await tradeRows(db);
      expect(trades).toEqual(truthTrades(sim, sim.chain.firstLedger));
      expect(trades.length).toBeGreaterThan(30);
      expect(await marketColumns(db)).toEqual(truthMarketColumns(sim, sim.chain.firstLedger));
      expect((await marketColumns(db)).filter((c) => c["graduated_ledger"] !== null).length).toBeGreaterThan(0);
      // The older trades the backfill inserted into buckets the sync had already rolled up moved their opens.
      const [rolled, recomputed] = await rolledAndRecomputedCandles(db);
      expect(rolled.length).toBeGreaterThan(0);
      expect(rolled).toEqual(recomputed);
      // A second backfill doubles nothing, in the trades or their candles.
      const again = await runCli(["backfill", "--json", ...args], { env });
      expect(again.code, again.stderr).toBe(0);
      expect(await tradeRows(db)).toEqual(trades);
      expect(await rolledAndRecomputedCandles(db)).toEqual([rolled, recomputed]);
    });
  }
});
