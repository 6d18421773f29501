// `sync-tokens backfill --ledgers-rpc` against what real getLedgers providers do, end to end through the CLI
// on PostgreSQL: a page cap below 200 (refused as stellar-rpc's max-ledgers-limit does, or pages cut short),
// nodes behind a load balancer, and a retention window that slides while the range is being paged.

import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BackfillJson } from "../../src/history/report.ts";
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, tokenRows } from "../support/expect-rows.ts";
import { startLocalServer, type LocalServer } from "../support/local-http.ts";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const dbs: TestDatabase[] = [];
const fresh = async () => {
  const db = await createTestDatabase("postgres");
  dbs.push(db);
  return db;
};
afterAll(async () => {
  await Promise.all(dbs.map((db) => db.drop()));
});

const backfillCli = (sim: Simnet, db: TestDatabase, args: string[]) =>
  runCli(["backfill", "--json", ...args], {
    env: cliEnv(sim, { databaseUrl: db.databaseUrl }, { CREATOR_ADDRESS: undefined }),
  });

/** The factory's events in ledgers from..to, as the simulator emitted them. */
const factoryEventsIn = (sim: Simnet, from: number, to: number, ranges = [[from, to]]): number => {
  let n = 0;
  for (const [a, b] of ranges) {
    for (let seq = a!; seq <= b!; seq++) for (const tx of sim.chain.ledgerTransactions(seq) ?? []) n += tx.events.filter((e) => e.contractId === sim.contractId).length;
  }
  return n;
};
/** A proxy's upstream call and its answer to the client. */
const upstream = async (sim: Simnet, body: string): Promise<any> =>
  (await fetch(sim.url, { method: "POST", headers: { "content-type": "application/json" }, body })).json();
const reply = (res: ServerResponse, payload: unknown) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
};
/** An RPC serving all history (one with a datastore) whose tokens are all older than its event window. */
const historySim = async (seed: number, tokens: number): Promise<Simnet> => {
  const sim = await startSimnet({ scenario: { seed, tokens, creators: tokens / 4, historyLedgers: 3_000, retentionLedgers: 500 }, ledgersFromDatastore: true });
  sim.chain.advance(sim.chain.retentionLedgers);
  return sim;
};
const rowsOf = (sim: Simnet, tokens: SimToken[]) => [...tokens].sort((a, b) => a.id - b.id).map((t) => expectedRow(t, sim.contractId));

