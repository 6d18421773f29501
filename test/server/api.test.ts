// The programmatic API: importing it runs nothing; each exported function does what it says, checked
// against the simulator's ground truth.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAllTokenAddressesFromEvents, processToken, syncTokens } from "../../src/index.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, tokenRows } from "../support/expect-rows.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("the programmatic API", () => {
  let sim: Simnet;
  let db: TestDatabase;
  const options = () => ({
    rpcUrl: sim.url,
    networkPassphrase: sim.networkPassphrase,
    contractId: sim.contractId,
    databaseUrl: db.databaseUrl,
    env: {},
  });

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 11, tokens: 40, creators: 10 } });
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it("has no side effects on import: no output, nothing kept open, the process ends by itself", () => {
    const script = `await import(${JSON.stringify(path.join(root, "src/index.ts"))});`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 20_000 });
    expect(r.signal).toBeNull(); // a timer, socket or database left open would keep it alive until killed
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
  });

  it("getAllTokenAddressesFromEvents returns every token the retained factory events name", async () => {
    const expected = new Set(
      sim.chain
        .retainedEvents({ factoryOnly: true })
        .filter((e) => e.ledger >= sim.chain.oldestLedger && e.token !== undefined)
        .map((e) => e.token!),
    );
    const found = await getAllTokenAddressesFromEvents(options());
    expect(new Set(found)).toEqual(expected);
    expect(found.length).toBeGreaterThan(0);
  });

  it("processToken stores one token exactly, then finds it unchanged", async () => {
    const token = sim.chain.tokens[5]!;
    expect(await processToken(token.tokenAddress, options())).toMatchObject({ address: token.tokenAddress, outcome: "new" });
    expect(await tokenRows(db)).toEqual([expectedRow(token, sim.contractId)]);
    expect(await processToken(token.tokenAddress, options())).toMatchObject({ outcome: "unchanged" });
  });

  it("syncTokens returns the report the CLI prints", async () => {
    const report = await syncTokens({ ...options(), creators: sim.chain.dormantCreators() });
    expect(report.missingIds).toEqual([]);
    expect(report.contractTokenCount).toBe(sim.chain.tokens.length);
    expect(report.synced + report.unchanged).toBe(sim.chain.tokens.length);
    expect(await tokenRows(db)).toEqual(sim.chain.tokens.map((t) => expectedRow(t, sim.contractId)));
  });
});
