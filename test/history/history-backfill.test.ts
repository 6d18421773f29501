// `sync-tokens backfill` end to end: the real CLI against the simulator, on PostgreSQL and PGlite.
// Every token is older than the RPC's event window and no creator is configured, so a normal run
// finds only the tokens of creators active in the window; the backfill, reading the whole history
// from a SEP-54 data lake (folder, or over HTTP; Galexie's layout or SEP-54 v0.2.0's) or from
// getLedgers, finds every one of them.

import { cp, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BackfillJson } from "../../src/history/report.ts";
import { datalakeKey, writeDatalake, type DatalakeSummary } from "../simnet/datalake.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, tokenRows } from "../support/expect-rows.ts";
import { startLocalServer, type LocalServer } from "../support/local-http.ts";
import { EMPTY, footprint } from "../support/nothing-written.ts";

// Each CLI run starts a database; on a loaded 2-core machine a run can take tens of seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

let sim: Simnet;
let lakeDir: string;
let lake: DatalakeSummary;
let sepDir: string;
let sepLake: DatalakeSummary; // SEP-54 v0.2.0: <sepDir>/stellar/pubnet/config.json names "/stellar/pubnet/ledgers"
const layout = { ledgersPerBatch: 64, batchesPerPartition: 16 };

beforeAll(async () => {
  // getLedgers serves all history here, as stellar-rpc configured with a datastore does.
  sim = await startSimnet({ scenario: { seed: 31, tokens: 30, creators: 8, historyLedgers: 10_000, retentionLedgers: 1_000 }, ledgersFromDatastore: true });
  const chain = sim.chain;
  chain.advance(chain.retentionLedgers); // every launch and trade is now older than the event window
  const bonding = chain.tokens.filter((t) => t.status === "Bonding");
  const active = bonding.find((t) => chain.creatorTokens(t.creator).length > 1) ?? bonding[0]!;
  chain.buy(active, 2_000_000_000n); // one creator shows up in the window: a normal run finds their tokens
  chain.advance(5);
  lakeDir = await mkdtemp(path.join(os.tmpdir(), "lake-e2e-"));
  lake = await writeDatalake(chain, lakeDir, layout);
  sepDir = await mkdtemp(path.join(os.tmpdir(), "lake-sep54-"));
  sepLake = await writeDatalake(chain, sepDir, { ...layout, format: "sep54", storePath: "stellar/pubnet" });
});
afterAll(async () => {
  await sim?.close();
  for (const dir of [lakeDir, sepDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** The factory's events in ledgers from..to, as the simulator emitted them. */
const factoryEventsIn = (from: number, to: number): number => {
  let n = 0;
  for (let seq = from; seq <= to; seq++) for (const tx of sim.chain.ledgerTransactions(seq) ?? []) n += tx.events.filter((e) => e.contractId === sim.contractId).length;
  return n;
};

const env = (db: TestDatabase) => cliEnv(sim, db, { CREATOR_ADDRESS: undefined });
const backfillCli = (db: TestDatabase, args: string[], killOn?: { pattern: RegExp; signal: NodeJS.Signals }) =>
  runCli(["backfill", "--json", ...args], { env: env(db), killOn });
const summary = (r: CliResult): BackfillJson => JSON.parse(r.stdout) as BackfillJson;
const expectedRows = () => [...sim.chain.tokens].sort((a, b) => a.id - b.id).map((t) => expectedRow(t, sim.contractId));
const expectEverything = async (db: TestDatabase) => {
  expect(await tokenRows(db)).toEqual(expectedRows());
  const creators = await db.sql<{ address: string }>("SELECT address FROM creators ORDER BY address");
  expect(creators.map((c) => c.address)).toEqual([...sim.chain.creators].sort());
};
const cursorRow = async (db: TestDatabase) =>
  (await db.sql<{ from_ledger: string; to_ledger: string; next_ledger: string }>("SELECT from_ledger::text, to_ledger::text, next_ledger::text FROM backfill_state"))[0];

describe.each(backends)("backfill on %s", (backend) => {
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createTestDatabase(backend);
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.drop()));
  });

  it("a normal run finds some tokens; backfill from the data lake finds every one, exactly, and stores their creators", async () => {
    const db = await fresh();
    const normal = await runCli(["--json"], { env: env(db) });
    expect(normal.code, normal.stderr).toBe(2);
    const missing = (JSON.parse(normal.stdout) as { missingIds: number[] }).missingIds;
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(sim.chain.tokens.length);

    const r = await backfillCli(db, ["--datastore", lakeDir, "--from-ledger", String(sim.chain.firstLedger)]);
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s.sync.missingIds).toEqual([]);
    expect(s).toMatchObject({ fromLedger: sim.chain.firstLedger, toLedger: lake.toLedger, resumedAt: null, tokensFound: sim.chain.tokens.length });
    expect(s.ledgersRead).toBe(lake.toLedger - sim.chain.firstLedger + 1);
    expect(s.gaps).toEqual([]);
    expect(s.factoryEvents).toBe(factoryEventsIn(sim.chain.firstLedger, lake.toLedger));
    await expectEverything(db);
    expect(await cursorRow(db)).toEqual({ from_ledger: String(sim.chain.firstLedger), to_ledger: String(lake.toLedger), next_ledger: String(lake.toLedger + 1) });
  });

  it("a SEP-54 v0.2.0 lake (its root's config.json names ledgersPath) backfills exactly too", async () => {
    const db = await fresh();
    const r = await backfillCli(db, ["--datastore", sepLake.root, "--from-ledger", String(sim.chain.firstLedger)]);
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s).toMatchObject({ source: `the data lake at ${sepLake.root}`, fromLedger: sim.chain.firstLedger, toLedger: sepLake.toLedger, gaps: [], tokensFound: sim.chain.tokens.length });
    expect(s.factoryEvents).toBe(factoryEventsIn(sim.chain.firstLedger, sepLake.toLedger));
    expect(s.sync.missingIds).toEqual([]);
    await expectEverything(db);
  });

  it("through getLedgers from an RPC serving its datastore, from a date, finds every token", async () => {
    const db = await fresh();
    const since = new Date(sim.chain.closeTime(sim.chain.firstLedger) * 1000).toISOString().slice(0, 10);
    const r = await backfillCli(db, ["--ledgers-rpc", sim.url, "--since", since]);
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s.fromLedger).toBe(sim.chain.firstLedger);
    expect(s.toLedger).toBe(sim.chain.latestLedger);
    expect(s.sync.missingIds).toEqual([]);
    await expectEverything(db);
  });

  it("interrupted by SIGINT, then killed, then run again: converges to every token", async () => {
    const db = await fresh();
    const from = String(sim.chain.firstLedger);
    const args = ["--ledgers-rpc", sim.url, "--from-ledger", from, "--save-every", "200", "--download-concurrency", "2"];
    sim.setLatency(40); // slow enough that saves happen mid-range
    try {
      const first = await backfillCli(db, args, { pattern: /cursor saved at/, signal: "SIGINT" });
      expect(first.code, first.stderr).toBe(130);
      const saved = Number((await cursorRow(db))!.next_ledger);
      expect(saved).toBeGreaterThan(sim.chain.firstLedger);
      expect(saved).toBeLessThanOrEqual(sim.chain.latestLedger);

      const second = await backfillCli(db, args, { pattern: /cursor saved at/, signal: "SIGKILL" });
      expect(second.signal).toBe("SIGKILL");
      expect(second.stderr).toContain(`resuming at ledger ${saved}`);
    } finally {
      sim.setLatency(0);
    }
    const resumedFrom = Number((await cursorRow(db))!.next_ledger);
    const last = await backfillCli(db, ["--ledgers-rpc", sim.url, "--from-ledger", from]);
    expect(last.code, last.stderr).toBe(0);
    expect(summary(last).resumedAt).toBe(resumedFrom);
    expect(summary(last).sync.missingIds).toEqual([]);
    await expectEverything(db);
  });
});

