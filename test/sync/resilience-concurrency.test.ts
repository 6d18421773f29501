// Resilience, part 3: two runs for the same contract at once. One syncs; the other exits 75 at once
// (within a second of trying), writes nothing, and leaves no duplicate; on PostgreSQL through an advisory
// lock, on the embedded database because only one process may open it.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, startCli, type CliResult } from "../support/cli.ts";
import { freshDatabases, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { truthRows } from "../support/resilience.ts";
import { sleep, waitFor } from "../support/wait.ts";

const SCENARIO = { seed: 41, tokens: 150, creators: 30 };
const LOCKED = /^sync-tokens: another sync-tokens run holds the lock for contract C[A-Z0-9]{55}; exiting \(75\)$/m;

let slow: Simnet; // the first run's RPC: slow, so that its run lasts
let fast: Simnet; // the same chain (same seed: same contract), answering at once: the second run's RPC
const freshDb = freshDatabases();

beforeAll(async () => {
  slow = await startSimnet({ scenario: SCENARIO, latencyMs: 300 });
  fast = await startSimnet({ scenario: SCENARIO });
  expect(fast.contractId).toBe(slow.contractId);
});
afterAll(async () => {
  await slow?.close();
  await fast?.close();
});

/** Starts the CLI and notes when the simulator saw its first request and when it exited. */
function timedStart(env: Record<string, string | undefined>, sim: Simnet) {
  const before = Object.values(sim.counters()).reduce((a, b) => a + b, 0);
  let firstRequestAt = 0;
  const poll = setInterval(() => {
    const now = Object.values(sim.counters()).reduce((a, b) => a + b, 0);
    if (!firstRequestAt && now > before) firstRequestAt = performance.now();
  }, 2);
  const { child, done } = startCli(["--json"], { env });
  const result = done.then((r: CliResult) => {
    clearInterval(poll);
    return { ...r, exitedAt: performance.now(), firstRequestAt };
  });
  return { child, result };
}

const advisoryLocks = (db: TestDatabase) =>
  db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database() AND l.granted`);

describe("two runs for the same contract on PostgreSQL", () => {
  it("started together: one syncs (exit 0), the other exits 75 while the winner still holds the lock", async () => {
    const db = await freshDb("postgres");
    const env = cliEnv(slow, db);
    const a = startCli(["--json"], { env });
    const b = startCli(["--json"], { env });
    let lockedAt = 0;
    const exited: number[] = [];
    const watch = (async () => {
      while (exited.length < 2) {
        if (!lockedAt && (await advisoryLocks(db))[0]!.n > 0) lockedAt = performance.now();
        await sleep(10);
      }
    })();
    const results = await Promise.all(
      [a, b].map(async ({ done }) => {
        const r = await done;
        exited.push(performance.now());
        return { ...r, exitedAt: performance.now() };
      }),
    );
    await watch;
    const codes = results.map((r) => r.code).sort((x, y) => (x ?? -1) - (y ?? -1));
    expect(codes, results.map((r) => r.stderr).join("\n---\n")).toEqual([0, 75]);
    const loser = results.find((r) => r.code === 75)!;
    expect(loser.stderr).toMatch(LOCKED);
    expect(loser.stdout).toBe("");
    expect(lockedAt).toBeGreaterThan(0);
    // Event-driven, not timed: the loser exited while the winner still held the lock (it did not wait for it).
    const winner = results.find((r) => r.code === 0)!;
    expect(loser.exitedAt, "the second run waited for the lock").toBeLessThan(winner.exitedAt);
    expect(loser.exitedAt).toBeGreaterThan(lockedAt);

    // The winner stored every token once; the loser recorded no run and wrote nothing.
    expect(await tokenRows(db)).toEqual(truthRows(slow));
    const [dupes] = await db.sql<{ n: number }>(`SELECT count(*)::int - count(DISTINCT address)::int AS n FROM tokens`);
    expect(dupes?.n).toBe(0);
    expect(await db.sql(`SELECT outcome::text FROM sync_runs`)).toEqual([{ outcome: "SUCCEEDED" }]);
    expect(await advisoryLocks(db)).toEqual([{ n: 0 }]);
  }, 60_000);

  it("started while another run is writing: exits 75 without waiting for the lock, and the first run is unharmed", async () => {
    const db = await freshDb("postgres");
    const first = startCli(["--json"], { env: cliEnv(slow, db) });
    await waitFor("the first run to take the lock", async () => (await advisoryLocks(db))[0]!.n > 0, 30_000, 20);
    const second = timedStart(cliEnv(fast, db), fast);
    const r2 = await second.result;
    expect(r2.code, r2.stderr).toBe(75);
    expect(r2.stderr).toMatch(LOCKED);
    expect(r2.firstRequestAt).toBeGreaterThan(0);
    // It did not wait for the lock: the first run still holds it now.
    expect(first.child.exitCode, "the first run is still going").toBeNull();

    const r1 = await first.done;
    expect(r1.code, r1.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(slow));
    expect(await db.sql(`SELECT outcome::text FROM sync_runs`)).toEqual([{ outcome: "SUCCEEDED" }]);

    // Once the lock is free, the next run proceeds (and finds nothing to change).
    const r3 = await timedStart(cliEnv(fast, db), fast).result;
    expect(r3.code, r3.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(truthRows(fast));
  }, 60_000);
});

describe("two processes on the embedded database", () => {
  it("the second exits 75 without waiting for the first, and the first run is unharmed", async () => {
    const db = await freshDb("pglite");
    const lockFile = `${db.dataDir}.lock`;
    const first = startCli(["--json"], { env: cliEnv(slow, db) });
    await waitFor("the first run to open the embedded database", () => fs.existsSync(lockFile), 30_000, 20);
    const r2 = await timedStart(cliEnv(fast, db), fast).result;
    expect(r2.code, r2.stderr).toBe(75);
    expect(r2.stderr).toMatch(/^sync-tokens: the embedded database .* is in use by another process \(held by pid \d+\); exiting \(75\)$/m);
    // It did not wait for the lock: the first run still holds it now.
    expect(first.child.exitCode, "the first run is still going").toBeNull();

    const r1 = await first.done;
    expect(r1.code, r1.stderr).toBe(0);
    expect(fs.existsSync(lockFile)).toBe(false);
    expect(await tokenRows(db)).toEqual(truthRows(slow));
    expect(await db.sql(`SELECT outcome::text FROM sync_runs`)).toEqual([{ outcome: "SUCCEEDED" }]);
  }, 60_000);
});
