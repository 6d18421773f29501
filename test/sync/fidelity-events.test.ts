// The event scan against stellar-rpc's rules on a real network (issue 9): a window busier than one
// page, a provider's lower page cap, and a retention window that slides while the run reads it.
// End to end through the CLI; every stored field is compared with the simulator's ground truth.
import { describe, expect, it } from "vitest";
import type { SimEvent, Simnet } from "../simnet/index.ts";
import { LEDGER_SCAN_LIMIT } from "../simnet/methods/get-events.ts";
import { rawResult, rawRpc } from "../simnet/testing.ts";
import type { CliResult } from "../support/cli.ts";
import { backends, createTestDatabase } from "../support/databases.ts";
import { tokenRows } from "../support/expect-rows.ts";
import { syncJson, withSimnetAndDatabase } from "../support/fidelity.ts";
import { summary, truthRows } from "../support/resilience.ts";

/** The factory events the chain retains in ledgers from..to, inclusive. */
function factoryEvents(sim: Simnet, from: number, to: number) {
  return sim.chain.retainedEvents({ factoryOnly: true }).filter((e) => e.ledger >= from && e.ledger <= to);
}

/** Every token the factory's events in from..to name: what the run's event strategy must find. */
function tokensNamed(sim: Simnet, from: number, to: number): number {
  return new Set(factoryEvents(sim, from, to).flatMap((e) => (e.token && sim.chain.tokenByAddress(e.token) ? [e.token] : []))).size;
}

/** The most factory events any one getEvents scan (10,000 ledgers, from `from`) of the run had to page through. */
function busiestScan(sim: Simnet, from: number, to: number): number {
  let most = 0;
  for (let start = from; start <= to; start += LEDGER_SCAN_LIMIT) {
    most = Math.max(most, factoryEvents(sim, start, Math.min(to, start + LEDGER_SCAN_LIMIT - 1)).length);
  }
  return most;
}

/** The sync's getEvents page: events per request (src/discovery/events.ts PAGE_SIZE). */
const PAGE = 2_000;

/**
 * The getEvents pages the sync asks for over from..to: per range of 10,000 ledgers, whole pages of PAGE events, then
 * the one that ends the range (short or empty).
 */
function pagesOf(sim: Simnet, from: number, to: number): SimEvent[][] {
  const pages: SimEvent[][] = [];
  for (let start = from; start <= to; start += LEDGER_SCAN_LIMIT) {
    const events = factoryEvents(sim, start, Math.min(to, start + LEDGER_SCAN_LIMIT - 1)).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (let i = 0; i <= events.length; i += PAGE) pages.push(events.slice(i, i + PAGE));
  }
  return pages;
}

/** The run's own count, from its log line "events: N factory events in ledgers A..B". */
function eventsRead(r: CliResult): { events: number; from: number; to: number } {
  const m = /^events: (\d+) factory events in ledgers (\d+)\.\.(\d+)/m.exec(r.stderr);
  if (!m) throw new Error(`no events line in stderr:\n${r.stderr}`);
  return { events: Number(m[1]), from: Number(m[2]), to: Number(m[3]) };
}

