// `sync-tokens watch`, the real CLI, against the simulator while ledgers close: it follows pass by pass (one
// --json line each), holds the lock (a cron run exits 75), stops on SIGTERM with exit 0 and nothing half written,
// converges after SIGKILL and a restart, and rides out a PostgreSQL restart. "No gap" is judged from the database
// against the simulator (rows and cursor), not from the lines the product printed.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { backends, createTestDatabase, type Backend, type TestDatabase } from "../support/databases.ts";
import { jsonLines, LedgerTicker } from "../support/live.ts";
import { startOwnPostgres } from "../support/own-postgres.ts";
import { expectConsistent, RowHistory } from "../support/resilience.ts";
import { expectExact, storedCursor } from "../support/serve-process.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function setup(backend: Backend, seed: number): Promise<{ sim: Simnet; db: TestDatabase; history: RowHistory; ticker: LedgerTicker }> {
  const sim = await startSimnet({ scenario: { seed, tokens: 30, creators: 6 } });
  const db = await createTestDatabase(backend);
  cleanups.push(() => sim.close(), () => db.drop());
  const history = new RowHistory(sim);
  return { sim, db, history, ticker: new LedgerTicker(sim, 150, 3, () => history.record()) };
}

/** Starts `watch --json` and collects its output. */
function watch(env: Record<string, string | undefined>) {
  const run = startCli(["watch", "--json"], { env, timeoutMs: 180_000 });
  const out = { stdout: "", stderr: "" };
  run.child.stdout!.on("data", (d) => (out.stdout += d));
  run.child.stderr!.on("data", (d) => (out.stderr += d));
  cleanups.push(async () => void run.child.kill("SIGKILL"));
  if (process.env.LIVE_DEBUG) run.child.stderr!.on("data", (d) => process.stderr.write(`[watch] ${d}`));
  return { ...run, out, lines: () => jsonLines(out.stdout) };
}

describe.each(backends)("watch on %s", (backend) => {
  it("follows pass by pass, holds the lock, and stops on SIGTERM with exit 0 and nothing half written", async () => {
    const { sim, db, history, ticker } = await setup(backend, 51);
    const env = cliEnv(sim, db);
    const w = watch(env);
    await waitFor("the first pass", () => w.lines().length >= 1, 90_000);
    ticker.start();
    await waitFor("a few passes while ledgers close", () => w.lines().length >= 4, 60_000);

    // A cron run meanwhile finds the contract locked (embedded database: the folder is in use).
    const cron = await runCli([], { env });
    expect(cron.code, cron.stderr).toBe(75);
    expect(cron.stderr).toMatch(backend === "postgres" ? /another sync-tokens run holds the lock/ : /in use by another process/);

    w.child.kill("SIGTERM");
    const result = await w.done;
    ticker.stop();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/SIGTERM received: finishing the current batch, then stopping/);
    const lines = w.lines();
    expect(lines[0]!.cursor.from).not.toBeNull();
    // No gap, from the database: every token the chain changed up to the stored cursor is stored as the chain
    // has it (expectConsistent), and the cursor covers every ledger a pass said it read.
    const { cursor } = await expectConsistent(db, sim, history);
    expect(cursor).toBeGreaterThanOrEqual(lines.at(-1)!.cursor.to!);
    expect(ticker.launched.filter((t) => t.launchLedger <= cursor!).length).toBeGreaterThan(0);

  }, 240_000);

  it("converges to the chain after SIGKILL and a restart", async () => {
    const { sim, db, history, ticker } = await setup(backend, 52);
    const env = cliEnv(sim, db);
    const first = watch(env);
    await waitFor("the first pass", () => first.lines().length >= 1, 90_000);
    ticker.start();
    await waitFor("a few passes", () => first.lines().length >= 4, 60_000);
    first.child.kill("SIGKILL");
    expect((await first.done).signal).toBe("SIGKILL");
    ticker.stop();
    const { cursor } = await expectConsistent(db, sim, history);

    for (let i = 0; i < 4; i++) ticker.tick(); // ledgers nobody followed
    const second = watch(env);
    await waitFor("the restart to catch up", () => second.lines().some((l) => l.cursor.to === sim.chain.latestLedger), 90_000);
    second.child.kill("SIGTERM");
    expect((await second.done).code).toBe(0);
    // The restart resumes from the stored cursor, and no ledger is skipped: the cursor is the chain's head and
    // every token, those launched or traded in the ledgers nobody followed too, is stored as the chain has it.
    expect(second.lines()[0]!.cursor.from).toBeLessThanOrEqual(cursor! + 1);
    await expectExact(db, sim, 5_000);
  }, 240_000);
});

describe("watch through a PostgreSQL restart", () => {
  it("does not exit, and catches up once the server is back", async () => {
    const server = startOwnPostgres();
    cleanups.push(() => server.close());
    const sim = await startSimnet({ scenario: { seed: 53, tokens: 30, creators: 6 } });
    cleanups.push(() => sim.close());
    const ticker = new LedgerTicker(sim, 150);
    const w = watch(cliEnv(sim, server.db));
    await waitFor("the first pass", () => w.lines().length >= 1, 90_000);
    ticker.start();
    await waitFor("a few passes", () => w.lines().length >= 3, 60_000);

    server.stop();
    const passesWhileDown = w.lines().length;
    await waitFor("the follower to notice", () => /warning: follower: /.test(w.out.stderr), 30_000);
    server.start();
    await waitFor("passes after the restart", () => w.lines().length > passesWhileDown + 2, 90_000);
    ticker.stop();
    // Caught up, judged from the database: the cursor reaches the chain's head and every row is the chain's.
    await expectExact(server.db, sim);
    expect(w.child.exitCode).toBeNull();
    w.child.kill("SIGTERM");
    expect((await w.done).code).toBe(0);
    expect(await storedCursor(server.db, sim.contractId)).toBe(sim.chain.latestLedger);
  }, 240_000);
});
