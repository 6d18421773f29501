// Two `sync-tokens serve` processes (the real CLI) with the same webhook endpoint on one PostgreSQL: the leader
// follows and writes the outbox, both run a dispatcher, and no event is ever attempted by both at once; every event
// the follower stored arrives once, signed. PostgreSQL only: the embedded database admits one process.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "./simnet/index.ts";
import { runCli, startCli } from "./support/cli.ts";
import { createTestDatabase } from "./support/databases.ts";
import { http, waitFor } from "./support/live.ts";
import { tokenRows } from "./support/expect-rows.ts";
import { cliEnv, truthRows } from "./support/resilience.ts";
import { startReceiver } from "./support/webhook-receiver.ts";
import { testSecret } from "./support/webhook-truth.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("two serve processes delivering webhooks", () => {
  it("never attempt one event at once, and deliver every event the leader stored", async () => {
    const sim = await startSimnet({ scenario: { seed: 67, tokens: 30, creators: 6 } });
    const db = await createTestDatabase("postgres");
    const secret = testSecret();
    let n = 0;
    const receiver = await startReceiver(secret, async () => {
      await new Promise((r) => setTimeout(r, 5 + (n++ % 4) * 5));
      return { status: 204 };
    });
    cleanups.push(() => sim.close(), () => db.drop(), () => receiver.close());
    const env = cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret });
    const first = await runCli(["--json"], { env }); // the first sync: stores the cursor, announces nothing
    expect(first.code, first.stderr).toBe(0);

    const servers = [0, 1].map(() => {
      const run = startCli(["serve", "--port", "0"], { env, timeoutMs: 240_000 });
      let stderr = "";
      run.child.stderr!.on("data", (d) => (stderr += d));
      cleanups.push(async () => void run.child.kill("SIGKILL"));
      return { ...run, stderr: () => stderr };
    });
    for (const s of servers) {
      const url = await waitFor("a server to listen", () => /listening on (http:\/\/\S+)/.exec(s.stderr())?.[1], 90_000);
      await waitFor("it to be ready", async () => (await http(`${url}/ready`)).status === 200, 60_000);
      expect(s.stderr()).toMatch(/webhooks: delivering to 1 endpoint/);
    }

    // Trades and launches over a few ledgers: the leader stores them, with their events.
    const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding").slice(0, 12);
    for (let round = 0; round < 3; round++) {
      for (const t of bonding) sim.chain.buy(t, 20_000_000n);
      sim.chain.launchToken({ name: `Served ${round}` });
      sim.chain.advance(1);
      await new Promise((r) => setTimeout(r, 700));
    }
    const stored = async () => (await db.sql<{ id: string }>(`SELECT id::text FROM webhook_events`)).map((e) => e.id);
    // Rows and their events commit together: once the rows are the chain's, every event is in the outbox.
    const truth = JSON.stringify(truthRows(sim));
    await waitFor("the leader to store every change", async () => JSON.stringify(await tokenRows(db)) === truth, 90_000);
    expect((await stored()).length).toBeGreaterThanOrEqual(12 + 3);
    await waitFor("every event delivered", async () => receiver.delivered().length === (await stored()).length, 90_000);
    for (const s of servers) s.child.kill("SIGTERM");
    for (const s of servers) expect((await s.done).code).toBe(0);

    expect(receiver.rejected).toEqual([]);
    expect(receiver.maxConcurrentPerId()).toBe(1);
    expect(receiver.delivered().map((d) => d.id).sort()).toEqual((await stored()).sort());
    const attemptsPerId = new Map<string, number>();
    for (const a of receiver.attempts) attemptsPerId.set(a.id, (attemptsPerId.get(a.id) ?? 0) + 1);
    expect([...attemptsPerId.values()].every((k) => k === 1)).toBe(true);
    const [left] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'DELIVERED'`);
    expect(left!.n).toBe(0);
  }, 300_000);
});