describe.each(backends)("the event scan on a real network's terms, on %s", (backend) => {
  it("pages through a window busier than a page on first, incremental, --full and gap runs: no event lost", async () => {
    // 5,200 buys in 1,300 ledgers: 10,400 factory events in the window's last scan.
    const scenario = { seed: 31, tokens: 30, creators: 8, historyLedgers: 30_000, retentionLedgers: 12_000, denseTrading: { ledgers: 1300, tradesPerLedger: 4 } };
    await withSimnetAndDatabase(backend, { scenario }, async (sim, db) => {
      // The rule the old paging broke: a page after the first carries the cursor alone.
      const page = await rawResult(sim.url, "getEvents", { startLedger: sim.chain.oldestLedger, pagination: { limit: 10 } });
      const both = await rawRpc(sim.url, "getEvents", { endLedger: sim.chain.latestLedger, pagination: { cursor: page.cursor, limit: 10 } });
      expect(both.error).toEqual({ code: -32602, message: "ledger ranges and cursor cannot both be set" });

      const expectRun = async (r: CliResult, label: string) => {
        expect(r.code, `${label}: ${r.stderr}`).toBe(0);
        const s = summary(r);
        const { from, to } = s.cursor as { from: number; to: number };
        expect(busiestScan(sim, from, to), `${label}: a scan of the run holds more than a page`).toBeGreaterThan(10_000);
        expect(s.discovered.events, label).toBe(tokensNamed(sim, from, to));
        // Every factory event of the range counted, in exactly the pages it takes: a page lost or read twice shows.
        expect(eventsRead(r), label).toEqual({ events: factoryEvents(sim, from, to).length, from, to });
        expect(s.rpcRequests.getEvents, label).toBe(pagesOf(sim, from, to).length);
        expect(s.missingIds, label).toEqual([]);
        expect(await tokenRows(db), label).toEqual(truthRows(sim));
        return s;
      };

      const first = await expectRun(await syncJson(sim, db), "first run");
      expect(first.cursor.from).toBe(sim.chain.oldestLedger);

      // Some tokens trade only at the end of the range: their events come on the last page alone. Others trade only
      // between two runs of busy ledgers: their events come on one middle page alone.
      const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding");
      const late = bonding.slice(0, 3);
      const middle = bonding.slice(3, 6);
      const busy = bonding.slice(6);
      const busyRange = () => {
        sim.chain.tradeBurst({ ledgers: 400, tradesPerLedger: 6, tokens: busy });
        sim.chain.tradeBurst({ ledgers: 10, tradesPerLedger: 1, tokens: middle });
        sim.chain.tradeBurst({ ledgers: 432, tradesPerLedger: 6, tokens: busy });
        sim.chain.tradeBurst({ ledgers: 40, tradesPerLedger: 6, tokens: late });
      };
      /** The indexes of the run's pages that name any of `tokens`. */
      const pagesNaming = (tokens: typeof bonding, from: number, to: number) => {
        const ids = new Set(tokens.map((t) => t.tokenAddress));
        return pagesOf(sim, from, to).flatMap((page, i) => (page.some((e) => e.token !== undefined && ids.has(e.token)) ? [i] : []));
      };
      busyRange();
      const incremental = await expectRun(await syncJson(sim, db), "incremental run");
      expect(incremental.cursor.from).toBe(first.cursor.to! + 1);
      const range = [incremental.cursor.from!, incremental.cursor.to!] as const;
      expect(pagesOf(sim, ...range)).toHaveLength(6);
      expect(pagesNaming(middle, ...range)).toEqual([2]);
      expect(pagesNaming(late, ...range)).toEqual([5]);

      await expectRun(await syncJson(sim, db, ["--full"]), "--full run");

      sim.chain.advance(sim.chain.retentionLedgers + 10);
      busyRange();
      const gap = await syncJson(sim, db);
      expect(gap.stderr).toMatch(/events from ledger \d+ to \d+ were missed/);
      await expectRun(gap, "gap run");

    });
  }, 240_000);

  it("a provider's page cap (-32602 limit must not exceed 1000) is used, not fatal: more than ten pages of one range, no event lost", async () => {
    const scenario = { seed: 32, tokens: 25, creators: 6, historyLedgers: 30_000, retentionLedgers: 12_000, denseTrading: { ledgers: 1300, tradesPerLedger: 4 } };
    await withSimnetAndDatabase(backend, { scenario, maxEventsLimit: 1000 }, async (sim, db) => {
      const refused = await rawRpc(sim.url, "getEvents", { startLedger: sim.chain.oldestLedger, pagination: { limit: 10_000 } });
      expect(refused.error).toEqual({ code: -32602, message: "limit must not exceed 1000" });
      // Launched after the burst: named on the range's last page only, by creators nobody knows.
      sim.chain.launchToken();
      sim.chain.launchToken();
      sim.resetCounters();
      const r = await syncJson(sim, db);
      expect(r.code, r.stderr).toBe(0);
      const s = summary(r);
      expect(busiestScan(sim, s.cursor.from!, s.cursor.to!)).toBeGreaterThan(10 * 1000);
      // The refused first request, then at least ten pages of the busy range alone.
      expect(sim.counters().getEvents).toBeGreaterThanOrEqual(11);
      expect(s.discovered.events).toBe(tokensNamed(sim, s.cursor.from!, s.cursor.to!));
      expect(s.missingIds).toEqual([]);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
    });
  }, 120_000);

  it("a retention window that slides past the cursor while a range is paged: every event read or named as slid out, the rest of the range read, the cursor at its end, rows exact", async () => {
    const scenario = { seed: 34, tokens: 24, creators: 6, hostile: false, historyLedgers: 6_000, retentionLedgers: 4_000 };
    await withSimnetAndDatabase(backend, { scenario }, async (sim, db) => {
      const first = await syncJson(sim, db);
      expect(first.code, first.stderr).toBe(0);
      const { chain } = sim;
      const from = chain.latestLedger + 1;
      const bonding = chain.tokens.filter((t) => t.status === "Bonding");
      const quiet = bonding.slice(0, 3);
      const busy = bonding.slice(3);
      // Busy tokens for 300 ledgers; then the quiet tokens, in the ledgers the slide takes away (their only trades);
      // then the busy ones again, read after the slide.
      chain.tradeBurst({ ledgers: 300, tradesPerLedger: 8, tokens: busy });
      chain.tradeBurst({ ledgers: 20, tradesPerLedger: 1, tokens: quiet });
      const afterQuiet = chain.latestLedger + 1;
      chain.tradeBurst({ ledgers: 300, tradesPerLedger: 8, tokens: busy });
      const to = chain.latestLedger;
      expect(to - from).toBeLessThan(LEDGER_SCAN_LIMIT); // one range: its pages are the run's only getEvents

      // The pages as the sync asks for them; events are pruned as the window slides, so count them now.
      const events = factoryEvents(sim, from, to).sort((a, b) => (a.id < b.id ? -1 : 1));
      const cursorEvent = events[2 * PAGE - 1]!; // the cursor the third request carries
      const slidOut = events.filter((e) => e.id > cursorEvent.id && e.ledger < afterQuiet).length;
      const rest = events.filter((e) => e.ledger >= afterQuiet).length;
      expect(slidOut).toBeGreaterThan(0);
      // The quiet tokens' events (a buy is two) lie only where the slide takes them.
      const quietIds = new Set(quiet.map((t) => t.tokenAddress));
      const quietEvents = events.filter((e) => e.token !== undefined && quietIds.has(e.token));
      expect(quietEvents).toHaveLength(40);
      expect(quietEvents.filter((e) => e.id <= cursorEvent.id || e.ledger >= afterQuiet)).toEqual([]);

      // As the third getEvents arrives (the run is paging the range by cursor), the window slides past the cursor,
      // to the first ledger after the quiet tokens' trades.
      let slid = false;
      sim.setRequestHook((method, count) => {
        if (method !== "getEvents" || count !== 3) return;
        chain.advance(afterQuiet - chain.oldestLedger);
        slid = true;
      });
      sim.resetCounters();
      const r = await syncJson(sim, db);
      sim.setRequestHook(undefined);
      expect(slid).toBe(true);
      expect(chain.oldestLedger).toBe(afterQuiet);
      expect(cursorEvent.ledger).toBeLessThan(afterQuiet);

      // Not an error (README: exit status, Troubleshooting): exit 0, the slid-out ledgers named exactly.
      expect(r.code, r.stderr).toBe(0);
      const s = summary(r);
      expect(s.warnings.filter((w) => /slid out/.test(w))).toEqual([
        `the RPC's retention window moved while the run read it: ledgers ${cursorEvent.ledger}..${afterQuiet - 1} slid out before they were read; every known creator is rescanned to cover the gap`,
      ]);
      // Every event of the range was read, but those in the ledgers named: two pages, then the rest from the new
      // oldest ledger to the range's end, in whole pages.
      expect(eventsRead(r)).toEqual({ events: 2 * PAGE + rest, from, to });
      expect(2 * PAGE + slidOut + rest).toBe(events.length);
      expect(s.rpcRequests.getEvents).toBe(3 + Math.floor(rest / PAGE) + 1);
      expect(s.cursor).toEqual({ from, to });
      expect(s.missingIds).toEqual([]);
      expect(s.failed).toEqual([]);
      // The quiet tokens changed only where no event is left to say so: the known tokens were read again.
      expect(await tokenRows(db)).toEqual(truthRows(sim));
      const state = await db.sql<{ last_ledger: string }>("SELECT last_ledger::text AS last_ledger FROM sync_state");
      expect(state).toEqual([{ last_ledger: String(to) }]);

      // The next run goes on from the range's end.
      const next = await syncJson(sim, db);
      expect(next.code, next.stderr).toBe(0);
      expect(summary(next).cursor).toEqual({ from: to + 1, to: chain.latestLedger });
      expect(await tokenRows(db)).toEqual(truthRows(sim));
    });
  }, 120_000);

  it("a retention window that slides while a first run reads it: the run recovers, names the ledgers that slid out, stores the truth", async () => {
    // Ledgers close every 250 ms and each answer takes 150 ms: between preflight's getHealth and the
    // first getEvents (two answers and the database's opening later; PGlite's first start alone takes
    // seconds) the window moves. A close much slower than a round trip, as on a real network (5 s).
    const scenario = { seed: 33, tokens: 20, creators: 6, historyLedgers: 3_000, retentionLedgers: 400 };
    await withSimnetAndDatabase(backend, { scenario, ledgerCloseMs: 250, latencyMs: 150 }, async (sim, db) => {
      const oldestAtStart = sim.chain.oldestLedger;
      // Only the dormant creators are configured (cliEnv): the others' tokens are found through the events read and
      // the creators those reveal, not handed over.
      const r = await syncJson(sim, db);
      sim.pause();
      expect(r.code, r.stderr).toBe(0);
      const s = summary(r);
      const slid = s.warnings.filter((w) => /slid out/.test(w));
      expect(slid, r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/slid out/);
      // One ledger reads "ledgers A slid out", more "ledgers A..B": either way the range starts where the run did
      // and ends below the window the run left.
      const [, a, b = a] = /ledgers (\d+)(?:\.\.(\d+))? slid out/.exec(slid[0]!) ?? [];
      expect(a, slid[0]).toBeDefined();
      expect(Number(a)).toBe(s.cursor.from);
      expect(Number(a)).toBeGreaterThanOrEqual(oldestAtStart);
      expect(Number(b)).toBeGreaterThanOrEqual(Number(a));
      expect(Number(b)).toBeLessThan(sim.chain.oldestLedger);
      expect(s.missingIds).toEqual([]);
      expect(s.failed).toEqual([]);
      expect(await tokenRows(db)).toEqual(truthRows(sim));
    });
  }, 120_000);
});
