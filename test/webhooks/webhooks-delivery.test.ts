// How the dispatcher delivers, against a real receiver on 127.0.0.1 that verifies every signature: retries with the
// same webhook-id on 500 and on a receiver too slow to answer, Retry-After on 429 and 503, 410 disabling the
// endpoint, a retry budget that ends in `failed`, one token's events in order, redirects not followed, and the
// operator's retry and replay commands. The outbox is filled by real syncs of the simulator's changes; the
// dispatcher runs with a retry schedule in milliseconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTokens } from "../../src/api.ts";
import { openDatabase } from "../../src/store/database.ts";
import { EVENT_TYPES } from "../../src/config/webhooks.ts";
import { startDispatcher, type DispatcherOptions, type RunningDispatcher } from "../../src/webhooks/dispatcher.ts";
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { startReceiver, type Receiver, type Respond } from "../support/webhook-receiver.ts";
import { syncOptions, testSecret } from "../support/webhook-truth.ts";
import { waitFor } from "../support/wait.ts";

const quiet = { info() {}, warn() {} };

// On PostgreSQL: a dispatcher beside the test's own connection needs a server; the embedded database allows one
// process, and test/webhooks/webhooks-crash.test.ts covers delivery on it through the CLI.
describe.each(backends.filter((b) => b === "postgres"))("webhook delivery on %s", (backend) => {
  const everywhere = it;
  const postgresOnly = it.runIf(backend === "postgres");
  let sim: Simnet;
  let db: TestDatabase;
  const secret = testSecret();
  const receivers: Receiver[] = [];
  let round = 0;

  const base = () => syncOptions(sim, db);

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 17, tokens: 24, creators: 6 } });
    db = await createTestDatabase(backend);
    await syncTokens(base()); // the first sync: announces nothing, stores the cursor
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await sim?.close();
    await db?.drop();
  });

  async function receiver(respond: Respond): Promise<Receiver> {
    const r = await startReceiver(secret, respond);
    receivers.push(r);
    return r;
  }

  /** Small buys on `count` bonding tokens, then a sync that queues their events for `url` and delivers none. */
  async function queueTrades(url: string, count: number): Promise<SimToken[]> {
    const tokens = sim.chain.tokens
      .filter((t) => t.status === "Bonding")
      .sort((a, b) => Number(a.xlmRaised - b.xlmRaised))
      .slice(round, round + count);
    round += count;
    for (const t of tokens) sim.chain.buy(t, 100_000_000n);
    await syncTokens({ ...base(), webhook: { urls: [url], secret, timeout: 0 } });
    return tokens;
  }

  /** Runs a dispatcher for `url` until `done` holds, then stops it and closes its database. */
  async function dispatch(
    url: string,
    done: (d: RunningDispatcher) => boolean,
    options: Partial<DispatcherOptions> | (() => Partial<DispatcherOptions>) = {},
  ): Promise<void> {
    const database = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    const dispatcher = await startDispatcher({
      db: database,
      logger: quiet,
      webhooks: { urls: [url], events: [...EVENT_TYPES], secret },
      retry: { schedule: [40], maxAgeMs: 60_000 },
      attemptTimeoutMs: 1000,
      pollMs: 20,
      ...(typeof options === "function" ? options() : options),
    });
    try {
      await waitFor("the deliveries", () => done(dispatcher), 30_000, 20);
    } finally {
      await dispatcher.stop();
      await database.close();
    }
  }

  const deliveries = (url: string) =>
    db.sql<{ msg_id: string; status: string; attempts: number; last_status: number | null; last_error: string | null; type: string }>(
      `SELECT e.id::text AS msg_id, d.status::text, d.attempts, d.last_status, d.last_error, e.type
       FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id JOIN webhook_events e ON e.seq = d.event_seq
       WHERE ep.url = $1 ORDER BY d.event_seq`,
      [url],
    );

  everywhere("500: tried again after the schedule's delay with the same webhook-id until it succeeds", async () => {
    const r = await receiver((_d, nth) => ({ status: nth <= 2 ? 500 : 204 }));
    await queueTrades(r.url, 1);
    await dispatch(r.url, () => r.delivered().length === 1);
    expect(r.rejected).toEqual([]);
    const [a, b, c] = r.attempts;
    expect(r.attempts).toHaveLength(3);
    expect(new Set(r.attempts.map((x) => x.id)).size).toBe(1);
    expect(a!.body).toBe(c!.body); // the same event, byte for byte; only the signature's timestamp moves
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(40 * 0.8 - 5);
    expect(await deliveries(r.url)).toMatchObject([{ msg_id: a!.id, status: "DELIVERED", attempts: 3, last_status: 204, last_error: null }]);
  });

  postgresOnly("a receiver slower than the attempt timeout: the attempt is cut and tried again", async () => {
    const r = await receiver(async (_d, nth) => {
      if (nth === 1) await new Promise((res) => setTimeout(res, 1500));
      return { status: 204 };
    });
    await queueTrades(r.url, 1);
    await dispatch(r.url, () => r.attempts.length === 2 && r.delivered().length === 1, { attemptTimeoutMs: 300 });
    expect(r.attempts[1]!.at - r.attempts[0]!.at).toBeLessThan(1500); // not waited out: cut at 300 ms
    expect(await deliveries(r.url)).toMatchObject([{ status: "DELIVERED", attempts: 2 }]);
  });

  postgresOnly("429 and 503 with Retry-After: the next attempt waits that long, not the schedule's delay", async () => {
    const r = await receiver((_d, nth) => (nth === 1 ? { status: 429, headers: { "retry-after": "1" } } : nth === 2 ? { status: 503, headers: { "retry-after": "1" } } : { status: 204 }));
    await queueTrades(r.url, 1);
    await dispatch(r.url, () => r.delivered().length === 1);
    const [a, b, c] = r.attempts;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(950);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(950);
  });

  postgresOnly("410 disables the endpoint and fails its pending deliveries; `webhooks retry` enables and re-queues them", async () => {
    let gone = true;
    const r = await receiver(() => ({ status: gone ? 410 : 204 }));
    await queueTrades(r.url, 2);
    await dispatch(r.url, (d) => d.counts.failed >= 1, { concurrency: 1 });
    expect(r.attempts).toHaveLength(1);
    expect((await deliveries(r.url)).map((d) => d.status)).toEqual(["FAILED", "FAILED"]);
    const [endpoint] = await db.sql<{ disabled_at: Date | null; disabled_reason: string }>(`SELECT disabled_at, disabled_reason FROM webhook_endpoints WHERE url = $1`, [r.url]);
    expect(endpoint!.disabled_at).not.toBeNull();
    expect(endpoint!.disabled_reason).toMatch(/410/);

    const env = { DATABASE_URL: db.databaseUrl, PGLITE_DATA_DIR: db.dataDir };
    const retry = await runCli(["webhooks", "retry"], { env });
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/queued 2 failed deliveries again; enabled 1 disabled endpoints/);
    gone = false;
    await dispatch(r.url, () => r.delivered().length === 2);
    expect((await deliveries(r.url)).map((d) => d.status)).toEqual(["DELIVERED", "DELIVERED"]);
  }, 120_000);

  postgresOnly("a delivery that keeps failing is marked failed once its retry budget is spent", async () => {
    const r = await receiver(() => ({ status: 500 }));
    await queueTrades(r.url, 1);
    const [{ queued_at: queuedAt }] = (await db.sql<{ queued_at: Date }>(
      `SELECT d.queued_at FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id WHERE ep.url = $1`,
      [r.url],
    )) as [{ queued_at: Date }];
    // A budget of 400 ms from the first attempt on, with retries 100 ms apart: a few attempts, then failed.
    const budget = () => ({ retry: { schedule: [100], maxAgeMs: Date.now() - queuedAt.getTime() + 400 } });
    await dispatch(r.url, (d) => d.counts.failed === 1, budget);
    const [d] = await deliveries(r.url);
    expect(d).toMatchObject({ status: "FAILED", last_status: 500, last_error: "HTTP 500" });
    expect(d!.attempts).toBe(r.attempts.length);
    expect(r.attempts.length).toBeGreaterThanOrEqual(2);
    expect(r.attempts.length).toBeLessThanOrEqual(8);
  });

  everywhere("each endpoint receives one token's events in order, even when the first fails at first", async () => {
    const r = await receiver((d, nth) => ({ status: nth === 1 && d.type === "token.updated" ? 500 : 204 }));
    const [token] = await queueTrades(r.url, 1);
    for (let i = 0; i < 2; i++) {
      sim.chain.buy(token!, 100_000_000n);
      await syncTokens({ ...base(), webhook: { urls: [r.url], secret, timeout: 0 } });
    }
    await dispatch(r.url, () => r.delivered().length === 3);
    const queued = (await deliveries(r.url)).map((d) => d.msg_id);
    expect(r.delivered().map((d) => d.id)).toEqual(queued);
    // No event's first attempt came before the event ahead of it was delivered.
    for (let i = 1; i < queued.length; i++) {
      const firstTry = r.attempts.find((a) => a.id === queued[i])!.at;
      const previousDone = r.delivered().find((d) => d.id === queued[i - 1])!.at;
      expect(firstTry).toBeGreaterThanOrEqual(previousDone);
    }
    const ledgers = r.delivered().map((d) => Number(d.data.ledger));
    expect([...ledgers].sort((a, b) => a - b)).toEqual(ledgers);
  });

  postgresOnly("redirects are not followed: a 302 is a failed attempt", async () => {
    const elsewhere = await receiver(() => ({ status: 204 }));
    const r = await receiver((_d, nth) => (nth === 1 ? { status: 302, headers: { location: elsewhere.url } } : { status: 204 }));
    await queueTrades(r.url, 1);
    await dispatch(r.url, () => r.delivered().length === 1);
    expect(elsewhere.attempts).toEqual([]);
    expect(r.attempts).toHaveLength(2);
  });

  postgresOnly("`webhooks replay --since` sends stored events again with their ids", async () => {
    const r = await receiver(() => ({ status: 204 }));
    const since = new Date().toISOString(); // this test's events only
    await queueTrades(r.url, 2);
    await dispatch(r.url, () => r.delivered().length === 2);
    const env = { DATABASE_URL: db.databaseUrl, PGLITE_DATA_DIR: db.dataDir };
    const dry = await runCli(["webhooks", "replay", "--since", "1h", "--endpoint", r.url, "--dry-run"], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(Number(/would queue (\d+) deliveries/.exec(dry.stdout)?.[1])).toBeGreaterThanOrEqual(2);
    const replay = await runCli(["webhooks", "replay", "--since", since, "--endpoint", r.url], { env });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/^queued 2 deliveries/);
    const before = r.attempts.length;
    await dispatch(r.url, () => r.attempts.length === before + 2);
    expect(r.attempts.slice(before).map((a) => a.id).sort()).toEqual(r.attempts.slice(0, 2).map((a) => a.id).sort());
    const bad = await runCli(["webhooks", "replay", "--since", "yesterday"], { env });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--since "yesterday" is not a time/);
  }, 180_000);
});
