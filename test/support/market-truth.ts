// The market data the sync must hold, from the simulator's truth (SimChain.trades, token launches and graduations),
// and the stored rows in the same shape, for the market tests to compare whole tables.
import type { Simnet, SimTrade } from "../simnet/index.ts";
import type { TestDatabase } from "./databases.ts";

export type TradeRow = Record<string, string | null>;

/** A truth trade as its row reads back (amounts as decimal text, close time as unix seconds). */
export function expectedTrade(t: SimTrade): TradeRow {
  return {
    contract_id: t.contractId,
    event_id: t.eventId,
    token: t.token,
    ledger: String(t.ledger),
    closed_at: String(t.closeTime),
    tx_hash: t.txHash,
    side: t.side,
    trader: t.trader,
    xlm_amount: t.xlmAmount.toString(),
    token_amount: t.tokenAmount.toString(),
    fee: t.fee?.toString() ?? null,
    price_before: t.priceBefore?.toString() ?? null,
    price_after: t.priceAfter?.toString() ?? null,
  };
}

/** Every trade of the chain in ledgers from..to (inclusive), as rows, in event id order. */
export function truthTrades(sim: Simnet, from: number, to = Number.POSITIVE_INFINITY): TradeRow[] {
  return sim.chain.trades.filter((t) => t.ledger >= from && t.ledger <= to).map(expectedTrade);
}

export async function tradeRows(db: TestDatabase): Promise<TradeRow[]> {
  return db.sql<TradeRow>(
    `SELECT contract_id, event_id, token, ledger::text, extract(epoch FROM closed_at)::bigint::text AS closed_at, tx_hash, side::text,
            trader, xlm_amount::text, token_amount::text, fee::text, price_before::text, price_after::text
     FROM trades ORDER BY event_id`,
  );
}

/** What tokens.launch_ledger / graduated_ledger / graduated_at must hold once ledgers from.. were read. */
export function truthMarketColumns(sim: Simnet, from: number): Record<string, string | null>[] {
  return [...sim.chain.tokens]
    .sort((a, b) => (a.tokenAddress < b.tokenAddress ? -1 : 1))
    .map((t) => {
      const graduated = t.graduatedLedger !== undefined && t.graduatedLedger >= from;
      return {
        address: t.tokenAddress,
        launch_ledger: t.launchLedger >= from ? String(t.launchLedger) : null,
        graduated_ledger: graduated ? String(t.graduatedLedger) : null,
        graduated_at: graduated ? String(t.graduatedAt) : null,
      };
    });
}

export async function marketColumns(db: TestDatabase): Promise<Record<string, string | null>[]> {
  return db.sql(
    `SELECT address, launch_ledger::text, graduated_ledger::text, extract(epoch FROM graduated_at)::bigint::text AS graduated_at
     FROM tokens ORDER BY address COLLATE "C"`,
  );
}
