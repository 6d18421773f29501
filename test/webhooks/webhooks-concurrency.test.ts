// Two dispatcher processes on one PostgreSQL database (what two `serve` instances run) never attempt one event at
// the same time, together deliver each event once, and keep each token's events in order, with a receiver that
// fails some attempts. The processes run the dispatcher alone (test/support/dispatcher-process.ts), with a retry
// schedule in milliseconds; test/webhooks/webhooks-serve.test.ts runs two real `serve` processes. PostgreSQL only: the
// embedded database belongs to one process. That both take part is made to happen, not hoped for: the first
// answers wait until more attempts are in flight than one process may have (its concurrency).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../src/store/migrate-database.ts";
import { syncTokens } from "../../src/api.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { startReceiver, type Receiver } from "../support/webhook-receiver.ts";
import { testSecret } from "../support/webhook-truth.ts";
import { waitFor } from "../support/wait.ts";

const child = path.resolve(import.meta.dirname, "../support/dispatcher-process.ts");
/** Deliveries each dispatcher process has in flight at most (dispatcher-process.ts). */
const DISPATCHER_CONCURRENCY = 8;

describe("two dispatcher processes on one PostgreSQL database", () => {
  let sim: Simnet;
  let db: TestDatabase;
  let receiver: Receiver;
  const secret = testSecret();
  const answered = new Map<string, number>(); // 2xx answers per webhook-id
  // Held until both processes have attempts in flight: more than one process's concurrency at once.
  let held = 0;
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let gateOpen = false;
  let procs: ChildProcess[] = [];

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 31, tokens: 120, creators: 20 } });
    db = await createTestDatabase("postgres");
    // Slow enough that both processes have work in flight at once; one attempt in five fails and is retried.
    let n = 0;
    receiver = await startReceiver(secret, async (d) => {
      if (!gateOpen) {
        if (++held > DISPATCHER_CONCURRENCY) {
          gateOpen = true;
          openGate();
        }
        await gate;
        answered.set(d.id, (answered.get(d.id) ?? 0) + 1);
        return { status: 200 };
      }
      await new Promise((r) => setTimeout(r, 2 + (n++ % 7) * 3));
      if (n % 5 === 0) return { status: 500 };
      answered.set(d.id, (answered.get(d.id) ?? 0) + 1);
      return { status: 200 };
    });
  });
  afterAll(async () => {
    openGate();
    for (const p of procs) p.kill("SIGKILL");
    await receiver?.close();
    await sim?.close();
    await db?.drop();
  });

  it("never deliver one event twice at once, deliver every event once, in order per token", async () => {
    const options = {
      rpcUrl: sim.url,
      networkPassphrase: sim.networkPassphrase,
      contractId: sim.contractId,
      databaseUrl: db.databaseUrl,
      creators: sim.chain.dormantCreators(),
      webhook: { urls: [receiver.url], secret, timeout: 0, notifyInitial: true },
    };
    // Both processes are up and polling before anything is queued (on the migrated schema).
    await migrateDatabase({ databaseUrl: db.databaseUrl!, env: {} });
    const env = { ...process.env, DATABASE_URL: db.databaseUrl, WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret, DISPATCHER_CONCURRENCY: String(DISPATCHER_CONCURRENCY) };
    procs = [0, 1].map(() => spawn(process.execPath, ["--import", "tsx", child], { env, stdio: ["ignore", "pipe", "inherit"] }));
    const outputs = procs.map(collect);
    await waitFor("both dispatcher processes to start", () => procs.every((p) => ready.has(p)), 120_000, 20);

    await syncTokens(options); // token.added for each token, queued, none sent
    const busy = sim.chain.tokens.filter((t) => t.status === "Bonding").slice(0, 10);
    for (let round = 0; round < 3; round++) {
      for (const t of busy) sim.chain.buy(t, 50_000_000n);
      await syncTokens(options); // three token.updated for each of ten tokens, in three batches
    }
    const events = await db.sql<{ id: string; token_address: string }>(`SELECT id::text, token_address FROM webhook_events ORDER BY seq`);
    expect(events.length).toBe(sim.chain.tokens.length + 30);

    try {
      await waitFor("every event delivered", () => answered.size === events.length, 90_000, 20);
    } finally {
      for (const p of procs) p.kill("SIGTERM");
    }
    const counts = (await Promise.all(outputs)).map((o) => JSON.parse(o.trim().split("\n").pop()!) as { delivered: number });

    expect(receiver.rejected).toEqual([]);
    expect(receiver.maxConcurrentPerId()).toBe(1);
    expect([...answered.values()].every((n) => n === 1)).toBe(true);
    expect(counts[0]!.delivered + counts[1]!.delivered).toBe(events.length);
    expect(gateOpen).toBe(true);
    expect(counts.every((c) => c.delivered > 0)).toBe(true); // both took part
    // Per token, the order of delivery is the order of the outbox.
    const order = new Map(events.map((e, i) => [e.id, i]));
    const byToken = new Map<string, number[]>();
    for (const d of receiver.delivered()) byToken.set(d.data.address, [...(byToken.get(d.data.address) ?? []), order.get(d.id)!]);
    for (const [token, seqs] of byToken) expect(seqs, token).toEqual([...seqs].sort((a, b) => a - b));
    const [pending] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'DELIVERED'`);
    expect(pending!.n).toBe(0);
  }, 180_000);
});

/** Processes that printed "ready". */
const ready = new Set<ChildProcess>();

function collect(p: ChildProcess): Promise<string> {
  let out = "";
  p.stdout!.on("data", (d) => {
    out += d;
    if (/^ready$/m.test(out)) ready.add(p);
  });
  return new Promise((resolve) => p.on("close", () => resolve(out)));
}
