// The opt-in `trade` webhook event (issue 22), through the CLI on PostgreSQL and PGlite: off by default; with
// --webhook-events ...,trade every trade after the first sync is announced once, signed, with the truth's fields.
import { afterAll, describe, expect, it } from "vitest";
import { startSimnet } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { backends, createTestDatabase } from "../support/databases.ts";
import { expectedTrade } from "../support/market-truth.ts";
import { startReceiver } from "../support/webhook-receiver.ts";
import { testSecret } from "../support/webhook-truth.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe.each(backends)("trade webhooks on %s", (backend) => {
  it("announces each trade once to an endpoint that opted in, and none to one that did not", async () => {
    const sim = await startSimnet({ scenario: { seed: 61, tokens: 20, creators: 5 } });
    const db = await createTestDatabase(backend);
    const secret = testSecret();
    const [opted, plain] = [await startReceiver(secret), await startReceiver(secret)];
    cleanups.push(() => sim.close(), () => db.drop(), () => opted.close(), () => plain.close());
    const run = (url: string, events?: string) =>
      runCli(["--json", ...(events ? ["--webhook-events", events] : [])], { env: cliEnv(sim, db, { WEBHOOK_URLS: url, WEBHOOK_SECRET: secret }) });

    expect((await run(opted.url, "token.added,trade")).code).toBe(0); // the first sync announces nothing
    expect(opted.attempts).toEqual([]);
    const before = sim.chain.trades.length;
    const t = sim.chain.tokens.find((x) => x.status === "Bonding")!;
    sim.chain.buy(t, 300_000_000n);
    sim.chain.sell(t, 1_000_000n);
    sim.chain.buy(t, 200_000_000n);
    const trades = sim.chain.trades.slice(before);

    // An endpoint with the default events gets no trade.
    const r1 = await run(plain.url);
    expect(r1.code, r1.stderr).toBe(0);
    expect(plain.delivered().filter((d) => d.type === "trade")).toEqual([]);
    expect(Number((await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE type = 'trade'`))[0]!.n)).toBe(0);

    // Trades already stored are not announced again: the opted-in endpoint sees the next ones.
    const t2 = sim.chain.tokens.filter((x) => x.status === "Bonding")[1]!;
    const start = sim.chain.trades.length;
    sim.chain.buy(t2, 100_000_000n);
    sim.chain.sell(t2, 500_000n);
    const fresh = sim.chain.trades.slice(start);
    const r2 = await run(opted.url, "token.added,trade");
    expect(r2.code, r2.stderr).toBe(0);
    const got = opted.delivered().filter((d) => d.type === "trade").map((d) => d.data);
    expect(got).toEqual(
      fresh.map((tr) => {
        const row = expectedTrade(tr);
        return {
          token: tr.token,
          eventId: tr.eventId,
          ledger: String(tr.ledger),
          closedAt: new Date(tr.closeTime * 1000).toISOString().replace(".000Z", "+00:00"),
          txHash: tr.txHash,
          side: tr.side,
          trader: tr.trader,
          xlmAmount: row["xlm_amount"],
          tokenAmount: row["token_amount"],
          fee: row["fee"],
          priceBefore: row["price_before"],
          priceAfter: row["price_after"],
        };
      }),
    );
    expect(trades.length).toBe(3);
    expect(opted.rejected).toEqual([]);
  }, 240_000);
});
