// The leader `serve` process is SIGKILLed while webhook deliveries are pending (its attempts in flight, unanswered,
// and more queued), with a standby `serve` on the same PostgreSQL and endpoint: the standby takes over, follows the
// chain, and every event stored reaches the receiver exactly once (answered 2xx once per webhook-id), the events
// the dead leader had in flight too, under the same id. The receiver checks every signature with its own
// HMAC-SHA256 of `id.timestamp.body`. Judged from the database against the simulator: the rows are the chain's,
// and each launch is announced once.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { createTestDatabase } from "../support/databases.ts";
import { http, LedgerTicker } from "../support/live.ts";
import { expectExact, startServe } from "../support/serve-process.ts";
import { ownsSocket } from "../support/socket-owner.ts";
import { startReceiver, type Delivery } from "../support/webhook-receiver.ts";
import { testSecret } from "../support/webhook-truth.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("SIGKILL the leader while webhook deliveries are pending", () => {
  it("the standby takes over and every event is delivered exactly once, signed", async () => {
    const sim = await startSimnet({ scenario: { seed: 83, tokens: 20, creators: 4 } });
    const db = await createTestDatabase("postgres");
    const secret = testSecret();
    // Every answer waits until the leader is dead; the leader is killed from the handler of its first request,
    // before any answer, so that it dies with that attempt (and whatever else it claimed) in flight.
    let victimPid: number | undefined;
    const victimAttempts: Delivery[] = [];
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const receiver = await startReceiver(secret, async (d) => {
      if (victimPid !== undefined && ownsSocket(victimPid, d.remotePort)) {
        if (victimAttempts.length === 0) process.kill(victimPid, "SIGKILL");
        victimAttempts.push(d);
      }
      await gate;
      return { status: 204 };
    });
    cleanups.push(() => sim.close(), () => db.drop(), () => receiver.close(), async () => openGate());

    const env = cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret });
    const first = await runCli(["--json"], { env }); // the first sync: stores the cursor, announces nothing
    expect(first.code, first.stderr).toBe(0);
    const a = await startServe(env, cleanups);
    await waitFor("A to lead and be ready", async () => (await a.role()) === "leader" && (await http(`${a.url}/ready`)).status === 200, 60_000);
    const b = await startServe(env, cleanups);
    await waitFor("B to stand by", async () => (await b.role()) === "standby", 60_000);
    for (const s of [a, b]) expect(s.out.stderr).toMatch(/webhooks: delivering to 1 endpoint/);

    // Launches and trades: A stores them with their events, and the first delivery it sends gets it killed.
    victimPid = a.child.pid!;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => a.child.once("exit", (_code, signal) => resolve(signal)));
    const ticker = new LedgerTicker(sim, 500, 3).start();
    cleanups.push(async () => ticker.stop());
    expect(await exited).toBe("SIGKILL");
    expect(victimAttempts.length).toBeGreaterThan(0);
    const [pendingAtKill] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'`);
    expect(pendingAtKill!.n).toBeGreaterThanOrEqual(victimAttempts.length);
    openGate();

    await waitFor("B to take over", async () => (await b.role()) === "leader", 60_000, 100);
    const passes = b.lines().length;
    await waitFor("B to follow a few ledgers", () => b.lines().length >= passes + 3, 60_000);
    ticker.stop();
    await expectExact(db, sim);

    // Rows and their events commit together: once the rows are the chain's, every event is in the outbox.
    const events = await db.sql<{ id: string; type: string; token_address: string }>(`SELECT id::text, type, token_address FROM webhook_events ORDER BY seq`);
    // The dead leader's leases on its claims run out, then B delivers those too.
    await waitFor("every event delivered", () => receiver.delivered().length >= events.length, 120_000, 200);
    expect(receiver.rejected).toEqual([]);
    const accepted = receiver.acceptedPerId();
    expect([...accepted.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    expect([...accepted.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // What A had in flight arrives again under the same id, naming the same event.
    const delivered = new Map(receiver.delivered().map((d) => [d.id, d]));
    for (const v of victimAttempts) expect(delivered.get(v.id), `attempted by A: ${v.id}`).toMatchObject({ type: v.type, data: v.data });
    // Each launch since the first sync is announced once: judged against the simulator.
    const added = events.filter((e) => e.type === "token.added").map((e) => e.token_address);
    expect(added.sort()).toEqual(ticker.launched.map((t) => t.tokenAddress).sort());
    const [left] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'DELIVERED'`);
    expect(left!.n).toBe(0);
  }, 300_000);
});