describe("backfill: a bad source gives one clear line, exit 1 (64 for a bad setting), and writes nothing", () => {
  let db: TestDatabase;
  let server: LocalServer;
  let badDir: string;
  const first = () => String(sim.chain.firstLedger);
  const inRange = () => sim.chain.firstLedger + 3 * layout.ledgersPerBatch + 1;
  const failures: Record<string, number> = {};

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    badDir = await mkdtemp(path.join(os.tmpdir(), "lake-bad-"));
    // Serves the lake over HTTP, but a file in the range answers 404 or 500.
    server = await startLocalServer(async (req, res) => {
      const [, mode, ...rest] = req.url.split("/");
      const key = decodeURIComponent(rest.join("/"));
      const status = key === datalakeKey(inRange(), layout) ? failures[mode!] : undefined;
      if (status !== undefined) {
        res.writeHead(status);
        res.end("nope");
        return;
      }
      try {
        const body = await readFile(mode === "sep54" ? path.join(sepDir, key) : path.join(lakeDir, key));
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    failures["missing"] = 404;
    failures["broken"] = 500;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
    if (badDir) await rm(badDir, { recursive: true, force: true });
  });

  const fails = async (args: string[], message: RegExp, opts: { before?: boolean; usage?: boolean } = {}) => {
    const r = await backfillCli(db, args);
    expect(r.code, r.stderr).toBe(opts.usage ? 64 : 1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(message);
    expect(r.stdout).toBe("");
    if (opts.before) expect(await footprint(db)).toEqual(EMPTY);
    else expect(await db.sql("SELECT 1 FROM tokens UNION ALL SELECT 1 FROM backfill_state")).toEqual([]);
    return lines.at(-1)!;
  };

  it("a data lake of another network", async () => {
    const dir = path.join(badDir, "other-network");
    await cp(lakeDir, dir, { recursive: true });
    const config = JSON.parse(await readFile(path.join(dir, ".config.json"), "utf8"));
    await writeFile(path.join(dir, ".config.json"), JSON.stringify({ ...config, networkPassphrase: "Test SDF Network ; September 2015" }));
    await fails(["--datastore", dir, "--from-ledger", first()], /network passphrase mismatch: the data lake at .*other-network holds "Test SDF Network ; September 2015"/, { before: true });
  });

  it("a folder that is no data lake, and a plain-http URL to another host", async () => {
    await fails(["--datastore", badDir, "--from-ledger", first()], /the data lake at .* is not a SEP-54 data lake: it has neither config\.json \(SEP-54 v0\.2\.0\) nor \.config\.json \(Galexie\)$/, { before: true });
    await fails(["--datastore", "http://lake.example.invalid/", "--from-ledger", first()], /data lake URL http:\/\/lake\.example\.invalid\/ is plain http/, { before: true, usage: true });
  });

  it("a range the source does not serve (data lake and getLedgers)", async () => {
    const lakeRange = `${sim.chain.firstLedger}..${lake.toLedger}`;
    await fails(["--datastore", lakeDir, "--from-ledger", "500000"], new RegExp(`does not serve ledger 500000 \\(it serves ledgers ${lakeRange.replace(/\./g, "\\.")}\\)`));
    // An RPC without a datastore serves only its retention window.
    const windowOnly = await startSimnet({ scenario: { seed: 31, tokens: 30, creators: 8, historyLedgers: 10_000, retentionLedgers: 1_000 } });
    try {
      await fails(["--ledgers-rpc", windowOnly.url, "--from-ledger", first()], new RegExp(`the RPC at ${windowOnly.url.replace(/\./g, "\\.")} does not serve ledger ${first()} \\(it serves ledgers ${windowOnly.chain.oldestLedger}\\.\\.`));
    } finally {
      await windowOnly.close();
    }
  });

  it("a SEP-54 v0.2.0 config without ledgersPath, or whose ledgersPath names no folder", async () => {
    const dir = path.join(badDir, "sep54");
    await cp(sepLake.root, dir, { recursive: true });
    const config = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8"));
    await writeFile(path.join(dir, "config.json"), JSON.stringify({ ...config, ledgersPath: undefined }));
    await fails(["--datastore", dir, "--from-ledger", first()], /the data lake at .*sep54 has a config\.json without ledgersPath \(the partitions' folder\)$/);
    await writeFile(path.join(dir, "config.json"), JSON.stringify({ ...config, ledgersPath: "/stellar/pubnet/elsewhere" }));
    await fails(["--datastore", dir, "--from-ledger", first()], /has a config\.json whose ledgersPath "\/stellar\/pubnet\/elsewhere" names no folder \(looked for .*sep54\/stellar\/pubnet\/elsewhere\)$/);
    await writeFile(path.join(dir, "config.json"), JSON.stringify({ ...config, ledgersPath: "/../../etc" }));
    await fails(["--datastore", dir, "--from-ledger", first()], /whose ledgersPath "\/\.\.\/\.\.\/etc" is not a folder of the store$/);
  });

  it("a SEP-54 v0.2.0 lake over HTTP, named by its root, its config file or its partitions' folder", async () => {
    const root = `${server.url}sep54/stellar/pubnet/`;
    const range = ["--from-ledger", first(), "--to-ledger", String(sim.chain.firstLedger + 200)];
    for (const location of [`${root}config.json`, `${root}ledgers/`]) {
      const r = await backfillCli(db, ["--datastore", location, ...range, "--dry-run"]);
      expect(r.code === 0 || r.code === 2, r.stderr).toBe(true);
      expect(summary(r)).toMatchObject({ ledgersRead: 201, gaps: [], factoryEvents: factoryEventsIn(sim.chain.firstLedger, sim.chain.firstLedger + 200) });
    }
    // A missing file of that lake is named by its path from the root the user gave.
    const key = `ledgers/${datalakeKey(inRange(), layout)}`;
    const file = path.join(sepLake.root, key);
    const bytes = await readFile(file);
    await rm(file);
    try {
      await fails(["--datastore", root, "--from-ledger", first()], new RegExp(`does not serve ledger ${inRange() - (inRange() % 64)}: ${key.replace(/\./g, "\\.")} is missing`));
    } finally {
      await writeFile(file, bytes);
    }
  });

  it("a truncated .xdr.zst file", async () => {
    const dir = path.join(badDir, "truncated");
    await cp(lakeDir, dir, { recursive: true });
    const key = datalakeKey(inRange(), layout);
    await truncate(path.join(dir, key), 40);
    await fails(["--datastore", dir, "--from-ledger", first()], new RegExp(`holds a corrupt file ${key.replace(/\./g, "\\.")}: not valid zstd data \\(truncated zstd frame`));
  });

  it("HTTP 404 and 500 for a file of the range", async () => {
    const key = datalakeKey(inRange(), layout).replace(/\./g, "\\.");
    await fails(["--datastore", `${server.url}missing/`, "--from-ledger", first()], new RegExp(`does not serve ledger ${inRange() - (inRange() % 64)}: ${key} is missing`));
    await fails(["--datastore", `${server.url}broken/`, "--from-ledger", first()], new RegExp(`failed to give ${key}: HTTP 500`));
    // The same lake over HTTP, without the faults, is read in full.
    const ok = await backfillCli(db, ["--datastore", `${server.url}fine/`, "--from-ledger", first()]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await tokenRows(db)).toEqual(expectedRows());
  });
});
