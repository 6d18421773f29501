// Discovery keeps the RPC busy (issue 14): creators' lists are read while the events are scanned, and each event
// range's tokens are read as soon as the range is done. What a token is recorded as found by must not depend on
// which answer came first; and a run's report holds no line per token past 50 unless asked.
import { describe, expect, it } from "vitest";
import type { Simnet } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { backends, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { syncJson, withSimnetAndDatabase } from "../support/fidelity.ts";
import { summary, truthRows } from "../support/resilience.ts";

/** Tokens the factory's events in from..to name. */
function namedByEvents(sim: Simnet, from: number, to: number): Set<string> {
  return new Set(
    sim.chain
      .retainedEvents({ factoryOnly: true })
      .filter((e) => e.ledger >= from && e.ledger <= to && e.token !== undefined)
      .map((e) => e.token!),
  );
}

const discoveredVia = (db: TestDatabase) => db.sql<{ address: string; via: string }>(`SELECT address, discovered_via::text AS via FROM tokens`);

describe.each(backends)("discovery in parallel, on %s", (backend) => {
  it("a token named by events is recorded as found by them even when its creator's list answered long before the events", async () => {
    // Every getEvents answer is held back 1.5 s: the creators' lists (every creator is configured) are in first.
    const faults = { rate: 1, kinds: ["slow" as const], methods: ["getEvents"], slowMs: 1500 };
    await withSimnetAndDatabase(backend, { scenario: { seed: 41, tokens: 40, creators: 10 }, faults }, async (sim, db) => {
      const r = await syncJson(sim, db, [], { CREATOR_ADDRESS: sim.chain.creators.join(",") });
      expect(r.code, r.stderr).toBe(0);
      const s = summary(r);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
      const named = namedByEvents(sim, s.cursor.from!, s.cursor.to!);
      expect(named.size).toBeGreaterThan(0);
      expect(named.size).toBeLessThan(sim.chain.tokens.length); // some tokens only the lists name
      const rows = await discoveredVia(db);
      expect(rows).toHaveLength(sim.chain.tokens.length);
      for (const row of rows) expect(row.via, row.address).toBe(named.has(row.address) ? "EVENTS" : "MANUAL");
      expect(s.discovered.events).toBe(named.size);
    });
  }, 120_000);

  it("past 50 tokens the text report counts the tokens read and lists only failures; --verbose lists every one", async () => {
    await withSimnetAndDatabase(backend, { scenario: { seed: 42, tokens: 70, creators: 12 } }, async (sim, db) => {
      const env = cliEnv(sim, db);
      const plain = await runCli([], { env });
      expect(plain.code, plain.stderr).toBe(0);
      const count = sim.chain.tokens.length;
      expect(count).toBeGreaterThan(50);
      expect(plain.stdout).toContain(`(${count} tokens read; pass --verbose to list every one)`);
      expect(plain.stdout).not.toMatch(/^ {2}✓ /m);

      const verbose = await runCli(["--full", "--verbose"], { env });
      expect(verbose.code, verbose.stderr).toBe(0);
      const listed = verbose.stdout.split("\n").filter((l) => l.startsWith("  ✓ "));
      expect(new Set(listed.map((l) => l.split(/\s+/)[3]))).toEqual(new Set(sim.chain.tokens.map((t) => t.tokenAddress)));
    });
  }, 120_000);
});
