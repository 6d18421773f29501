// The outbox survives SIGKILL: a run killed while it delivers (its events committed with the token rows,
// deliveries in flight to a receiver that has not answered) loses nothing. The next run waits out the dead
// run's leases and delivers every event, those attempted before with the same webhook-id.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTokens } from "../../src/api.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { startReceiver, type Receiver } from "../support/webhook-receiver.ts";
import { expectedEvents, snapshot, syncOptions, testSecret } from "../support/webhook-truth.ts";

describe.each(backends)("SIGKILL between the write and the delivery, on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let receiver: Receiver;
  const secret = testSecret();
  let release: () => void = () => {};
  const answered = new Promise<void>((resolve) => (release = resolve));
  let hang = true;
  // The run to kill when its first delivery arrives. The kill is sent from the request handler, before any
  // answer: a poll could lose the race with the run cutting the unanswered attempt (after 10 s) and exiting.
  let victim: ChildProcess | undefined;
  let killSent = false;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 29, tokens: 20, creators: 5 } });
    db = await createTestDatabase(backend);
    await syncTokens(syncOptions(sim, db));
    // Until released, the receiver takes requests and never answers them.
    receiver = await startReceiver(secret, async () => {
      if (victim) killSent = victim.kill("SIGKILL");
      victim = undefined;
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

  it("after a restart every event arrives, with the same id where it was attempted before", async () => {
    const env = cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret });
    const before = snapshot(sim);
    const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding");
    for (const t of bonding.slice(0, 4)) sim.chain.buy(t, 300_000_000n);
    sim.chain.launchToken({ name: "After the kill" });
    const expected = expectedEvents(before, snapshot(sim));

    // Killed as soon as the first delivery reaches the receiver: the events are committed, none is answered.
    const { child, done } = startCli(["--json", "--webhook-timeout", "30s"], { env });
    victim = child;
    const killed = await done;
    expect(killSent, `no delivery arrived before the run ended: ${killed.stderr}`).toBe(true);
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const attempts = [...receiver.attempts];
    expect(attempts.length).toBeGreaterThan(0);
    const stored = await db.sql<{ id: string; type: string; token_address: string; status: string }>(
      `SELECT e.id::text, e.type, e.token_address, d.status::text FROM webhook_events e JOIN webhook_deliveries d ON d.event_seq = e.seq ORDER BY e.seq`,
    );
    expect(stored.map((e) => [e.type, e.token_address]).sort()).toEqual(expected.map((e) => [e.type, e.address]).sort());
    expect(stored.every((e) => e.status === "PENDING")).toBe(true);

    hang = false;
    const restarted = await runCli(["--json", "--webhook-timeout", "30s"], { env });
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(JSON.parse(restarted.stdout).webhooks).toMatchObject({ delivered: stored.length, pending: 0, failed: 0 });
    expect(receiver.rejected).toEqual([]);
    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.id).sort()).toEqual(stored.map((e) => e.id).sort());
    expect(delivered.map((d) => [d.type, d.data.address]).sort()).toEqual(expected.map((e) => [e.type, e.address]).sort());
    // Each event attempted before the kill arrives again under its id, and that id still names the same event.
    for (const a of attempts) expect(delivered.find((d) => d.id === a.id), `attempted ${a.id}`).toMatchObject({ type: a.type, data: a.data });
  }, 180_000);
});
