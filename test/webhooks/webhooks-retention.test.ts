// The outbox is pruned by the process that delivers: a run's drain (through the CLI, on both backends) and a running
// dispatcher (serve's, on PostgreSQL) delete delivered events older than WEBHOOK_RETENTION_DAYS, with their
// deliveries; pending and failed events stay whatever their age, and so do recent delivered ones. The events are real
// (syncs of the simulator's trades); only their age is set by SQL, since a test cannot wait 30 days.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.ts";
import { EVENT_TYPES } from "../../src/config/webhooks.ts";
import { startDispatcher } from "../../src/webhooks/dispatcher.ts";
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { startReceiver, type Receiver } from "../support/webhook-receiver.ts";
import { testSecret } from "../support/webhook-truth.ts";
import { waitFor } from "../support/wait.ts";

const DAY_MS = 86_400_000;

describe.each(backends)("webhook retention on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let receiver: Receiver;
  const secret = testSecret();
  /** Token addresses whose deliveries the receiver refuses (500), so that they stay pending. */
  const refused = new Set<string>();
  let round = 0;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 29, tokens: 24, creators: 6 } });
    db = await createTestDatabase(backend);
    receiver = await startReceiver(secret, (d) => ({ status: refused.has(String(d.data.address)) ? 500 : 204 }));
    const first = await sync(); // the first sync: announces nothing
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(async () => {
    await receiver?.close();
    await sim?.close();
    await db?.drop();
  });

  async function sync(extra: Record<string, string> = {}): Promise<CliResult> {
    return runCli(["--json"], { env: cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret, ...extra }) });
  }

  /** A small buy on the next `count` bonding tokens: each gives one token.updated event. */
  function trade(count: number): SimToken[] {
    const tokens = sim.chain.tokens
      .filter((t) => t.status === "Bonding")
      .sort((a, b) => a.tokenAddress.localeCompare(b.tokenAddress))
      .slice(round, round + count);
    round += count;
    for (const t of tokens) sim.chain.buy(t, 100_000_000n);
    return tokens;
  }

  const stored = async () =>
    (
      await db.sql<{ address: string; status: string | null }>(
        `SELECT e.token_address AS address, d.status::text AS status FROM webhook_events e
         LEFT JOIN webhook_deliveries d ON d.event_seq = e.seq`,
      )
    )
      .map((r) => `${r.address}:${r.status}`)
      .sort();
  const row = (tokens: SimToken[], status: string) => tokens.map((t) => `${t.tokenAddress}:${status}`);
  const age = (days: number) => db.sql(`UPDATE webhook_events SET created_at = now() - $1::int * interval '1 day'`, [days]);

  it("a run deletes delivered events older than the retention, keeps pending, failed and recent ones", async () => {
    const delivered = trade(2);
    let r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).webhooks).toMatchObject({ delivered: 2, pending: 0, pruned: 0 });

    const pending = trade(1);
    for (const t of pending) refused.add(t.tokenAddress);
    const failed = trade(1);
    r = await sync({ WEBHOOK_TIMEOUT: "0" }); // queued, not delivered
    expect(r.code, r.stderr).toBe(0);
    // A delivery whose retry budget ran out (test/webhooks/webhooks-delivery.test.ts shows how it gets there).
    await db.sql(`UPDATE webhook_deliveries SET status = 'FAILED', last_error = 'HTTP 500' WHERE token_address = $1`, [failed[0]!.tokenAddress]);
    await age(31);

    const recent = trade(1);
    r = await sync(); // delivers the recent event, retries the pending one, then prunes
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).webhooks).toMatchObject({ delivered: 1, pruned: 2 });
    expect(await stored()).toEqual(
      [...row(pending, "PENDING"), ...row(failed, "FAILED"), ...row(recent, "DELIVERED")].sort(),
    );
    const orphans = await db.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE token_address = ANY($1::text[])`,
      [delivered.map((t) => t.tokenAddress)],
    );
    expect(orphans[0]!.n, "the deleted events' deliveries went with them").toBe(0);
  }, 120_000);

  it("WEBHOOK_RETENTION_DAYS=0 keeps every event; a bad value stops the run with one line naming it", async () => {
    await age(400);
    const before = await stored();
    const r = await sync({ WEBHOOK_RETENTION_DAYS: "0" });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).webhooks).toMatchObject({ pruned: 0 });
    expect(await stored()).toEqual(before);

    const bad = await sync({ WEBHOOK_RETENTION_DAYS: "30d" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/webhook retention "30d" is not valid: expected whole days/);
    expect(await stored()).toEqual(before);
  }, 120_000);

  // serve's dispatcher runs beside other connections: a server, not the single-process embedded database.
  it.runIf(backend === "postgres")("a running dispatcher prunes at start and then every pruneEveryMs", async () => {
    const database = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    const count = async (where: string) => (await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${where}`))[0]!.n;
    const dispatcher = await startDispatcher({
      db: database,
      logger: { info() {}, warn() {} },
      webhooks: { urls: [receiver.url], events: [...EVENT_TYPES], secret, retentionMs: 30 * DAY_MS },
      pollMs: 20,
      pruneEveryMs: 200,
    });
    try {
      // At start: the old delivered event goes; the pending (still refused) and the failed one stay.
      await waitFor("the old delivered event pruned", async () => (await count("webhook_events")) === 2, 20_000, 20);
      trade(1);
      const r = await sync({ WEBHOOK_TIMEOUT: "0" });
      expect(r.code, r.stderr).toBe(0);
      await waitFor("the new event delivered", async () => (await count("webhook_deliveries WHERE status = 'DELIVERED'")) === 1, 20_000, 20);
      expect(await count("webhook_events")).toBe(3); // recent: kept
      await age(31);
      await waitFor("the next prune", async () => (await count("webhook_events")) === 2, 20_000, 20);
      expect((await stored()).map((s) => s.split(":")[1]).sort()).toEqual(["FAILED", "PENDING"]);
    } finally {
      await dispatcher.stop();
      await database.close();
    }
  }, 120_000);
});
