// The dashboard's token page shows the token's market (issue 22): an inline SVG of its hourly candles over its last
// three days of trading, one per hour with trades, each titled with its exact prices, and its 20 latest trades.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { backends, createTestDatabase } from "../support/databases.ts";
import { startDashboardServer } from "../support/dashboard-server.ts";
import { truthCandles } from "../support/market-truth.ts";

const ADMIN = "market-dashboard-admin-token-0000000";
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe.each(backends)("the token page's market on %s", (backend) => {
  it("draws every hourly candle of the last three days with trades and lists the latest trades", async () => {
    const sim = await startSimnet({ scenario: { seed: 41, tokens: 10, creators: 3, hostile: false } });
    const db = await createTestDatabase(backend);
    cleanups.push(() => sim.close(), () => db.drop());
    const t = sim.chain.launchToken({ name: "Charted", symbol: "CHRT" });
    sim.chain.tradeBurst({ ledgers: 90_000 / 5, tradesPerLedger: 0.02, tokens: [t] }); // ~360 buys over 25 h
    sim.chain.sell(t, t.bondingCurve.tokensSold / 10n);
    const dash = await startDashboardServer({ sim, db, adminToken: ADMIN, pollIntervalMs: 600_000 });
    cleanups.push(async () => void (await dash.close()));
    const login = await fetch(`${dash.url}/login`, { method: "POST", body: new URLSearchParams({ token: ADMIN, next: "/" }), redirect: "manual" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const html = await (await fetch(`${dash.url}/tokens/${t.tokenAddress}`, { headers: { cookie } })).text();

    const trades = sim.chain.tradesOf(t);
    const lastTime = trades.at(-1)!.closeTime;
    const expected = truthCandles(trades, 3_600, lastTime + 1 - 3 * 86_400, lastTime + 1);
    expect(expected.length).toBeGreaterThan(20);
    const chart = /<svg class="chart" id="price-chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
    const titles = [...chart.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!);
    expect(titles.length).toBe(expected.length);
    for (const [i, c] of expected.entries()) expect(titles[i]).toContain(`open ${c["open"]}, high ${c["high"]}, low ${c["low"]}, close ${c["close"]} XLM; ${c["trades"]} trades`);
    const table = /<table id="latest-trades">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    const rows = [...table.matchAll(/<tr><td>/g)];
    expect(rows.length).toBe(20);
    expect(table).toContain(trades.at(-1)!.trader);
    // The sell is the latest: listed first.
    expect(table.indexOf("sell")).toBeGreaterThanOrEqual(0);
    expect(table.indexOf("sell")).toBeLessThan(table.indexOf("buy"));
  }, 240_000);
});
