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

const CANDLE_COLUMNS = `contract_id, token, interval_s, extract(epoch FROM bucket)::bigint::text AS bucket, first_id, last_id,
  open::text, close::text, high::text, low::text, volume_xlm::text, volume_tokens::text, trades`;

/** The candles the trades' trigger rolled up (trade_candles), and the same aggregated from the trades table now. */
export async function rolledAndRecomputedCandles(db: TestDatabase): Promise<[Record<string, unknown>[], Record<string, unknown>[]]> {
  const rolled = await db.sql<Record<string, unknown>>(`SELECT ${CANDLE_COLUMNS} FROM trade_candles ORDER BY 1, 2, 3, 4`);
  const recomputed = await db.sql<Record<string, unknown>>(
    `WITH c AS (
       SELECT t.contract_id, t.token, i.secs AS interval_s, date_bin(make_interval(secs => i.secs), t.closed_at, to_timestamp(0)) AS bucket,
              min(t.event_id) FILTER (WHERE t.price IS NOT NULL) AS first_id, max(t.event_id) FILTER (WHERE t.price IS NOT NULL) AS last_id,
              (array_agg(t.price ORDER BY t.event_id) FILTER (WHERE t.price IS NOT NULL))[1] AS open,
              (array_agg(t.price ORDER BY t.event_id DESC) FILTER (WHERE t.price IS NOT NULL))[1] AS close,
              max(t.price) AS high, min(t.price) AS low, sum(t.xlm_amount) AS volume_xlm, sum(t.token_amount) AS volume_tokens, count(*)::int AS trades
       FROM trades t CROSS JOIN (VALUES (3600)) AS i(secs)
       GROUP BY 1, 2, 3, 4
     ) SELECT ${CANDLE_COLUMNS} FROM c ORDER BY 1, 2, 3, 4`,
  );
  return [rolled, recomputed];
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

const SCALE = 10n ** 40n;

/** A trade's price as the API writes it: xlm / tokens rounded half up at 40 decimals, trailing zeros trimmed. */
export function priceText(xlm: bigint, tokens: bigint): { value: bigint; text: string } {
  const value = (xlm * SCALE * 2n + tokens) / (2n * tokens);
  const whole = value / SCALE;
  const frac = (value % SCALE).toString().padStart(40, "0").replace(/0+$/, "");
  return { value, text: frac === "" ? whole.toString() : `${whole}.${frac}` };
}

/** The candles of `trades` (one token's, in chain order) at `seconds` per interval, empty intervals left out. */
export function truthCandles(trades: SimTrade[], seconds: number, from: number, to: number): Record<string, unknown>[] {
  const out = new Map<number, { open: ReturnType<typeof priceText>; high: ReturnType<typeof priceText>; low: ReturnType<typeof priceText>; close: ReturnType<typeof priceText>; xlm: bigint; tokens: bigint; trades: number }>();
  for (const t of trades) {
    if (t.closeTime < from || t.closeTime >= to) continue;
    const time = Math.floor(t.closeTime / seconds) * seconds;
    const p = priceText(t.xlmAmount, t.tokenAmount);
    const c = out.get(time);
    if (!c) out.set(time, { open: p, high: p, low: p, close: p, xlm: t.xlmAmount, tokens: t.tokenAmount, trades: 1 });
    else {
      if (p.value > c.high.value) c.high = p;
      if (p.value < c.low.value) c.low = p;
      c.close = p;
      c.xlm += t.xlmAmount;
      c.tokens += t.tokenAmount;
      c.trades++;
    }
  }
  return [...out].map(([time, c]) => ({
    time,
    open: c.open.text,
    high: c.high.text,
    low: c.low.text,
    close: c.close.text,
    volumeXlm: c.xlm.toString(),
    volumeTokens: c.tokens.toString(),
    trades: c.trades,
  }));
}

/**
 * What GET /api/tokens?sort=volume_24h lists of each token at `nowSeconds` (trades in ledgers from.. only), in its
 * order: volume of the last 24 h descending, address descending.
 */
export function marketFields(sim: Simnet, from: number, nowSeconds: number): Record<string, unknown>[] {
  const cutoff = nowSeconds - 86_400;
  const rows = sim.chain.tokens.map((token) => {
    const trades = sim.chain.tradesOf(token).filter((t) => t.ledger >= from);
    const recent = trades.filter((t) => t.closeTime >= cutoff);
    const volume = recent.reduce((n, t) => n + t.xlmAmount, 0n);
    const last = trades.at(-1);
    const ref = trades.filter((t) => t.closeTime < cutoff).at(-1) ?? recent[0];
    let change: string | null = null;
    if (last && ref) {
      const l = priceText(last.xlmAmount, last.tokenAmount).value;
      const r = priceText(ref.xlmAmount, ref.tokenAmount).value;
      const scaled = (l - r) * 10_000n;
      const abs = ((scaled < 0n ? -scaled : scaled) * 2n + r) / (2n * r); // |percent| x 100, rounded half up
      const sign = scaled < 0n && abs > 0n ? "-" : "";
      change = `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
    }
    return {
      address: token.tokenAddress,
      volume24hXlm: volume.toString(),
      priceChange24h: change,
      lastTradeAt: last ? new Date(last.closeTime * 1000).toISOString().replace(".000Z", "+00:00") : null,
      volume,
    };
  });
  rows.sort((a, b) => (a.volume !== b.volume ? (a.volume > b.volume ? -1 : 1) : a.address < b.address ? 1 : -1));
  return rows.map(({ volume: _v, ...rest }) => rest);
}
