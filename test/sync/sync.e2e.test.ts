// The product end to end: the real CLI against the simulator, into PostgreSQL and PGlite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, tokenRows } from "../support/expect-rows.ts";
import type { JsonSummary } from "../../src/sync/report.ts";

type Summary = JsonSummary;

describe.each(backends)("sync-tokens on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 7, tokens: 80, creators: 20 } });
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  const sync = (args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
    runCli(["--json", ...args], {
      env: cliEnv(sim, db, { CREATOR_ADDRESS: undefined, ...env }),
    });
  const summary = (r: CliResult): Summary => JSON.parse(r.stdout) as Summary;
  const expectedRows = () =>
    [...sim.chain.tokens].sort((a, b) => a.id - b.id).map((t) => expectedRow(t, sim.contractId));
  const dormantTokenIds = () => {
    const dormant = new Set(sim.chain.dormantCreators());
    return sim.chain.tokens.filter((t) => dormant.has(t.creator)).map((t) => t.id).sort((a, b) => a - b);
  };

  it("without the dormant creators, stores what events and storage find and lists exactly the missing ids (exit 2)", async () => {
    expect(sim.chain.dormantCreators().length).toBeGreaterThan(0);
    const r = await sync();
    expect(r.code, r.stderr).toBe(2);
    const s = summary(r);
    expect(s.contractTokenCount).toBe(sim.chain.tokens.length);
    expect(s.missingIds).toEqual(dormantTokenIds());
    expect(s.failed).toEqual([]);
    expect(s.discovered.events).toBeGreaterThan(0);
    expect(s.discovered.storage).toBeGreaterThan(0);
    const missing = new Set(dormantTokenIds());
    expect(await tokenRows(db)).toEqual(expectedRows().filter((row) => !missing.has(Number(row.onchain_id))));
    expect(r.stderr).toMatch(/CREATOR_ADDRESS/);
  });

  it("a trade on a dormant creator's token reveals the creator, whose older tokens are then found", async () => {
    const dormant = sim.chain.dormantCreators();
    const creator = dormant.find((c) => sim.chain.creatorTokens(c).length > 1) ?? dormant[0]!;
    const theirs = sim.chain.creatorTokens(creator);
    sim.chain.advance(3);
    sim.chain.buy(theirs[0]!, 1_000_000_000n);
    sim.chain.advance(3);
    const r = await sync();
    const s = summary(r);
    const stillDormant = new Set(sim.chain.dormantCreators());
    const expectedMissing = sim.chain.tokens.filter((t) => stillDormant.has(t.creator)).map((t) => t.id).sort((a, b) => a - b);
    expect(stillDormant.has(creator)).toBe(false);
    expect(s.missingIds).toEqual(expectedMissing);
    const stored = new Set((await tokenRows(db)).map((row) => row.address));
    for (const t of theirs) expect(stored.has(t.tokenAddress)).toBe(true);
  });

  it("with CREATOR_ADDRESS, finds every token and stores every field exactly (exit 0)", async () => {
    const r = await sync([], { CREATOR_ADDRESS: sim.chain.dormantCreators().join(", ") });
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s.missingIds).toEqual([]);
    expect(s.discovered.manual).toBe(dormantTokenIds().length);
    expect(s.synced).toBe(dormantTokenIds().length);
    expect(await tokenRows(db)).toEqual(expectedRows());
    const creators = await db.sql<{ address: string; source: string; token_count: number }>(
      `SELECT address, source::text, token_count FROM creators`,
    );
    for (const creator of sim.chain.dormantCreators()) {
      const row = creators.find((c) => c.address === creator);
      expect(row?.source).toBe("ENV");
      expect(row?.token_count).toBe(sim.chain.creatorTokens(creator).length);
    }
    const runs = await db.sql<{ outcome: string }>(`SELECT outcome::text FROM sync_runs ORDER BY id`);
    expect(runs.map((x) => x.outcome)).toEqual(["PARTIAL", "PARTIAL", "SUCCEEDED"]);
  });

  it("a second run with nothing new writes no token and costs a handful of requests", async () => {
    const before = await db.sql<{ address: string; last_synced_at: Date }>(`SELECT address, last_synced_at FROM tokens ORDER BY address`);
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s.synced).toBe(0);
    expect(Object.values(s.rpcRequests).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
    expect(await db.sql(`SELECT address, last_synced_at FROM tokens ORDER BY address`)).toEqual(before);
  });

  it("an incremental run reads only what changed: a launch by a new creator, a buy, a sell", async () => {
    const [old, other] = sim.chain.tokens.filter((t) => t.status === "Bonding");
    sim.chain.advance(50);
    const launched = sim.chain.launchToken({ name: "Fresh 🌱", symbol: "FRSH" });
    sim.chain.buy(old!, 2_000_000_000n);
    sim.chain.buy(other!, 3_000_000_000n);
    sim.chain.sell(other!, 1_000_000n);
    sim.chain.advance(5);
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s.synced).toBe(3);
    expect(s.rpcRequests.getLedgerEntries ?? 0).toBeLessThanOrEqual(3);
    expect(await tokenRows(db)).toEqual(expectedRows());
    const [creator] = await db.sql<{ source: string }>(`SELECT source::text FROM creators WHERE address = $1`, [launched.creator]);
    expect(creator?.source).toBe("EVENT");
  });

  it("a cursor that fell out of retention warns about the gap and still converges", async () => {
    const token = sim.chain.tokens.find((t) => t.status === "Bonding")!;
    sim.chain.buy(token, 1_500_000_000n);
    sim.chain.advance(sim.chain.latestLedger - sim.chain.oldestLedger + 10);
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/events from ledger \d+ to \d+ were missed/);
    expect(await tokenRows(db)).toEqual(expectedRows());
  });

  it("--dry-run reads but writes nothing", async () => {
    sim.chain.launchToken({ name: "Dry" });
    const before = await db.sql(`SELECT count(*)::int AS n FROM tokens`);
    const runsBefore = await db.sql(`SELECT count(*)::int AS n FROM sync_runs`);
    const r = await sync(["--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r).synced).toBe(1);
    expect(await db.sql(`SELECT count(*)::int AS n FROM tokens`)).toEqual(before);
    expect(await db.sql(`SELECT count(*)::int AS n FROM sync_runs`)).toEqual(runsBefore);
  });

  it("--token syncs just that token", async () => {
    const fresh = sim.chain.tokens.at(-1)!;
    const r = await sync(["--token", fresh.tokenAddress]);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r).synced).toBe(1);
    expect(await tokenRows(db)).toEqual(expectedRows());
  });
  it("a network reset (ledgers restart, the factory redeployed at the same id) is reported and the contract starts afresh", async () => {
    const oldAddresses = sim.chain.tokens.map((t) => t.tokenAddress);
    sim.chain.reset({ redeploy: true, sameContractId: true });
    sim.chain.advance(20);
    sim.chain.launchToken({ name: "After the reset" });
    sim.chain.launchToken({ name: "Second after" });
    sim.chain.advance(5);
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/network reset: the stored cursor \(ledger \d+\) is ahead of the chain/);
    expect(oldAddresses.length).toBeGreaterThan(2);
    expect(await tokenRows(db)).toEqual(expectedRows());
    const [state] = await db.sql<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state`);
    expect(state?.last_ledger).toBe(String(sim.chain.latestLedger));
  });
});
