// `sync-tokens watch`, the real CLI, against the simulator while ledgers close: it follows pass by pass (one
// --json line each, consecutive ledger ranges), holds the lock (a cron run exits 75), stops on SIGTERM with
// exit 0 and nothing half written, converges after SIGKILL and a restart, and rides out a PostgreSQL restart.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "./simnet/index.ts";
import { runCli, startCli } from "./support/cli.ts";
import { backends, createTestDatabase, type Backend, type TestDatabase } from "./support/databases.ts";
import { tokenRows } from "./support/expect-rows.ts";
import { expectContiguous, jsonLines, LedgerTicker, waitFor } from "./support/live.ts";
import { cliEnv, expectConsistent, RowHistory, truthRows } from "./support/resilience.ts";

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
    expectContiguous(lines);
    expect(lines[0]!.cursor.from).not.toBeNull();
    await expectConsistent(db, sim, history);
    // Everything the passes read is stored: up to the last pass's ledger, rows are the chain's.
    const last = lines[lines.length - 1]!.cursor.to!;
    const rows = new Map((await tokenRows(db)).map((r) => [r.address, r]));
    for (const t of ticker.launched.filter((t) => t.launchLedger <= last)) expect(rows.has(t.tokenAddress), `launch at ${t.launchLedger}`).toBe(true);

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
    await expectConsistent(db, sim, history);

    for (let i = 0; i < 4; i++) ticker.tick(); // ledgers nobody followed
    const second = watch(env);
    await waitFor("the restart to catch up", () => second.lines().some((l) => l.cursor.to === sim.chain.latestLedger), 90_000);
    second.child.kill("SIGTERM");
    expect((await second.done).code).toBe(0);
    // The restart resumes from the stored cursor: no ledger after the last pass the killed process printed is skipped.
    expectContiguous(second.lines());
    expect(second.lines()[0]!.cursor.from).toBeLessThanOrEqual(first.lines().at(-1)!.cursor.to! + 1);
    expect(await tokenRows(db)).toEqual(truthRows(sim));
  }, 240_000);
});

describe("watch through a PostgreSQL restart", () => {
  it("does not exit, and catches up once the server is back", async () => {
    const [dir, url] = execFileSync("bash", ["scripts/throwaway-postgres.sh", "start"], { encoding: "utf8" }).trim().split(" ") as [string, string];
    cleanups.push(async () => void execFileSync("bash", ["scripts/throwaway-postgres.sh", "stop", dir]));
    const sim = await startSimnet({ scenario: { seed: 53, tokens: 30, creators: 6 } });
    cleanups.push(() => sim.close());
    const ticker = new LedgerTicker(sim, 150);
    const db = { backend: "postgres", databaseUrl: url, dataDir: `${dir}/unused` } as TestDatabase;
    const w = watch(cliEnv(sim, db));
    await waitFor("the first pass", () => w.lines().length >= 1, 90_000);
    ticker.start();
    await waitFor("a few passes", () => w.lines().length >= 3, 60_000);

    const ctl = (...args: string[]) => execFileSync("runuser", ["-u", "postgres", "--", pgCtl(), "-D", `${dir}/data`, ...args], { stdio: "ignore" });
    const port = new URL(url).port;
    ctl("-m", "fast", "-w", "stop");
    const passesWhileDown = w.lines().length;
    await waitFor("the follower to notice", () => /warning: follower: /.test(w.out.stderr), 30_000);
    ctl("-l", `${dir}/server.log`, "-w", "-t", "60", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start");
    await waitFor("passes after the restart", () => w.lines().length > passesWhileDown + 2, 90_000);
    ticker.stop();
    await waitFor("the follower to catch up", () => w.lines().some((l) => l.cursor.to === sim.chain.latestLedger), 60_000);
    expect(w.child.exitCode).toBeNull();
    w.child.kill("SIGTERM");
    expect((await w.done).code).toBe(0);
    expectContiguous(w.lines());
    const rows = await sqlRows(url);
    expect(rows).toEqual(truthRows(sim));
  }, 240_000);
});

function pgCtl(): string {
  const dirs = ["/usr/lib/postgresql/15/bin", ...fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)];
  return `${dirs.find((d) => fs.existsSync(`${d}/pg_ctl`))}/pg_ctl`;
}

async function sqlRows(url: string): Promise<Record<string, string>[]> {
  const { default: pg } = await import("pg");
  const { ROW_SQL } = await import("./support/expect-rows.ts");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(ROW_SQL)).rows;
  } finally {
    await client.end();
  }
}
