// Contract state on a real network's terms (issue 9): entries archived by age (evicted and expired),
// a network reset that keeps passphrase and contract id, and a creator scan that fails during a gap
// run. End to end through the CLI; every stored field is compared with the simulator's ground truth.
import { describe, expect, it } from "vitest";
import { startSimnet, type Simnet, type SimnetOptions } from "./simnet/index.ts";
import { runCli, type CliResult } from "./support/cli.ts";
import { backends, createTestDatabase, type Backend, type TestDatabase } from "./support/databases.ts";
import { tokenRows } from "./support/expect-rows.ts";
import { cliEnv, summary, truthRows } from "./support/resilience.ts";

async function withSetup(backend: Backend, options: SimnetOptions, body: (sim: Simnet, db: TestDatabase) => Promise<void>): Promise<void> {
  const sim = await startSimnet(options);
  const db = await createTestDatabase(backend);
  try {
    await body(sim, db);
  } finally {
    await sim.close();
    await db.drop();
  }
}

const sync = (sim: Simnet, db: TestDatabase, args: string[] = []): Promise<CliResult> => runCli(["--json", ...args], { env: cliEnv(sim, db) });

const lastLedger = async (db: TestDatabase): Promise<string | undefined> =>
  (await db.sql<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state`))[0]?.last_ledger;

describe.each(backends)("contract state on a real network's terms, on %s", (backend) => {
  it("entries archived by age (evicted and expired) are read from getLedgerEntries: exact rows, a handful of simulations", async () => {
    await withSetup(backend, { scenario: { seed: 41, tokens: 60, creators: 15, archiveAfterLedgers: 40_000, evictAfterLedgers: 30_000 } }, async (sim, db) => {
      const { chain } = sim;
      const tokenStates = chain.tokens.map((t) => chain.tokenEntryState(t));
      const creatorStates = chain.creators.map((c) => chain.creatorEntryState(c));
      const count = (states: unknown[], s: string) => states.filter((x) => x === s).length;
      // Most entries archived, both ways, for tokens and for creators' lists.
      expect(count(tokenStates, "live")).toBeLessThan(chain.tokens.length / 2);
      expect(count(tokenStates, "evicted")).toBeGreaterThan(0);
      expect(count(tokenStates, "expired")).toBeGreaterThan(0);
      expect(count(creatorStates, "live")).toBeLessThan(chain.creators.length / 2);
      expect(count(creatorStates, "evicted") + count(creatorStates, "expired")).toBeGreaterThan(0);

      for (const args of [[], ["--full"]]) {
        const r = await sync(sim, db, args);
        expect(r.code, r.stderr).toBe(0);
        const s = summary(r);
        expect(s.failed).toEqual([]);
        expect(s.missingIds).toEqual([]);
        // get_token_count, and nothing for the archived entries.
        expect(s.rpcRequests.simulateTransaction ?? 0, JSON.stringify(s.rpcRequests)).toBeLessThanOrEqual(5);
        expect(await tokenRows(db)).toEqual(truthRows(sim));
      }
    });
  }, 120_000);

  it("a reset whose new chain starts above the cursor (same passphrase, same contract id): old rows go, new truth stored", async () => {
    await withSetup(backend, { scenario: { seed: 42, tokens: 8, creators: 3 } }, async (sim, db) => {
      const { chain } = sim;
      const first = await sync(sim, db);
      expect(first.code, first.stderr).toBe(0);
      const old = { latest: chain.latestLedger, contractId: chain.contractId, passphrase: chain.networkPassphrase, tokens: chain.tokens.length };

      chain.reset({ redeploy: true, sameContractId: true, startLedger: old.latest + 100 });
      expect([chain.contractId, chain.networkPassphrase]).toEqual([old.contractId, old.passphrase]);
      // More tokens than before, so the contract's count alone cannot tell the chains apart.
      for (let i = 0; i < old.tokens + 2; i++) chain.launchToken({ creator: i % 2 === 0 ? chain.randomAccount() : chain.creators[0] });
      chain.advance(5);
      expect(chain.oldestLedger).toBeGreaterThan(old.latest);

      const r = await sync(sim, db);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/network reset/);
      const s = summary(r);
      expect(s.warnings.some((w) => /network reset/.test(w))).toBe(true);
      expect(s.missingIds).toEqual([]);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
      expect(await lastLedger(db)).toBe(String(chain.latestLedger));
    });
  }, 120_000);

  it("a reset whose new chain has passed the cursor inside its window: the cursor ledger's hash tells the chains apart", async () => {
    await withSetup(backend, { scenario: { seed: 43, tokens: 8, creators: 3 } }, async (sim, db) => {
      const { chain } = sim;
      const first = await sync(sim, db);
      expect(first.code, first.stderr).toBe(0);
      const cursor = chain.latestLedger;
      const oldTokens = chain.tokens.length;

      chain.reset({ redeploy: true, sameContractId: true, startLedger: cursor - 50 });
      for (let i = 0; i < oldTokens + 2; i++) chain.launchToken();
      chain.advance(100);
      expect(chain.oldestLedger).toBeLessThanOrEqual(cursor);
      expect(chain.latestLedger).toBeGreaterThan(cursor);

      const r = await sync(sim, db);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/network reset/);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
    });
  }, 120_000);

  it("a creator scan that fails during a gap run holds the cursor; the next run converges", async () => {
    await withSetup(backend, { scenario: { seed: 44, tokens: 24, creators: 6 } }, async (sim, db) => {
      const { chain } = sim;
      const first = await sync(sim, db);
      expect(first.code, first.stderr).toBe(0);
      const cursor = await lastLedger(db);
      expect(cursor).toBe(String(chain.latestLedger));

      // A trade and a launch whose events fall out of the window before the next run: the gap run
      // rereads the stored token, but only the creator's list can reveal the new one.
      const token = chain.tokens.find((t) => t.status === "Bonding")!;
      chain.buy(token, 3_000_000_000n);
      const launched = chain.launchToken({ creator: token.creator });
      chain.advance(chain.retentionLedgers + 10);
      sim.setFaults({ rate: 1, kinds: ["rpc32602"], entries: { creatorTokens: [token.creator] } });

      const failed = await sync(sim, db);
      // The branch taken: the run finishes, the new token is listed missing (exit 2), the cursor stays.
      expect(failed.code, failed.stderr).toBe(2);
      expect(failed.stderr).toMatch(/events from ledger \d+ to \d+ were missed/);
      expect(failed.stderr).toMatch(/token lists? could not be read/);
      const s = summary(failed);
      expect(s.missingIds).toEqual([launched.id]);
      expect(s.failed).toEqual([]);
      expect(s.warnings.some((w) => /the cursor stays/.test(w))).toBe(true);
      expect(await lastLedger(db)).toBe(cursor);
      expect(await tokenRows(db)).toEqual(truthRows(sim).filter((row) => row.address !== launched.tokenAddress));

      sim.setFaults(undefined);
      const next = await sync(sim, db);
      expect(next.code, next.stderr).toBe(0);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
      expect(await lastLedger(db)).toBe(String(chain.latestLedger));
    });
  }, 120_000);
});
