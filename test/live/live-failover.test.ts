// Leadership that survives a frozen leader (issue 19): two real `serve` processes on one PostgreSQL. The leader is
// frozen (SIGSTOP) or cut off from the RPC only (a proxy in front of the simulator for that process); the standby
// takes over within 15 s once the leader's lease lapses, ending the frozen holder's backends, and a launch made
// meanwhile is stored. The old leader, woken, writes nothing from its stale pass and steps down, saying so once.
// Cron runs honour the lease: exit 75 while a live leader holds it, and run when the leader froze. Fencing on its
// own: a leader whose lease epoch was taken over has each write refused inside its transaction.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { http, LedgerTicker } from "../support/live.ts";
import { expectExact, startServe, storedCursor, type ServeProcess } from "../support/serve-process.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const FAILOVER_LIMIT_MS = 15_000;

/** A leads (through a proxy the test controls when `proxied`), B stands by, and ledgers close every 0.5 s. */
async function pair(seed: number, proxied = false) {
  const sim = await startSimnet({ scenario: { seed, tokens: 20, creators: 4 } });
  const db = await createTestDatabase("postgres");
  cleanups.push(() => sim.close(), () => db.drop());
  const env = cliEnv(sim, db);
  const proxy = proxied ? await startTcpProxy(sim.url) : null;
  if (proxy) cleanups.push(() => proxy.close());
  const a = await startServe(proxy ? { ...env, RPC_URL: proxy.url } : env, cleanups);
  await waitFor("A to lead and be ready", async () => (await a.role()) === "leader" && (await http(`${a.url}/ready`)).status === 200, 60_000);
  const b = await startServe(env, cleanups);
  await waitFor("B to stand by", async () => (await b.role()) === "standby", 60_000);
  const ticker = new LedgerTicker(sim, 500, 4).start();
  cleanups.push(async () => ticker.stop());
  await waitFor("A to follow a few ledgers", () => a.lines().length >= 3, 60_000);
  return { sim, db, env, a, b, ticker, proxy };
}

/** Waits for B to lead; returns how long it took from `since`. */
async function takeover(b: ServeProcess, since: number): Promise<number> {
  await waitFor("B to take over", async () => (await b.role()) === "leader", 60_000, 100);
  return performance.now() - since;
}

/** A launch made while the leader cannot follow reaches the database through the new leader. */
async function expectStored(db: TestDatabase, sim: Simnet, address: string): Promise<void> {
  await waitFor(`token ${address} to be stored`, async () => (await db.sql(`SELECT 1 FROM tokens WHERE address = $1`, [address])).length === 1, 30_000, 200);
}

const stepDowns = (stderr: string) => stderr.split("\n").filter((l) => /stepping down for contract/.test(l));

