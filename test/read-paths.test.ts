// TokenInfo has two read paths: ledger entries (getLedgerEntries, the fast path) and get_token_info
// through simulateTransaction (the fallback for entries that are missing, archived or undecodable).
// Both must produce identical rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTokens } from "../src/index.ts";
import { startSimnet, type Simnet } from "./simnet/index.ts";
import { createTestDatabase, type TestDatabase } from "./support/databases.ts";
import { tokenRows } from "./support/expect-rows.ts";

describe("the ledger-entry and simulation read paths", () => {
  let sim: Simnet;
  const dbs: TestDatabase[] = [];

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 21, tokens: 120, creators: 25 } });
  });
  afterAll(async () => {
    await sim?.close();
    for (const db of dbs) await db.drop();
  });

  async function syncInto(): Promise<{ db: TestDatabase; requests: Record<string, number> }> {
    const db = await createTestDatabase("postgres");
    dbs.push(db);
    const report = await syncTokens({
      rpcUrl: sim.url,
      networkPassphrase: sim.networkPassphrase,
      contractId: sim.contractId,
      databaseUrl: db.databaseUrl,
      creators: sim.chain.dormantCreators(),
      env: {},
    });
    expect(report.failed).toEqual([]);
    expect(report.missingIds).toEqual([]);
    return { db, requests: report.rpcRequests };
  }

  it("store identical rows, hostile tokens included", async () => {
    const fast = await syncInto();
    // Every TokenInfo entry's TTL lapses: getLedgerEntries now serves them as archived, so each token
    // is read through simulation instead.
    for (const token of sim.chain.tokens) sim.chain.archive(token);
    const slow = await syncInto();

    expect(slow.requests.simulateTransaction ?? 0).toBeGreaterThan(sim.chain.tokens.length);
    expect(fast.requests.simulateTransaction ?? 0).toBeLessThan(10);
    const rows = await tokenRows(fast.db);
    expect(rows).toHaveLength(sim.chain.tokens.length);
    expect(await tokenRows(slow.db)).toEqual(rows);
  });
});
