// Holes in the trades (issue 22): a sync away longer than the RPC's window records the ledgers it could not read as
// a hole; `watch --datastore` then fills it from a SEP-54 data lake by itself (over HTTP, an API key in the URL's
// path that no output shows), as far as the lake reaches, and says what waits for the rest; a backfill (its source
// from SYNC_DATASTORE) fills what is left. Against the simulator's truth: every trade, none doubled, no hole left.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeDatalake } from "../simnet/datalake.ts";
import { startSimnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { syncJson } from "../support/fidelity.ts";
import { jsonLines, LedgerTicker } from "../support/live.ts";
import { startLocalServer } from "../support/local-http.ts";
import { tradeRows, truthTrades } from "../support/market-truth.ts";
import { summary, tradeSome } from "../support/resilience.ts";
import { waitFor } from "../support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** A provider's key, as some put it in the lake's URL path. */
const KEY = "lk7Qm2Xv9RtZ4wB8nP3s";

async function holes(db: TestDatabase): Promise<Array<{ from: number; to: number }>> {
  return db.sql(`SELECT from_ledger::int AS "from", to_ledger::int AS "to" FROM trade_holes ORDER BY from_ledger`);
}

describe.each(backends)("a hole in the trades on %s", (backend) => {
  it("is recorded, filled by watch --datastore from the lake as far as it reaches, and the rest by a backfill", async () => {
    const sim = await startSimnet({ scenario: { seed: 77, tokens: 12, creators: 4, hostile: false, historyLedgers: 2_000, retentionLedgers: 1_000, keepHistory: true } });
    const db = await createTestDatabase(backend);
    const lake = await mkdtemp(path.join(os.tmpdir(), "lake-holes-"));
    cleanups.push(() => sim.close(), () => db.drop(), () => rm(lake, { recursive: true, force: true }));
    const { chain } = sim;
    const from = chain.oldestLedger;
    expect((await syncJson(sim, db)).code).toBe(0);
    const cursor = chain.latestLedger;

    // Away for longer than the window, with trades early and late in what becomes the hole.
    tradeSome(sim, 1, 5);
    chain.advance(700);
    tradeSome(sim, 3, 5);
    chain.advance(1_500);
    tradeSome(sim, 2, 5);
    const r = await syncJson(sim, db);
    expect(r.code, r.stderr).toBe(0);
    const hole = { from: cursor + 1, to: chain.oldestLedger - 1 };
    expect(summary(r).warnings.join("\n")).toMatch(/their trades are recorded as a hole/);
    expect(await holes(db)).toEqual([hole]);
    const early = truthTrades(sim, hole.from, cursor + 400);
    const late = truthTrades(sim, cursor + 401, hole.to);
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);

    // The lake has been written only part of the way through the hole.
    await writeDatalake(chain, lake, { fromLedger: from, toLedger: cursor + 400, ledgersPerBatch: 64, batchesPerPartition: 16 });
    const server = await startLocalServer(async (req, res) => {
      const file = req.url.startsWith(`/${KEY}/`) ? await readFile(path.join(lake, decodeURIComponent(req.url.slice(KEY.length + 2)))).catch(() => null) : null;
      res.writeHead(file ? 200 : 404);
      res.end(file ?? "not found");
    });
    cleanups.push(() => server.close());
    const w = startCli(["watch", "--json", "--datastore", `${server.url}${KEY}/`], { env: cliEnv(sim, db), timeoutMs: 120_000 });
    let stderr = "";
    let stdout = "";
    w.child.stdout!.on("data", (d) => (stdout += d));
    w.child.stderr!.on("data", (d) => (stderr += d));
    cleanups.push(async () => void w.child.kill("SIGKILL"));
    await waitFor("the first pass", () => jsonLines(stdout).length >= 1, 60_000);
    const ticker = new LedgerTicker(sim, 200, 1_000).start();
    // The embedded database has one user at a time: the process says how far it got. The wait is for the hole's
    // rest, which the next pass finds only once the first stretch is stored.
    await waitFor("the rest of the hole said to wait", () => stderr.includes(`ledgers ${cursor + 401}..${hole.to} waits`), 60_000, 200);
    ticker.stop();
    w.child.kill("SIGTERM");
    expect((await w.done).code, stderr).toBe(0);
    expect(stderr).toContain(`ledgers ${hole.from}..${cursor + 400} of the hole in the trades at ledgers ${hole.from}..${hole.to} read from the data lake at ${server.url}***/`);
    expect(stderr + stdout).not.toContain(KEY);
    expect(await holes(db)).toEqual([{ from: cursor + 401, to: hole.to }]);
    const stored = await tradeRows(db);
    expect(stored.filter((t) => Number(t["ledger"]) >= hole.from && Number(t["ledger"]) <= hole.to)).toEqual(early);

    // The whole lake, and a backfill that finds it in SYNC_DATASTORE: the rest of the hole is filled.
    await writeDatalake(chain, lake, { fromLedger: from, ledgersPerBatch: 64, batchesPerPartition: 16 });
    const env = { ...cliEnv(sim, db), SYNC_DATASTORE: lake };
    // A backfill of the hole's middle leaves its two ends.
    const middle = await runCli(["backfill", "--json", "--from-ledger", String(cursor + 600), "--to-ledger", String(cursor + 800)], { env });
    expect(middle.code, middle.stderr).toBe(0);
    expect(await holes(db)).toEqual([
      { from: cursor + 401, to: cursor + 599 },
      { from: cursor + 801, to: hole.to },
    ]);
    const b = await runCli(["backfill", "--json", "--from-ledger", String(hole.from)], { env });
    expect(b.code, b.stderr).toBe(0);
    expect(await holes(db)).toEqual([]);
    expect(await tradeRows(db)).toEqual(truthTrades(sim, from));
  }, 240_000);
});