describe("failover between two serve processes", () => {
  it("SIGSTOP the leader: the standby leads within 15 s and stores a launch made meanwhile; after SIGCONT the old leader steps down once and the database stays exact", async () => {
    const { sim, db, a, b, ticker } = await pair(71);
    const frozenAt = performance.now();
    a.child.kill("SIGSTOP");
    const launched = sim.chain.launchToken({ name: "During the freeze", symbol: "FRZ" });
    const took = await takeover(b, frozenAt);
    expect(took, `failover took ${Math.round(took)} ms`).toBeLessThan(FAILOVER_LIMIT_MS);
    expect(b.out.stderr).toMatch(/lease of \S+ on contract \S+ expired: ended its database sessions \(server processes \d+/);
    await expectStored(db, sim, launched.tokenAddress);
    const status = await b.status();
    expect(status.lease).toMatchObject({ live: true, mine: true });

    // The old leader wakes: its stale pass writes nothing, it steps down and says so once.
    const cursorBefore = await storedCursor(db, sim.contractId);
    a.child.kill("SIGCONT");
    await waitFor("A to step down", async () => (await a.role()) === "standby", 30_000, 100);
    await waitFor("B to move on", async () => ((await storedCursor(db, sim.contractId)) ?? 0) > cursorBefore!, 30_000, 200);
    expect(stepDowns(a.out.stderr)).toHaveLength(1);
    expect((await a.status()).lease).toMatchObject({ holder: status.lease.holder, mine: false });

    await new Promise((r) => setTimeout(r, 3000)); // further activity, with both awake
    ticker.stop();
    expect(await b.role()).toBe("leader");
    expect(await a.role()).toBe("standby");
    await expectExact(db, sim);
    expect(stepDowns(a.out.stderr)).toHaveLength(1);
  }, 300_000);

  it("cut the leader off from the RPC only: it lets its lease lapse, the standby takes over, and the old leader steps down", async () => {
    const { sim, db, a, b, ticker, proxy } = await pair(72, true);
    const cutAt = performance.now();
    proxy!.block();
    const launched = sim.chain.launchToken({ name: "During the cut", symbol: "CUT" });
    const took = await takeover(b, cutAt);
    expect(took, `failover took ${Math.round(took)} ms`).toBeLessThan(FAILOVER_LIMIT_MS);
    await expectStored(db, sim, launched.tokenAddress);
    // A, cut off, may be renewing its session (its /api/status answers 503 meanwhile): let it reach the RPC again.
    proxy!.unblock();
    await waitFor("A to stand by", async () => (await a.role()) === "standby", 60_000, 100);
    await new Promise((r) => setTimeout(r, 3000)); // further activity, with both reaching the RPC
    ticker.stop();
    expect(await b.role()).toBe("leader");
    expect(await a.role()).toBe("standby");
    await expectExact(db, sim);
  }, 300_000);

  it("fencing: a leader whose lease epoch was taken over writes no batch and moves no cursor, refused inside its transaction", async () => {
    const sim = await startSimnet({ scenario: { seed: 74, tokens: 12, creators: 3 } });
    const db = await createTestDatabase("postgres");
    cleanups.push(() => sim.close(), () => db.drop());
    // A lease this long is not renewed during the test, so the leader cannot learn of the takeover from a
    // renewal: only the epoch check inside each write's transaction stands between its pass and the database.
    const a = await startServe({ ...cliEnv(sim, db), SYNC_LEASE_MS: "600000" }, cleanups);
    await waitFor("A to lead and be ready", async () => (await a.role()) === "leader" && (await http(`${a.url}/ready`)).status === 200, 60_000);
    const cursor = await storedCursor(db, sim.contractId);
    expect(cursor).toBe(sim.chain.latestLedger);
    // Another holder claims the lease under a higher epoch (as a takeover does); A keeps its advisory lock.
    const [taken] = await db.sql<{ epoch: string }>(
      `UPDATE sync_leases SET holder = 'intruder/1/000000', epoch = epoch + 1, deadline = now() + interval '1 hour' WHERE contract_id = $1 RETURNING epoch::text`,
      [sim.contractId],
    );
    const launched = sim.chain.launchToken({ name: "After the takeover", symbol: "FNC" });
    const refusals = () => a.out.stderr.match(/another process took over the lease \(this run's epoch was \d+\)/g)?.length ?? 0;
    const stored = async () => (await db.sql(`SELECT 1 FROM tokens WHERE address = $1`, [launched.tokenAddress])).length > 0;
    await waitFor("A's write to be refused twice (or to get through)", async () => refusals() >= 2 || (await stored()), 60_000, 100);
    expect(await stored()).toBe(false);
    expect(refusals()).toBeGreaterThanOrEqual(2);
    expect(await storedCursor(db, sim.contractId)).toBe(cursor);
    const [lease] = await db.sql<{ holder: string; epoch: string }>(`SELECT holder, epoch::text FROM sync_leases WHERE contract_id = $1`, [sim.contractId]);
    expect(lease).toEqual({ holder: "intruder/1/000000", epoch: taken!.epoch });
  }, 300_000);

  it("a cron run exits 75 while a live leader holds the lease, and runs once the leader froze", async () => {
    const { sim, db, env, a, b, ticker } = await pair(73);
    b.child.kill("SIGKILL");
    const blocked = await runCli(["--json"], { env });
    expect(blocked.code, blocked.stderr).toBe(75);
    a.child.kill("SIGSTOP");
    ticker.stop();
    // Each cron run exits 75 while the frozen leader's lease is live, and the first one after it lapsed runs.
    const frozenAt = performance.now();
    const codes: (number | null)[] = [];
    let cron;
    do {
      cron = await runCli(["--json"], { env, timeoutMs: 120_000 });
      codes.push(cron.code);
    } while (cron.code === 75 && performance.now() - frozenAt < 60_000);
    expect(cron.code, cron.stderr).toBe(0);
    expect(new Set(codes.slice(0, -1))).not.toContain(0);
    expect(cron.stderr).toMatch(/lease of \S+ on contract \S+ expired/);
    await expectExact(db, sim, 5_000);
  }, 300_000);
});
