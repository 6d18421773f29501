// Contract state on a real network's terms (issue 9): entries archived by age (evicted and expired),
// a network reset that keeps passphrase and contract id, and a creator scan that fails during a gap
// run. End to end through the CLI; every stored field is compared with the simulator's ground truth.
import { describe, expect, it } from "vitest";
import { backends, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { syncJson, withSimnetAndDatabase } from "../support/fidelity.ts";
import { summary, truthRows } from "../support/resilience.ts";

const lastLedger = async (db: TestDatabase): Promise<string | undefined> =>
  (await db.sql<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state`))[0]?.last_ledger;

describe.each(backends)("contract state on a real network's terms, on %s", (backend) => {
  it("entries archived by age (evicted and expired) are read from getLedgerEntries: exact rows, a handful of simulations", async () => {
    await withSimnetAndDatabase(backend, { scenario: { seed: 41, tokens: 60, creators: 15, archiveAfterLedgers: 40_000, evictAfterLedgers: 30_000 } }, async (sim, db) => {
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
        const r = await syncJson(sim, db, args);
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

  it.each([
    { where: "starts above the cursor (the old window is gone)", startOffset: 100, advance: 5 },
    { where: "has passed the cursor inside its window (the cursor ledger's hash differs)", startOffset: -50, advance: 100 },
  ])("a reset (same passphrase and contract id) whose new chain $where: old rows go, new truth stored", async ({ startOffset, advance }) => {
    await withSimnetAndDatabase(backend, { scenario: { seed: 42, tokens: 8, creators: 3 } }, async (sim, db) => {
      const { chain } = sim;
      const first = await syncJson(sim, db);
      expect(first.code, first.stderr).toBe(0);
      const old = { cursor: chain.latestLedger, contractId: chain.contractId, passphrase: chain.networkPassphrase, tokens: chain.tokens.length };

      chain.reset({ redeploy: true, sameContractId: true, startLedger: old.cursor + startOffset });
      expect([chain.contractId, chain.networkPassphrase]).toEqual([old.contractId, old.passphrase]);
      // More tokens than before, so the contract's count alone cannot tell the chains apart.
      for (let i = 0; i < old.tokens + 2; i++) chain.launchToken({ creator: i % 2 === 0 ? chain.randomAccount() : chain.creators[0] });
      chain.advance(advance);
      expect(chain.latestLedger).toBeGreaterThan(old.cursor);
      if (startOffset > 0) expect(chain.oldestLedger).toBeGreaterThan(old.cursor);
      else expect(chain.oldestLedger).toBeLessThanOrEqual(old.cursor);

      const r = await syncJson(sim, db);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/network reset/);
      const s = summary(r);
      expect(s.warnings.some((w) => /network reset/.test(w))).toBe(true);
      expect(s.missingIds).toEqual([]);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
      expect(await lastLedger(db)).toBe(String(chain.latestLedger));
    });
  }, 120_000);

  it("a creator scan that fails during a gap run holds the cursor; the next run converges", async () => {
    await withSimnetAndDatabase(backend, { scenario: { seed: 44, tokens: 24, creators: 6 } }, async (sim, db) => {
      const { chain } = sim;
      const first = await syncJson(sim, db);
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

      const failed = await syncJson(sim, db);
      // The branch taken: the run finishes, the new token is listed missing (exit 2), the cursor stays.
      expect(failed.code, failed.stderr).toBe(2);
      expect(failed.stderr).toMatch(/events from ledger \d+ to \d+ were missed/);
      expect(failed.stderr).toMatch(/token lists? could not be read/);
      const s = summary(failed);
      expect(s.missingIds).toEqual([launched.id]);
      expect(s.failed).toEqual([]);
      // The fault fails the whole getLedgerEntries request, so creators read with it are listed too.
      expect(s.unscannedCreators).toContain(token.creator);
      expect(s.partial).toBe(true);
      expect(s.warnings.some((w) => /the cursor stays/.test(w))).toBe(true);
      expect(await lastLedger(db)).toBe(cursor);
      expect(await tokenRows(db)).toEqual(truthRows(sim).filter((row) => row.address !== launched.tokenAddress));

      sim.setFaults(undefined);
      const next = await syncJson(sim, db);
      expect(next.code, next.stderr).toBe(0);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
      expect(await lastLedger(db)).toBe(String(chain.latestLedger));
    });
  }, 120_000);
});
