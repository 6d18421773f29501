// Several `sync-tokens serve` processes (the real CLI) on one PostgreSQL: exactly one follows (the contract's
// lock), the others answer HTTP, including POST /api/sync-token; when the follower is SIGKILLed another takes
// over from the stored cursor and no ledger is missed. The embedded database admits one process only.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { cliEnv, startCli } from "../support/cli.ts";
import { createTestDatabase } from "../support/databases.ts";
import { chainFields, expectedApiRow, http, LedgerTicker, postJson } from "../support/live.ts";
import { expectExact, startServe } from "../support/serve-process.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const serve = (env: Record<string, string | undefined>) => startServe(env, cleanups);

describe("two serve processes on one PostgreSQL", () => {
  it("one follows, the other answers HTTP; after the follower is SIGKILLed the other takes over and no ledger is missed", async () => {
    const sim = await startSimnet({ scenario: { seed: 61, tokens: 30, creators: 6 } });
    const db = await createTestDatabase("postgres");
    cleanups.push(() => sim.close(), () => db.drop());
    const env = cliEnv(sim, db);

    const a = await serve(env);
    await waitFor("A to be ready", async () => (await http(`${a.url}/ready`)).status === 200, 60_000);
    const b = await serve(env);
    await waitFor("B to stand by", async () => (await b.role()) === "standby", 60_000);
    expect(await a.role()).toBe("leader");
    expect(b.lines()).toEqual([]);
    await waitFor("B to be ready", async () => (await http(`${b.url}/ready`)).status === 200, 30_000);

    // The standby writes single tokens too: they need no lock (only the cursor does).
    const t = sim.chain.launchToken({ name: "Via standby", symbol: "VSB" });
    const reply = await postJson(`${b.url}/api/sync-token`, { tokenAddress: t.tokenAddress });
    expect(reply.status, reply.text).toBe(200);
    expect(chainFields(reply.json)).toEqual(expectedApiRow(t, sim.contractId));

    const ticker = new LedgerTicker(sim, 200).start();
    await waitFor("A to follow a few ledgers", () => a.lines().length >= 3, 60_000);
    a.child.kill("SIGKILL");
    expect((await a.done).signal).toBe("SIGKILL");
    await waitFor("B to take over", async () => (await b.role()) === "leader", 60_000);
    await waitFor("B to follow a few ledgers", () => b.lines().length >= 3, 60_000);
    ticker.stop();
    // B resumed from A's stored cursor: judged from the database against the simulator, every token launched or
    // traded while A or B followed is stored as the chain has it, and the cursor reached the chain's head.
    expect(b.lines()[0]!.cursor.from).toBeLessThanOrEqual(a.lines().at(-1)!.cursor.to! + 1);
    await expectExact(db, sim);

    b.child.kill("SIGTERM");
    expect((await b.done).code).toBe(0);
  }, 300_000);
});

describe("serve on the embedded database", () => {
  it("admits one process: a second one exits 75 and says the database is in use", async () => {
    const sim = await startSimnet({ scenario: { seed: 62, tokens: 5, creators: 2 } });
    const db = await createTestDatabase("pglite");
    cleanups.push(() => sim.close(), () => db.drop());
    const env = cliEnv(sim, db);
    const first = await serve(env);
    const second = startCli(["serve", "--port", "0"], { env });
    const result = await second.done;
    expect(result.code, result.stderr).toBe(75);
    expect(result.stderr).toMatch(/the embedded database .* is in use by another process/);
    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(0);
  }, 120_000);
});
