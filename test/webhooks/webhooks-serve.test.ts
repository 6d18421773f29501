// Two `sync-tokens serve` processes (the real CLI) with the same webhook endpoint on one PostgreSQL: the leader
// follows and writes the outbox, both run a dispatcher, and no event is ever attempted by both at once; every event
// the follower stored arrives once, signed. PostgreSQL only: the embedded database admits one process.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { createTestDatabase } from "../support/databases.ts";
import { http } from "../support/live.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { truthRows } from "../support/resilience.ts";
import { startReceiver } from "../support/webhook-receiver.ts";
import { testSecret } from "../support/webhook-truth.ts";
import { startServe } from "../support/serve-process.ts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { waitFor } from "../support/wait.ts";

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

  it("/metrics shows the backlog and the failed attempts while the endpoint fails, then the deliveries", async () => {
    const sim = await startSimnet({ scenario: { seed: 68, tokens: 10, creators: 3 } });
    const db = await createTestDatabase("postgres");
    const secret = testSecret();
    let status = 500;
    const receiver = await startReceiver(secret, () => ({ status }));
    cleanups.push(() => sim.close(), () => db.drop(), () => receiver.close());
    const env = cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret });
    expect((await runCli(["--json"], { env })).code).toBe(0);
    const serve = await startServe(env, cleanups);
    const scrape = async () => {
      const families = new Map(parsePrometheusTextFormat((await http(`${serve.url}/metrics`)).text).map((f) => [f.name, f]));
      const value = (name: string, labels: Record<string, string> = {}) =>
        Number(families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);
      return {
        pending: value("sync_tokens_webhook_pending_deliveries"),
        delivered: value("sync_tokens_webhook_deliveries_total", { outcome: "delivered" }),
        retried: value("sync_tokens_webhook_deliveries_total", { outcome: "retried" }),
      };
    };
    await waitFor("it to be ready", async () => (await http(`${serve.url}/ready`)).status === 200, 60_000);
    expect(await scrape()).toEqual({ pending: 0, delivered: 0, retried: 0 });

    sim.chain.launchToken({ name: "Backlogged" });
    sim.chain.advance(1);
    const events = async () => (await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events`))[0]!.n;
    await waitFor("the launch's event in the outbox", async () => (await events()) > 0, 60_000);
    const failing = await waitFor("a failed attempt", async () => ((await scrape()).retried > 0 ? scrape() : false), 30_000);
    expect(failing.pending).toBe(await events());
    expect(failing.delivered).toBe(0);

    status = 204; // the endpoint recovers: the retry (5 s later) delivers
    const done = await waitFor("the backlog to drain", async () => ((await scrape()).pending === 0 ? scrape() : false), 60_000);
    expect(done.delivered).toBe(await events());
    serve.child.kill("SIGTERM");
    expect((await serve.done).code).toBe(0);
  }, 180_000);
});
