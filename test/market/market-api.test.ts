// The market's REST routes (issue 22) against the simulator's truth, on PostgreSQL and PGlite: every trade of a busy
// token through keyset pages in both orders, and every candle at every interval with exact prices.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { http, startInProcess, strangerContract, type InProcessLive } from "../support/live.ts";
import { waitFor } from "../support/wait.ts";
import { expectedTrade, marketFields, priceText, tradeRows, truthCandles } from "../support/market-truth.ts";

const INTERVALS = { "1m": 60, "5m": 300, "15m": 900, "1h": 3_600, "4h": 14_400, "1d": 86_400 } as const;

/** About 700 trades of one token over more than a day, buys and sells, in the retention window. */
function busyToken(sim: Simnet): SimToken {
  const chain = sim.chain;
  const t = chain.launchToken({ name: "Busy", symbol: "BUSY" });
  for (let i = 0; i < 700; i++) {
    chain.advance(chain.rng.int(0, 60));
    if (i > 10 && chain.rng.chance(0.3)) chain.sell(t, t.bondingCurve.tokensSold / BigInt(chain.rng.int(5, 40)));
    else chain.buy(t, BigInt(chain.rng.int(1_000_000, 200_000_000)));
  }
  chain.advance(3);
  return t;
}

describe.each(backends)("market routes on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let live: InProcessLive;
  let busy: SimToken;

  beforeAll(async () => {
    // The history ends about 30 h ago, so that the busy token's trades (over about 30 h) reach to about now.
    const firstCloseTime = Math.floor(Date.now() / 1000) - (20_000 * 5 + 30 * 3_600);
    sim = await startSimnet({ scenario: { seed: 81, tokens: 20, creators: 5, historyLedgers: 20_000, retentionLedgers: 60_000, tradesInWindow: 100, firstCloseTime } });
    busy = busyToken(sim);
    db = await createTestDatabase(backend);
    live = await startInProcess(sim, db);
    const inWindow = sim.chain.trades.filter((t) => t.ledger >= sim.chain.oldestLedger).length;
    await waitFor("every trade stored", async () => (await tradeRows(db)).length === inWindow, 120_000, 200);
  });
  afterAll(async () => {
    await live?.stop();
    await sim?.close();
    await db?.drop();
  });

  it("pages through every trade of a token, newest first and oldest first, with exact amounts and prices", async () => {
    const truth = sim.chain.tradesOf(busy);
    expect(truth.length).toBeGreaterThan(600);
    for (const order of ["desc", "asc"] as const) {
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const r = await http(`${live.url}/api/tokens/${busy.tokenAddress}/trades?order=${order}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        const body = r.json as { trades: Record<string, unknown>[]; nextCursor: string | null };
        seen.push(...body.trades);
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      const expected = (order === "asc" ? truth : [...truth].reverse()).map((t) => {
        const row = expectedTrade(t);
        return {
          eventId: t.eventId,
          ledger: t.ledger,
          closedAt: new Date(t.closeTime * 1000).toISOString().replace(".000Z", "+00:00"),
          txHash: t.txHash,
          side: t.side,
          trader: t.trader,
          xlmAmount: row["xlm_amount"],
          tokenAmount: row["token_amount"],
          fee: row["fee"],
          priceBefore: row["price_before"],
          priceAfter: row["price_after"],
          price: priceText(t.xlmAmount, t.tokenAmount).text,
        };
      });
      expect(seen, order).toEqual(expected);
    }
  });

  it("serves every candle of a busy token at every interval, empty intervals left out", async () => {
    const truth = sim.chain.tradesOf(busy);
    const from = truth[0]!.closeTime - 1;
    const to = truth.at(-1)!.closeTime + 1;
    expect(to - from).toBeGreaterThan(86_400);
    for (const [interval, seconds] of Object.entries(INTERVALS)) {
      const r = await http(`${live.url}/api/tokens/${busy.tokenAddress}/candles?interval=${interval}&from=${from}&to=${to}`);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const expected = truthCandles(truth, seconds, from, to);
      expect((r.json as { candles: unknown[] }).candles, interval).toEqual(expected);
      if (seconds === 60) expect(expected.length).toBeGreaterThan(300);
    }
    // Exact prices: the text of a non-terminating quotient carries at least 18 significant digits.
    const r = await http(`${live.url}/api/tokens/${busy.tokenAddress}/candles?interval=1d&from=${from}&to=${to}`);
    for (const c of (r.json as { candles: { open: string }[] }).candles) {
      expect(c.open.replace(/^[0.]+/, "").replace(".", "").length).toBeGreaterThanOrEqual(18);
    }
    // A range given as ISO 8601 times reads the same candles.
    const iso = await http(`${live.url}/api/tokens/${busy.tokenAddress}/candles?interval=4h&from=${new Date(from * 1000).toISOString()}&to=${new Date(to * 1000).toISOString()}`);
    expect((iso.json as { candles: unknown[] }).candles).toEqual(truthCandles(truth, 14_400, from, to));
  });

  it("lists each token's 24 h volume, price change and last trade, and sorts by the volume", async () => {
    const listed = async () => {
      const before = Date.now();
      const r = await http(`${live.url}/api/tokens?sort=volume_24h&limit=100`);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      return { before, after: Date.now(), tokens: (r.json as { tokens: Record<string, unknown>[] }).tokens };
    };
    const from = sim.chain.oldestLedger;
    let checked = false;
    // now() moves while the request runs: retry when a trade's time lies between the two ends of the request.
    for (let attempt = 0; attempt < 5 && !checked; attempt++) {
      const { before, after, tokens } = await listed();
      const early = marketFields(sim, from, Math.floor(before / 1000));
      const late = marketFields(sim, from, Math.ceil(after / 1000));
      if (JSON.stringify(early) !== JSON.stringify(late)) continue;
      const got = tokens.map((t) => ({ address: t["address"], volume24hXlm: t["volume24hXlm"], priceChange24h: t["priceChange24h"], lastTradeAt: t["lastTradeAt"] }));
      expect(got).toEqual(early);
      checked = true;
    }
    expect(checked).toBe(true);
    const busyRow = (await listed()).tokens[0]!;
    expect(busyRow["address"]).toBe(busy.tokenAddress);
    expect(BigInt(busyRow["volume24hXlm"] as string)).toBeGreaterThan(0n);

    // Pages of 7 by cursor list the same tokens in the same order as one page (when no trade crossed the 24 h edge).
    let paged = false;
    for (let attempt = 0; attempt < 5 && !paged; attempt++) {
      const before = Math.floor(Date.now() / 1000);
      const whole = (await listed()).tokens.map((t) => t["address"]);
      const pages: unknown[] = [];
      let cursor: string | null = null;
      do {
        const r = await http(`${live.url}/api/tokens?sort=volume_24h&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        const body = r.json as { tokens: { address: string }[]; nextCursor: string | null };
        pages.push(...body.tokens.map((t) => t.address));
        cursor = body.nextCursor;
      } while (cursor);
      if (JSON.stringify(marketFields(sim, from, before)) !== JSON.stringify(marketFields(sim, from, Math.ceil(Date.now() / 1000)))) continue;
      expect(pages).toEqual(whole);
      paged = true;
    }
    expect(paged).toBe(true);
  });

  it("answers a bad query with 400 naming the value, and an unknown token with 404", async () => {
    const base = `${live.url}/api/tokens/${busy.tokenAddress}`;
    const cases: [string, number, RegExp][] = [
      [`${base}/candles?interval=2m`, 400, /interval must be one of 1m, 5m, 15m, 1h, 4h, 1d, got "2m"/],
      [`${base}/candles?interval=1m&from=0&to=99999999`, 400, /spans more than/],
      [`${base}/candles?from=yesterday`, 400, /from must be unix seconds or an ISO 8601 time, got "yesterday"/],
      [`${base}/candles?from=20&to=10`, 400, /from \(20\) must be before to \(10\)/],
      [`${base}/trades?limit=0`, 400, /limit must be an integer from 1 to 100, got "0"/],
      [`${base}/trades?cursor=abc`, 400, /cursor "abc" is not valid/],
      [`${base}/trades?order=up`, 400, /order must be asc or desc, got "up"/],
      [`${base}/trades?sort=x`, 400, /unknown query parameter "sort"/],
      [`${live.url}/api/tokens/GABC/trades`, 400, /token address/],
      [`${live.url}/api/tokens/${strangerContract(9)}/candles`, 404, /is not in the database/],
    ];
    for (const [url, status, message] of cases) {
      const r = await http(url);
      expect(r.status, url).toBe(status);
      expect((r.json as { error: { code: string; message: string } }).error.message, url).toMatch(message);
    }
  });
});
