// A `serve` process replaces its session (the session keeper's renewal) when the old one can no longer be used:
// its PostgreSQL server restarted (the connections, the advisory lock's among them, are gone), or its RPC was down
// for longer than the client's retry budget (the client is then spent). Either way it keeps running, catches up
// once the outage ends, and the database is exact against the simulator, ledgers closing throughout.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { createTestDatabase } from "../support/databases.ts";
import { http, LedgerTicker } from "../support/live.ts";
import { startOwnPostgres } from "../support/own-postgres.ts";
import { expectExact, startServe, type ServeProcess } from "../support/serve-process.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";
import { waitFor } from "../support/wait.ts";
import { cliEnv } from "../support/cli.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const RENEWAL = /warning: replacing the session: /;

/** sync_tokens_session_renewals_total from the process's /metrics. */
async function renewals(s: ServeProcess): Promise<number> {
  const text = (await http(`${s.url}/metrics`)).text;
  return Number(/^sync_tokens_session_renewals_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/** Leads and has followed a few more passes than now. */
async function following(s: ServeProcess): Promise<void> {
  await waitFor("serve to lead", async () => (await s.role()) === "leader", 120_000, 200);
  const passes = s.lines().length;
  await waitFor("a few more passes", () => s.lines().length >= passes + 3, 60_000);
}

describe("serve renews its session after an outage", () => {
  it("through a PostgreSQL restart: it replaces its session, catches up, and the database is exact", async () => {
    const server = startOwnPostgres();
    cleanups.push(() => server.close());
    const sim = await startSimnet({ scenario: { seed: 91, tokens: 20, creators: 4 } });
    cleanups.push(() => sim.close());
    const s = await startServe(cliEnv(sim, server.db), cleanups);
    const ticker = new LedgerTicker(sim, 500, 3).start();
    cleanups.push(async () => ticker.stop());
    await following(s);
    expect(await renewals(s)).toBe(0);

    server.stop();
    await waitFor("the session to be replaced", () => RENEWAL.test(s.out.stderr), 60_000, 100);
    const launched = ticker.launched.length;
    await waitFor("launches while the server is down", () => ticker.launched.length > launched, 30_000);
    server.start();

    await following(s);
    ticker.stop();
    await expectExact(server.db, sim);
    expect(await renewals(s)).toBeGreaterThanOrEqual(1);
    expect(s.child.exitCode).toBeNull();
  }, 300_000);

  it("through an RPC outage longer than the retry budget: it replaces its spent session, catches up, and the database is exact", async () => {
    const sim = await startSimnet({ scenario: { seed: 92, tokens: 20, creators: 4 } });
    const db = await createTestDatabase("postgres");
    const proxy = await startTcpProxy(sim.url);
    cleanups.push(() => sim.close(), () => db.drop(), () => proxy.close());
    const s = await startServe({ ...cliEnv(sim, db), RPC_URL: proxy.url }, cleanups);
    const ticker = new LedgerTicker(sim, 500, 3).start();
    cleanups.push(async () => ticker.stop());
    await following(s);
    expect(await renewals(s)).toBe(0);

    proxy.block();
    // Reached only once a request has spent its whole retry budget with no answer from the RPC.
    await waitFor("the client to give the RPC up for dead", () => /gave up after \d+ attempts/.test(s.out.stderr), 180_000, 200);
    await waitFor("the session to be replaced", () => RENEWAL.test(s.out.stderr), 60_000, 100);
    proxy.unblock();

    await following(s);
    ticker.stop();
    await expectExact(db, sim);
    expect(await renewals(s)).toBeGreaterThanOrEqual(1);
    expect(s.child.exitCode).toBeNull();
  }, 300_000);
});
