// Resilience, part 4: the database fails. Unreachable at start: exit 1 naming the host, never the password.
// Lost in the middle of a run (every connection of the run terminated by the server), while a batch is being
// written or between batches: the batch is rolled back, the cursor stays, exit 1 with a clear reason, and the
// next run converges. A migration that fails leaves nothing half applied.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { freshDatabases, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { expectConsistent, RowHistory, tradeSome, truthRows } from "../support/resilience.ts";
import { sleep } from "../support/wait.ts";
import { closedPort } from "../support/local-http.ts";

const freshDb = freshDatabases();

let sim: Simnet;
beforeAll(async () => {
  sim = await startSimnet({ scenario: { seed: 47, tokens: 200, creators: 40 }, latencyMs: 100 });
});
afterAll(async () => {
  await sim?.close();
});

describe("PostgreSQL unreachable at start", () => {
  const PASSWORD = "Sup3r-Secret_pw!";
  const DECODED = "p@ss:w/rd Secret";

  it.each([
    ["in the user-info", (port: number) => `postgresql://sync:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/tokens`, [PASSWORD, encodeURIComponent(PASSWORD)]],
    ["percent-encoded", (port: number) => `postgresql://sync:${encodeURIComponent(DECODED)}@127.0.0.1:${port}/tokens`, [DECODED, encodeURIComponent(DECODED)]],
    ["in the query string", (port: number) => `postgresql://sync@127.0.0.1:${port}/tokens?password=${encodeURIComponent(PASSWORD)}&sslmode=disable`, [PASSWORD]],
  ] as const)("with the password %s: exit 1, naming host:port, never the password", async (where, url, secrets) => {
    const port = await closedPort();
    // Both commands that open the database, for the first form; the sync alone for the others.
    for (const args of where === "in the user-info" ? [["--json"], ["db", "migrate"]] : [["--json"]]) {
      const started = Date.now();
      const r = await runCli(args, { env: cliEnv(sim, { databaseUrl: url(port) }) });
      expect(r.code, r.stderr).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(r.stderr).toMatch(new RegExp(`^sync-tokens: error: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/tokens: .*ECONNREFUSED`, "m"));
      expect(r.stderr).not.toMatch(/unexpected failure|\n\s+at /);
      for (const secret of secrets) {
        expect(r.stderr).not.toContain(secret);
        expect(r.stdout).not.toContain(secret);
      }
    }
  });
});

/** Plain SQL on the server, outside the database under test (its admin connection). */
async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const dbName = (db: TestDatabase) => new URL(db.databaseUrl!).pathname.slice(1);

async function terminateBackends(db: TestDatabase, exceptPid?: number): Promise<number> {
  return admin(async (c) => {
    const r = await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> coalesce($2, 0)`, [
      dbName(db),
      exceptPid ?? null,
    ]);
    return r.rowCount ?? 0;
  });
}

describe("PostgreSQL lost in the middle of a run", () => {
  let db: TestDatabase;
  let history: RowHistory;
  let round = 0;

  beforeAll(async () => {
    db = await freshDb();
    history = new RowHistory(sim);
    // A complete first run, so that the runs below have a cursor that must not move.
    const first = await runCli(["--json"], { env: cliEnv(sim, db) });
    expect(first.code, first.stderr).toBe(0);
  });

  async function lostRun(breakIt: (seen: () => boolean) => Promise<void>) {
    tradeSome(sim, ++round, 30);
    history.record();
    const cursorBefore = await db.sql(`SELECT last_ledger::text, last_ledger_hash FROM sync_state`);
    const rowsBefore = await tokenRows(db);
    sim.resetCounters();
    const { done } = startCli(["--json"], { env: cliEnv(sim, db) });
    await breakIt(() => (sim.counters().getEvents ?? 0) > 0);
    const r = await done;
    return { r, cursorBefore, rowsBefore };
  }

  async function expectAfterLoss({ r, cursorBefore, rowsBefore }: Awaited<ReturnType<typeof lostRun>>) {
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    // One clear line, no crash dump.
    expect(r.stderr).toMatch(/^sync-tokens: error: .*(terminat|connection|database)/im);
    expect(r.stderr).not.toMatch(/Unhandled 'error' event|\n\s+at /);
    // Nothing of the interrupted batch, the cursor where it was, every row one the chain had.
    expect(await tokenRows(db)).toEqual(rowsBefore);
    expect(await db.sql(`SELECT last_ledger::text, last_ledger_hash FROM sync_state`)).toEqual(cursorBefore);
    await expectConsistent(db, sim, history);
    // The next run converges.
    const rerun = await runCli(["--json"], { env: cliEnv(sim, db) });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
  }

  it("while a batch is being written: the transaction is rolled back, exit 1", async () => {
    const outcome = await lostRun(async (eventsRead) => {
      // Hold the tokens table against writes, so that the run's first batch waits inside its transaction...
      const blocker = new pg.Client({ connectionString: db.databaseUrl });
      await blocker.connect();
      try {
        while (!eventsRead()) await sleep(2);
        await blocker.query("BEGIN");
        await blocker.query("LOCK TABLE tokens IN EXCLUSIVE MODE");
        const blockerPid = (await blocker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
        for (let i = 0; ; i++) {
          const waiting = await admin((c) =>
            c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [dbName(db)]),
          );
          if (waiting.rowCount) break;
          if (i > 1000) throw new Error("the run never started writing");
          await sleep(10);
        }
        // ...then take the server away from the run: every connection it has is terminated.
        expect(await terminateBackends(db, blockerPid)).toBeGreaterThan(0);
        await blocker.query("ROLLBACK");
      } finally {
        await blocker.end();
      }
    });
    await expectAfterLoss(outcome);
  }, 60_000);

  it("between batches, while the run reads the RPC: the run lock is gone, so it stops before writing, exit 1", async () => {
    const outcome = await lostRun(async (eventsRead) => {
      while (!eventsRead()) await sleep(2);
      // Mid-way through the event scan (requests take 100 ms): no query of the run is in flight.
      await sleep(30);
      expect(await terminateBackends(db)).toBeGreaterThan(0);
    });
    await expectAfterLoss(outcome);
  }, 60_000);
});

describe("a migration that fails", () => {
  it("applies nothing (exit 1, the reason named), and the next run after the fix migrates and syncs", async () => {
    const db = await freshDb();
    // An object in the way of the first migration.
    await db.sql(`CREATE TYPE token_status AS ENUM ('SOMETHING_ELSE')`);
    const tables = () => db.sql<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    const types = () => db.sql<{ name: string }>(`SELECT typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY 1`);

    for (const args of [["--json"], ["db", "migrate"]]) {
      const r = await runCli(args, { env: cliEnv(sim, db) });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^sync-tokens: error: .*migration \S+ failed: .*token_status.* already exists/m);
      expect(r.stdout).toBe("");
      expect(await tables(), "no table created, not even _prisma_migrations").toEqual([]);
      expect(await types()).toEqual([{ name: "token_status" }]);
    }

    await db.sql(`DROP TYPE token_status`);
    const r = await runCli(["--json"], { env: cliEnv(sim, db) });
    expect(r.code, r.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
  }, 60_000);
});
