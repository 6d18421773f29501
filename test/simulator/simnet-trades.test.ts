// The simulator's trade truth (SimChain.trades) against what its getEvents serves and what its curve holds: every
// tokens_bought / tokens_sold event is one listed trade with the event's exact amounts, buys carry their detailed
// twin's fee and prices, and each token's curve is the sum of its trades.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scValToNative, xdr } from "@stellar/stellar-sdk";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { rawResult } from "../simnet/testing.ts";

let sn: Simnet;

beforeAll(async () => {
  sn = await startSimnet({ scenario: { seed: 22, tokens: 40, creators: 8, hostile: false, historyLedgers: 30_000, retentionLedgers: 20_000, tradesInWindow: 300 } });
});
afterAll(async () => {
  await sn.close();
});

interface Served {
  id: string;
  ledger: number;
  ledgerClosedAt: string;
  txHash: string;
  name: string;
  data: Record<string, unknown>;
}

async function servedFactoryEvents(): Promise<Served[]> {
  const out: Served[] = [];
  const filters = [{ type: "contract", contractIds: [sn.chain.contractId] }];
  let page = await rawResult(sn.url, "getEvents", { startLedger: sn.chain.oldestLedger, filters, pagination: { limit: 10_000 } });
  for (;;) {
    for (const e of page.events) {
      const name = scValToNative(xdr.ScVal.fromXDR(e.topic[0], "base64")) as string;
      out.push({ id: e.id, ledger: e.ledger, ledgerClosedAt: e.ledgerClosedAt, txHash: e.txHash, name, data: scValToNative(xdr.ScVal.fromXDR(e.value, "base64")) });
    }
    if (page.events.length === 0 && BigInt(page.cursor.split("-")[0]) >> 32n >= BigInt(page.latestLedger)) break;
    page = await rawResult(sn.url, "getEvents", { filters, pagination: { cursor: page.cursor, limit: 10_000 } });
  }
  return out;
}

describe("trade truth", () => {
  it("lists every tokens_bought and tokens_sold event of the window once, with the event's exact fields", async () => {
    const events = await servedFactoryEvents();
    const plain = events.filter((e) => e.name === "tokens_bought" || e.name === "tokens_sold");
    const inWindow = sn.chain.trades.filter((t) => t.ledger >= sn.chain.oldestLedger);
    expect(plain.length).toBeGreaterThan(100);
    expect(inWindow.map((t) => t.eventId)).toEqual(plain.map((e) => e.id));
    const detailed = new Map(events.filter((e) => e.name === "tokens_bought_detailed").map((e) => [`${e.txHash}`, e.data]));
    for (const [i, e] of plain.entries()) {
      const t = inWindow[i]!;
      expect(t.ledger).toBe(e.ledger);
      expect(t.closeTime).toBe(Date.parse(e.ledgerClosedAt) / 1000);
      expect(t.txHash).toBe(e.txHash);
      expect(t.token).toBe(e.data["token"]);
      if (e.name === "tokens_bought") {
        expect(t.side).toBe("BUY");
        expect(t.trader).toBe(e.data["buyer"]);
        expect(t.xlmAmount).toBe(e.data["xlm_amount"]);
        expect(t.tokenAmount).toBe(e.data["tokens_received"]);
        const d = detailed.get(e.txHash)!;
        expect(t.fee).toBe(d["fee_amount"]);
        expect(t.priceBefore).toBe(d["price_before"]);
        expect(t.priceAfter).toBe(d["price_after"]);
        expect(d["tokens_net"]).toBe(t.tokenAmount);
        expect(d["tokens_gross"]).toBe(t.tokenAmount + t.fee!);
      } else {
        expect(t.side).toBe("SELL");
        expect(t.trader).toBe(e.data["seller"]);
        expect(t.xlmAmount).toBe(e.data["xlm_received"]);
        expect(t.tokenAmount).toBe(e.data["tokens_sold"]);
        expect(t.fee).toBeUndefined();
      }
    }
  });

  it("every token's curve is the sum of its trades since launch", () => {
    let traded = 0;
    for (const token of sn.chain.tokens) {
      const trades = sn.chain.tradesOf(token);
      if (trades.length > 0) traded++;
      const sold = trades.reduce((n, t) => (t.side === "BUY" ? n + t.tokenAmount + t.fee! : n - t.tokenAmount), 0n);
      expect(token.bondingCurve.tokensSold).toBe(sold);
      for (const t of trades) expect(t.ledger).toBeGreaterThanOrEqual(token.launchLedger);
      // Ids grow in chain order.
      expect(trades.map((t) => t.eventId)).toEqual(trades.map((t) => t.eventId).sort());
    }
    expect(traded).toBeGreaterThan(10);
  });

  it("records the ledger and close time of each graduation, as token_graduated states it", async () => {
    const events = await servedFactoryEvents();
    const graduations = events.filter((e) => e.name === "token_graduated");
    expect(graduations.length).toBeGreaterThan(0);
    for (const g of graduations) {
      const token = sn.chain.tokens.find((t) => t.tokenAddress === g.data["token"])!;
      expect(token.status).toBe("Graduated");
      expect(token.graduatedLedger).toBe(g.ledger);
      expect(token.graduatedAt).toBe(Date.parse(g.ledgerClosedAt) / 1000);
    }
    for (const t of sn.chain.tokens) expect(t.graduatedLedger !== undefined).toBe(t.status === "Graduated");
  });
});
