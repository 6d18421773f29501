// Resilience, part 1: the fault matrix. The real CLI syncs through a simulator that fails up to 30% of
// requests in each way a Stellar RPC (or the network in front of it) fails; the database must end up
// exactly as a fault-free run leaves it, and the summary must show the retries (with jittered backoff,
// stretched to a 429's Retry-After).
//
// And a run that cannot make progress (the RPC fails everything, is not there, or stops answering after
// preflight) stops with exit 1 and a clear reason within the retry policy's bounds (8 retries, 120 s per
// request), instead of spending a full retry budget on every remaining request. Those runs wait out the
// real policy (about 40 s each, nearly idle), so they start before the matrix and are checked after it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultInjector, type FaultOptions } from "../simnet/faults.ts";
import { startSimnet, type FaultKind, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { freshDatabases, type Backend, type TestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { retryLines, summary, total, truthRows } from "../support/resilience.ts";
import { closedPort } from "../support/local-http.ts";

const ALL_KINDS: FaultKind[] = ["http429", "http503", "http504", "rpc32001", "rpc32003", "truncated", "reset", "hang"];

/** What the client's retry warning says for each kind (stderr: "<method> failed (<reason>); retry ..."). */
const REASON: Record<string, RegExp> = {
  http429: /HTTP 429 .*Retry-After 1000 ms/,
  http503: /HTTP 503/,
  http504: /HTTP 504/,
  rpc32001: /JSON-RPC error -32001/,
  rpc32003: /JSON-RPC error -32003/,
  truncated: /malformed response body|network error/,
  reset: /network error/,
  hang: /no complete response within 500 ms/,
};

/** The retry reason's kind (REASON's patterns overlap where a truncated body reads as a network error). */
function reasonKind(reason: string): string {
  if (/malformed response body/.test(reason)) return "truncated";
  if (/network error/.test(reason)) return "reset";
  return Object.keys(REASON).find((k) => REASON[k]!.test(reason)) ?? `unexpected: ${reason}`;
}

/** How many of each kind the simulator injected into its first `requests` requests: the injector is seeded. */
function injectedFaults(options: FaultOptions, requests: number): Record<string, number> {
  const replay = new FaultInjector(options);
  const out: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const kind = replay.pick([]);
    if (kind) out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

function tally(kinds: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of kinds) out[k] = (out[k] ?? 0) + 1;
  return out;
}

const STATE_SQL = `SELECT contract_id, network_passphrase, last_ledger::text, last_ledger_hash FROM sync_state`;
const CREATORS_SQL = `SELECT address, source::text, token_count FROM creators ORDER BY address`;

let sim: Simnet;
let baseline: { rows: Record<string, string>[]; creators: unknown[]; state: unknown[]; requests: number };
const freshDb = freshDatabases();

beforeAll(async () => {
  sim = await startSimnet({ scenario: { seed: 61, tokens: 60, creators: 15 } });
  startNoProgressRuns();
  // The reference: a fault-free run.
  const db = await freshDb("postgres");
  const r = await runCli(["--json", "--timeout", "500"], { env: cliEnv(sim, db) });
  expect(r.code, r.stderr).toBe(0);
  baseline = {
    rows: await tokenRows(db),
    creators: await db.sql(CREATORS_SQL),
    state: await db.sql(STATE_SQL),
    // Requests a run needs: a busy machine can make even this run retry a timed-out request.
    requests: total(summary(r).rpcRequests) - retryLines(r.stderr).length,
  };
  expect(baseline.rows).toEqual(truthRows(sim));
});

afterAll(async () => {
  await Promise.allSettled(Object.values(noProgress));
  for (const close of closers) await close();
  await sim?.close();
});

// Seed 3418 injects all eight kinds within its first 20 requests (a run sends at least 22), nine faults in all.
const MIXED_SEED = 3418;
const cases: { name: string; kinds: FaultKind[]; backend: Backend; seed: number }[] = [
  ...ALL_KINDS.map((kind, i) => ({ name: kind, kinds: [kind], backend: "postgres" as const, seed: 1031 + i })),
  { name: "every kind mixed", kinds: ALL_KINDS, backend: "postgres", seed: MIXED_SEED },
  { name: "every kind mixed", kinds: ALL_KINDS, backend: "pglite", seed: MIXED_SEED },
];

// 429s wait out Retry-After: 1 s each, so they come at half the rate to keep the suite quick.
const rateOf = (kinds: FaultKind[]) => (kinds.length === 1 && kinds[0] === "http429" ? 0.15 : 0.3);

describe.each(cases)("a share of requests fails with $name on $backend", ({ kinds, backend, seed }) => {
  it(`(${Math.round(rateOf(kinds) * 100)}%) ends with the fault-free run's database, exit 0, and a summary that counts the retries`, async () => {
    const db = await freshDb(backend);
    const faults: FaultOptions = { rate: rateOf(kinds), kinds, seed };
    sim.setFaults(faults);
    sim.resetCounters();
    let r;
    try {
      r = await runCli(["--json", "--timeout", "500"], { env: cliEnv(sim, db) });
    } finally {
      sim.setFaults(undefined);
    }
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s.failed).toEqual([]);
    expect(s.missingIds).toEqual([]);

    // The same database as without faults, and the chain's truth.
    expect(await tokenRows(db)).toEqual(truthRows(sim));
    expect(await tokenRows(db)).toEqual(baseline.rows);
    expect(await db.sql(CREATORS_SQL)).toEqual(baseline.creators);
    expect(await db.sql(STATE_SQL)).toEqual(baseline.state);
    const runs = await db.sql<{ outcome: string; synced: number }>(`SELECT outcome::text, synced FROM sync_runs`);
    expect(runs).toEqual([{ outcome: "SUCCEEDED", synced: sim.chain.tokens.length }]);

    // The retries happened, for the injected reasons, and the summary counts every request sent.
    const retries = retryLines(r.stderr);
    // Every injected fault, replayed from the seed over the requests the simulator received, is one retry of its
    // kind. A busy machine may time out a request that was not faulted: a surplus of timeouts is all it may add.
    const injected = injectedFaults(faults, total(sim.counters()));
    const retried = tally(retries.map((l) => reasonKind(l.reason)));
    const spuriousTimeouts = Math.max(0, (retried.hang ?? 0) - (injected.hang ?? 0));
    expect(retried).toEqual({ ...injected, ...(spuriousTimeouts > 0 ? { hang: (injected.hang ?? 0) + spuriousTimeouts } : {}) });
    expect(Object.keys(injected).sort(), "the seed injects every kind asked for").toEqual([...kinds].sort());
    expect(total(s.rpcRequests)).toBeGreaterThan(baseline.requests);
    expect(total(s.rpcRequests)).toBe(total(sim.counters()));
    expect(total(s.rpcRequests)).toBeGreaterThanOrEqual(baseline.requests + retries.length);

    // Retry waits: jittered exponential backoff from 250 ms, stretched to a 429's Retry-After (1 s).
    for (const line of retries) {
      if (/HTTP 429/.test(line.reason)) expect(line.delayMs).toBeGreaterThanOrEqual(1000);
      else if (line.attempt === 1) {
        expect(line.delayMs).toBeGreaterThanOrEqual(250);
        expect(line.delayMs).toBeLessThanOrEqual(500);
      }
    }
    const firstDelays = retries.filter((l) => l.attempt === 1 && !/HTTP 429/.test(l.reason)).map((l) => l.delayMs);
    // Only a 429 fixes its wait (Retry-After); every other kind's first retries are jittered.
    if (kinds.some((k) => k !== "http429")) {
      expect(firstDelays.length).toBeGreaterThanOrEqual(4);
      expect(new Set(firstDelays).size, "jitter: first retries all waited the same").toBeGreaterThan(1);
    } else {
      expect(firstDelays).toEqual([]);
    }
  });
});

// ---- runs that cannot make progress ----

// The client's policy: 8 retries (9 attempts) per request, at most 120 s per request. Its waits are 250 ms
// doubling, jittered up to x2, capped at 10 s: one request's budget is 36 to 48 s.
const BOUND_MS = 125_000;
const ONE_BUDGET_MS = 65_000;

interface Outcome {
  r: CliResult;
  elapsed: number;
  counters: Record<string, number>;
  db: TestDatabase;
}
const noProgress: Record<string, Promise<Outcome>> = {};
const closers: (() => Promise<void>)[] = [];

function startNoProgressRuns(): void {
  const run = async (rpc: Simnet | null, extra: Record<string, string>, args: string[] = []): Promise<Outcome> => {
    const db = await freshDb("postgres");
    const started = Date.now();
    const r = await runCli(["--json", ...args], { env: { ...cliEnv(rpc ?? sim, db), ...extra }, timeoutMs: BOUND_MS });
    return { r, elapsed: Date.now() - started, counters: rpc?.counters() ?? {}, db };
  };
  const settle = (p: Promise<Outcome>) => {
    p.catch(() => {}); // awaited by its test; this only keeps an early failure from being "unhandled"
    return p;
  };
  noProgress.dead = settle(
    (async () => {
      const dead = await startSimnet({
        scenario: { seed: 5, tokens: 5, creators: 2 },
        faults: { rate: 1, kinds: ["http503", "rpc32001", "reset", "truncated"], seed: 3 },
      });
      closers.push(() => dead.close());
      return run(dead, {}, ["--timeout", "500"]);
    })(),
  );
  noProgress.absent = settle(
    (async () => {
      const port = await closedPort();
      return { ...(await run(null, { RPC_URL: `http://127.0.0.1:${port}/` })), counters: { port } };
    })(),
  );
  noProgress.stopsAnswering = settle(
    (async () => {
      const broken = await startSimnet({
        scenario: { seed: 61, tokens: 60, creators: 15 },
        faults: { rate: 1, kinds: ["http503"], methods: ["getLedgerEntries"], seed: 4 },
      });
      closers.push(() => broken.close());
      return run(broken, {});
    })(),
  );
}

describe("a run that cannot make progress stops with exit 1 and a clear reason", () => {
  it("every request fails: preflight gives up after 9 attempts, within one request's budget", async () => {
    const { r, elapsed, counters } = await noProgress.dead!;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    expect(elapsed).toBeLessThan(ONE_BUDGET_MS);
    expect(r.stderr).toMatch(/^sync-tokens: error: http:\/\/127\.0\.0\.1:\d+\/ does not answer as a Stellar RPC: getNetwork failed: .*gave up after 9 attempts\)$/m);
    // getNetwork, getHealth and getLatestLedger go out together; once one has spent its budget the client gives up on all.
    expect(Object.keys(counters).sort()).toEqual(["getHealth", "getLatestLedger", "getNetwork"]);
    expect(Math.max(counters.getNetwork ?? 0, counters.getHealth ?? 0, counters.getLatestLedger ?? 0)).toBe(9);
    expect((counters.getNetwork ?? 0) + (counters.getHealth ?? 0) + (counters.getLatestLedger ?? 0)).toBeLessThanOrEqual(27);
    expect(retryLines(r.stderr).length).toBeGreaterThanOrEqual(8);
    expect(retryLines(r.stderr).length).toBeLessThanOrEqual(24);
  }, BOUND_MS);

  it("nothing listens at the RPC URL: exit 1 naming the endpoint", async () => {
    const { r, elapsed, counters } = await noProgress.absent!;
    expect(r.code, r.stderr).toBe(1);
    expect(elapsed).toBeLessThan(ONE_BUDGET_MS);
    expect(r.stderr).toMatch(
      new RegExp(`^sync-tokens: error: http://127\\.0\\.0\\.1:${counters.port}/ does not answer as a Stellar RPC: .*ECONNREFUSED.*gave up after 9 attempts`, "m"),
    );
  }, BOUND_MS);

  it("the RPC stops answering after preflight: exit 1 after one request's budget, nothing half done, no cursor", async () => {
    const { r, elapsed, counters, db } = await noProgress.stopsAnswering!;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^sync-tokens: error: .*getLedgerEntries: HTTP 503.*gave up after 9 attempts/m);
    expect(r.stderr, "a clear reason, not a crash").not.toMatch(/unexpected failure/);
    // One request's retry budget, not one per batch or per phase. Two readers use getLedgerEntries side by side (the
    // creators' lists, read while the events are, and the tokens), each request at most 9 attempts; once one has
    // tried for its whole budget with nothing answering, no other request is sent.
    expect(counters.getLedgerEntries).toBeGreaterThanOrEqual(9);
    expect(counters.getLedgerEntries).toBeLessThanOrEqual(18);
    expect(elapsed).toBeLessThan(ONE_BUDGET_MS);
    expect(await db.sql(`SELECT * FROM sync_state`)).toEqual([]);
    const runs = await db.sql<{ outcome: string; error: string }>(`SELECT outcome::text, error FROM sync_runs`);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.outcome).toBe("FAILED");
    expect(runs[0]!.error).toMatch(/getLedgerEntries/);
  }, BOUND_MS);
});
