// TokenInfo has two read paths: ledger entries (getLedgerEntries, the fast path, archived entries
// included) and get_token_info through simulateTransaction (the fallback for entries the RPC does not
// return). Each must store exactly the chain's values.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTokens } from "../../src/index.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { proxyTo, startLocalServer, type LocalServer } from "../support/local-http.ts";
import { truthRows } from "../support/resilience.ts";

describe("the ledger-entry and simulation read paths", () => {
  let sim: Simnet;
  /** The simulator behind an RPC that returns no ledger entry at all: every read falls back to simulation. */
  let noEntries: LocalServer;
  const dbs: TestDatabase[] = [];

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 21, tokens: 120, creators: 25 } });
    noEntries = await startLocalServer(
      proxyTo(sim.url, (method, req) => {
        if (method !== "getLedgerEntries") return "pass";
        const { id } = JSON.parse(req.body) as { id: unknown };
        const result = { entries: [], latestLedger: sim.chain.latestLedger };
        return { status: 200, contentType: "application/json", body: JSON.stringify({ jsonrpc: "2.0", id, result }) };
      }),
    );
  });
  afterAll(async () => {
    await noEntries?.close();
    await sim?.close();
    for (const db of dbs) await db.drop();
  });

  async function syncInto(rpcUrl: string): Promise<{ db: TestDatabase; requests: Record<string, number> }> {
    const db = await createTestDatabase("postgres");
    dbs.push(db);
    const report = await syncTokens({
      rpcUrl,
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

  it("each store the chain's exact values, hostile and archived tokens included", async () => {
    // Half the TokenInfo entries archived: their last values are exact, and the fast path uses them.
    sim.chain.tokens.forEach((t, i) => i % 2 === 0 && sim.chain.archive(t));
    const fast = await syncInto(sim.url);
    const slow = await syncInto(noEntries.url);

    expect(fast.requests.simulateTransaction ?? 0).toBeLessThan(10);
    expect(slow.requests.simulateTransaction ?? 0).toBeGreaterThan(sim.chain.tokens.length);
    expect(await tokenRows(fast.db)).toEqual(truthRows(sim));
    expect(await tokenRows(slow.db)).toEqual(truthRows(sim));
  });
});