describe("backfill through a getLedgers provider that caps its pages", () => {
  let sim: Simnet;
  let proxy: LocalServer;
  const CUT = 23;

  beforeAll(async () => {
    sim = await historySim(33, 24);
    // A provider that answers at most CUT ledgers a page, whatever the limit asked (no error).
    proxy = await startLocalServer(async (req, res) => {
      const answer = (await upstream(sim, req.body)) as { result?: { ledgers?: Array<{ sequence: number }>; cursor?: string } };
      const r = answer.result;
      if (JSON.parse(req.body).method === "getLedgers" && r?.ledgers && r.ledgers.length > CUT) {
        r.ledgers = r.ledgers.slice(0, CUT);
        r.cursor = String(r.ledgers.at(-1)!.sequence);
      }
      reply(res, answer);
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  const expectExact = async (db: TestDatabase, s: BackfillJson, from: number, to: number) => {
    expect(s).toMatchObject({ fromLedger: from, toLedger: to, ledgersRead: to - from + 1, gaps: [] });
    expect(s.factoryEvents).toBe(factoryEventsIn(sim, from, to));
    expect(s.sync.missingIds).toEqual([]);
    expect(await tokenRows(db)).toEqual(rowsOf(sim, sim.chain.tokens));
  };

  it("refused above 37 (stellar-rpc's max-ledgers-limit): learns the cap, pages with it, reads every ledger", async () => {
    const db = await fresh();
    const from = sim.chain.firstLedger;
    const to = sim.chain.latestLedger;
    sim.setMaxLedgersLimit(37);
    sim.resetCounters();
    try {
      const r = await backfillCli(sim, db, ["--ledgers-rpc", sim.url, "--from-ledger", String(from), "--to-ledger", String(to)]);
      expect(r.code, r.stderr).toBe(0);
      await expectExact(db, JSON.parse(r.stdout) as BackfillJson, from, to);
      // Pages of 37: at least that many requests; the refusals are the first chunks' first asks only.
      expect(sim.counters()["getLedgers"]).toBeGreaterThanOrEqual(Math.ceil((to - from + 1) / 37));
    } finally {
      sim.setMaxLedgersLimit(undefined);
    }
  });

  it(`answered with ${CUT} ledgers whatever the limit: asks again from the next ledger and reads every one`, async () => {
    const db = await fresh();
    const from = sim.chain.firstLedger;
    const to = sim.chain.latestLedger;
    const r = await backfillCli(sim, db, ["--ledgers-rpc", proxy.url, "--from-ledger", String(from), "--to-ledger", String(to), "--allow-http"]);
    expect(r.code, r.stderr).toBe(0);
    await expectExact(db, JSON.parse(r.stdout) as BackfillJson, from, to);
    const pages = proxy.requests.filter((q) => JSON.parse(q.body).method === "getLedgers");
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil((to - from + 1) / CUT));
  });
});

describe("backfill through getLedgers behind a load balancer whose nodes lag", () => {
  let sim: Simnet;
  let proxy: LocalServer;
  const LAG = 2;

  beforeAll(async () => {
    sim = await historySim(35, 12);
    // The range's last pages land first on a node LAG ledgers behind: it answers up to its own latest, then
    // refuses a start above it as stellar-rpc does (-32600 with its own range); the third ask reaches a node
    // that has caught up.
    let lagged = 0;
    proxy = await startLocalServer(async (req, res) => {
      const body = JSON.parse(req.body) as { id: number; method: string; params?: { startLedger?: number; pagination?: { limit?: number } } };
      const latest = sim.chain.latestLedger;
      const behind = latest - LAG;
      const start = body.params?.startLedger ?? 0;
      const page = body.method === "getLedgers" && (body.params?.pagination?.limit ?? 0) > 1;
      let forward = req.body;
      if (page && start > behind && lagged < 2) {
        lagged++;
        reply(res, { jsonrpc: "2.0", id: body.id, error: { code: -32600, message: `start ledger must be between the oldest ledger: ${sim.chain.firstLedger} and the latest ledger: ${behind} for this rpc instance` } });
        return;
      }
      if (page && start <= behind && start + (body.params!.pagination!.limit! - 1) > behind && lagged === 0) {
        forward = JSON.stringify({ ...body, params: { ...body.params, pagination: { limit: behind - start + 1 } } });
      }
      const answer = (await upstream(sim, forward)) as { result?: { latestLedger?: number } };
      if (forward !== req.body && answer.result) answer.result.latestLedger = behind; // the lagging node's own latest
      reply(res, answer);
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it("a start above the answering node's latest ledger is waited for: every ledger read, exit 0, no warning", async () => {
    const db = await fresh();
    const from = sim.chain.firstLedger;
    const to = sim.chain.latestLedger;
    const r = await backfillCli(sim, db, ["--ledgers-rpc", proxy.url, "--from-ledger", String(from), "--to-ledger", String(to), "--allow-http"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as BackfillJson;
    expect(s).toMatchObject({ fromLedger: from, toLedger: to, ledgersRead: to - from + 1, gaps: [] });
    expect(s.factoryEvents).toBe(factoryEventsIn(sim, from, to));
    expect(await tokenRows(db)).toEqual(rowsOf(sim, sim.chain.tokens));
    expect(r.stderr).not.toMatch(/warning: backfill/);
    // The lagging node was met: two refusals above its latest ledger.
    const refusedAbove = proxy.requests.filter((q) => {
      const b = JSON.parse(q.body);
      return b.method === "getLedgers" && (b.params?.pagination?.limit ?? 0) > 1 && b.params.startLedger > to - LAG;
    });
    expect(refusedAbove.length).toBeGreaterThanOrEqual(3);
  });
});

describe("backfill through getLedgers while the RPC's window slides during paging", () => {
  let sim: Simnet;
  let gapToken: SimToken;
  let lateToken: SimToken;
  const SLIDE = 600;

  beforeAll(async () => {
    // A window-only RPC (no datastore), pages capped at 50 so that the range takes many requests.
    sim = await startSimnet({ scenario: { seed: 34, tokens: 12, creators: 4, historyLedgers: 4_000, retentionLedgers: 2_000 }, maxLedgersLimit: 50 });
    const chain = sim.chain;
    chain.advance(chain.retentionLedgers); // the scenario's tokens are all older than the window
    gapToken = chain.launchToken(); // a new creator's only token: about 300 ledgers into the window
    chain.advance(400);
    lateToken = chain.launchToken(); // about 700 into the window: still served after the slide
    chain.advance(chain.retentionLedgers - 300 - 401);
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("ledgers that slid out are reported as a gap, reading goes on from the new oldest ledger, exit 2, cursor kept at the gap", async () => {
    const db = await fresh();
    const from = sim.chain.oldestLedger;
    const to = sim.chain.latestLedger;
    expect(gapToken.launchLedger - from).toBeGreaterThan(100);
    expect(gapToken.launchLedger).toBeLessThan(from + SLIDE);
    expect(lateToken.launchLedger).toBeGreaterThan(from + SLIDE);
    // Requests 1-2 probe from and to, 3 is refused (limit 200 > 50); 4 and 5 read from..from+99. Before the 6th,
    // the window slides by SLIDE ledgers.
    let slidAt: number | undefined;
    sim.resetCounters();
    sim.setRequestHook((method, count) => {
      if (method !== "getLedgers" || count !== 6) return;
      sim.chain.advance(SLIDE);
      slidAt = sim.chain.oldestLedger;
    });
    let r;
    try {
      r = await backfillCli(sim, db, ["--ledgers-rpc", sim.url, "--from-ledger", String(from), "--to-ledger", String(to), "--download-concurrency", "1"]);
    } finally {
      sim.setRequestHook(undefined);
    }
    expect(slidAt).toBe(from + SLIDE);
    expect(r.code, r.stderr).toBe(2);
    const s = JSON.parse(r.stdout) as BackfillJson;
    expect(s.gaps).toEqual([{ from: from + 100, to: from + SLIDE - 1, reason: `the RPC at ${sim.url} no longer serves them (its oldest ledger became ${from + SLIDE} while the range was read)` }]);
    expect(s).toMatchObject({ fromLedger: from, toLedger: to, ledgersRead: to - from + 1 - (SLIDE - 100) });
    expect(s.factoryEvents).toBe(factoryEventsIn(sim, from, to, [[from, from + 99], [from + SLIDE, to]]));
    expect(r.stderr).toContain(`backfill: ledgers ${from + 100}..${from + SLIDE - 1} not read: the RPC at ${sim.url} no longer serves them`);
    // What was readable is stored exactly; the token launched in the gap is reported missing, not claimed.
    expect(await tokenRows(db)).toEqual(rowsOf(sim, [lateToken]));
    expect(s.sync.missingIds).toContain(gapToken.id);
    const cursor = await db.sql<{ next_ledger: string }>("SELECT next_ledger::text FROM backfill_state");
    expect(cursor).toEqual([{ next_ledger: String(from + 100) }]);
  });
});
