// The market read model: a token's trades by keyset (event id order) and its price candles. A trade's price is
// xlm_amount / token_amount (XLM per whole token: both are stroops), divided exactly in NUMERIC at 40 decimals when the
// trade is stored (trades.price) and trimmed on the way out, so that the text carries at least 18 significant digits
// for any price above 1e-22 XLM.
import { EVENT_ID } from "../contract/market-events.ts";
import { quoteValue as quote } from "../internal/text/quote.ts";
import type { Database } from "./database.ts";
import { QueryError } from "./query-error.ts";

export const CANDLE_INTERVALS = { "1m": 60, "5m": 300, "15m": 900, "1h": 3_600, "4h": 14_400, "1d": 86_400 } as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;
/** Candles one request may span (empty ones included): 1m candles over about a week. */
export const MAX_CANDLE_SPAN = 10_080;
/** The interval trade_candles rolls up (the trades' trigger); longer candles are sums of its rows. */
const ROLLUP_SECONDS = 3_600;
export const MAX_TRADE_PAGE = 100;
const DEFAULT_TRADE_PAGE = 50;


/**
 * The market columns of a token list row, joined per listed token through the trades' indexes: XLM volume of the
 * last 24 h, the last trade's time, and the price change in percent since the last price before 24 h ago (else the
 * first trade within them). Expects the tokens table as `tokens` and the contract id as $1.
 */
export const LIST_MARKET_JOINS = `
LEFT JOIN LATERAL (
  SELECT coalesce(sum(tr.xlm_amount), 0) AS volume_24h FROM trades tr
  WHERE tr.contract_id = $1 AND tr.token = tokens.address AND tr.closed_at >= now() - interval '24 hours'
) m_volume ON true
LEFT JOIN LATERAL (
  SELECT tr.closed_at, tr.price FROM trades tr
  WHERE tr.contract_id = $1 AND tr.token = tokens.address ORDER BY tr.event_id DESC LIMIT 1
) m_last ON true
LEFT JOIN LATERAL (
  SELECT price FROM (
    (SELECT 0 AS k, tr.price FROM trades tr
     WHERE tr.contract_id = $1 AND tr.token = tokens.address AND tr.closed_at < now() - interval '24 hours'
     ORDER BY tr.closed_at DESC, tr.event_id DESC LIMIT 1)
    UNION ALL
    (SELECT 1 AS k, tr.price FROM trades tr
     WHERE tr.contract_id = $1 AND tr.token = tokens.address AND tr.closed_at >= now() - interval '24 hours'
     ORDER BY tr.event_id LIMIT 1)
  ) r ORDER BY k LIMIT 1
) m_ref ON true`;

export const LIST_MARKET_COLUMNS = `m_volume.volume_24h::text AS volume_24h, to_json(m_last.closed_at) #>> '{}' AS last_trade_at,
  round((m_last.price / NULLIF(m_ref.price, 0) - 1) * 100, 2)::text AS price_change_24h`;

/** How far back the stored trades go, and the ranges missing from them. */
export interface TradeHistory {
  /**
   * The first ledger whose trades are stored: the first run's window start, or the backfill's first ledger once a
   * backfill has completed; null before any run. Trades before it (launches older than the RPC's window) need a backfill.
   */
  fromLedger: number | null;
  /** True once a backfill covered the history up to the sync's first window. */
  backfilled: boolean;
  /** Ledger ranges (inclusive) whose trades were never read: the sync was away longer than the RPC's window. */
  holes: { fromLedger: number; toLedger: number }[];
}

export interface TradeQuery {
  /** 1..100, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page, for the same order. */
  cursor?: string;
  /** Default "desc" (newest first). */
  order?: "asc" | "desc";
}

/** One trade as served. Amounts are decimal strings in stroops; `price` is XLM per whole token. */
export interface TradeRow {
  eventId: string;
  ledger: number;
  closedAt: string;
  txHash: string;
  side: "BUY" | "SELL";
  trader: string;
  xlmAmount: string;
  tokenAmount: string;
  fee: string | null;
  priceBefore: string | null;
  priceAfter: string | null;
  /** null for a trade of zero tokens. */
  price: string | null;
}

export interface TradePage {
  trades: TradeRow[];
  nextCursor: string | null;
}

export interface CandleQuery {
  interval: CandleInterval;
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
}

/** One interval with trades. `time` is its start, unix seconds; prices are XLM per whole token. */
export interface Candle {
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volumeXlm: string;
  volumeTokens: string;
  trades: number;
}

type Raw = Record<string, string | null>;

export class MarketQueries {
  constructor(
    private readonly db: Database,
    readonly contractId: string,
  ) {}

  async history(): Promise<TradeHistory> {
    const [runs, backfill, holes] = await Promise.all([
      this.db.query<{ from_ledger: string | null }>(
        `SELECT min(from_ledger)::text AS from_ledger FROM sync_runs WHERE contract_id = $1 AND outcome IN ('SUCCEEDED', 'PARTIAL')`,
        [this.contractId],
      ),
      this.db.query<{ from_ledger: string }>(
        `SELECT from_ledger::text AS from_ledger FROM backfill_state WHERE contract_id = $1 AND next_ledger > to_ledger`,
        [this.contractId],
      ),
      this.db.query<{ from_ledger: string; to_ledger: string }>(
        `SELECT from_ledger::text AS from_ledger, to_ledger::text AS to_ledger FROM trade_holes WHERE contract_id = $1 ORDER BY from_ledger LIMIT 100`,
        [this.contractId],
      ),
    ]);
    const synced = runs[0]?.from_ledger ? Number(runs[0].from_ledger) : null;
    const backfilled = backfill[0] ? Number(backfill[0].from_ledger) : null;
    const fromLedger = backfilled !== null && (synced === null || backfilled < synced) ? backfilled : synced;
    return {
      fromLedger,
      backfilled: backfilled !== null,
      holes: holes.map((h) => ({ fromLedger: Number(h.from_ledger), toLedger: Number(h.to_ledger) })),
    };
  }

  /** The oldest hole in the trades, or null: what the follower fills next (src/history/hole-filler.ts). */
  async firstHole(): Promise<{ fromLedger: number; toLedger: number } | null> {
    const [row] = await this.db.query<{ from_ledger: string; to_ledger: string }>(
      `SELECT from_ledger::text AS from_ledger, to_ledger::text AS to_ledger FROM trade_holes WHERE contract_id = $1 ORDER BY from_ledger LIMIT 1`,
      [this.contractId],
    );
    return row ? { fromLedger: Number(row.from_ledger), toLedger: Number(row.to_ledger) } : null;
  }

  async trades(token: string, query: TradeQuery = {}): Promise<TradePage> {
    const limit = query.limit ?? DEFAULT_TRADE_PAGE;
    const order = query.order ?? "desc";
    const params: unknown[] = [this.contractId, token];
    let after = "";
    if (query.cursor !== undefined) {
      if (!EVENT_ID.test(query.cursor)) throw new QueryError(`cursor ${quote(query.cursor)} is not valid: pass the nextCursor of a previous page`);
      params.push(query.cursor);
      after = ` AND event_id ${order === "desc" ? "<" : ">"} $3`;
    }
    const rows = await this.db.query<Raw>(
      `SELECT event_id, ledger::text AS ledger, to_json(closed_at) #>> '{}' AS closed_at, tx_hash, side::text AS side, trader,
              xlm_amount::text AS xlm_amount, token_amount::text AS token_amount, fee::text AS fee,
              price_before::text AS price_before, price_after::text AS price_after, trim_scale(price)::text AS price
       FROM trades WHERE contract_id = $1 AND token = $2${after}
       ORDER BY event_id ${order === "desc" ? "DESC" : "ASC"} LIMIT ${limit + 1}`,
      params,
    );
    const page = rows.slice(0, limit).map(toTrade);
    return { trades: page, nextCursor: rows.length > limit ? page.at(-1)!.eventId : null };
  }

  /**
   * The token's candles from `from` to `to`, intervals without a trade left out. Whole buckets of an hour or more
   * come from the hourly rollup the trades' trigger keeps (trade_candles); shorter candles, and a bucket cut by
   * `from` or `to`, are aggregated from the trades, so that a candle never holds a trade outside the range.
   */
  async candles(token: string, query: CandleQuery): Promise<Candle[]> {
    const seconds = CANDLE_INTERVALS[query.interval];
    const wholeFrom = Math.ceil(query.from / seconds) * seconds;
    const wholeTo = Math.floor(query.to / seconds) * seconds;
    // Shorter candles than the rollup's come from the trades (a range spans 10,080 of them at most).
    if (wholeFrom >= wholeTo || seconds < ROLLUP_SECONDS) return this.tradeCandles(token, seconds, query.from, query.to);
    const [head, whole, tail] = await Promise.all([
      query.from < wholeFrom ? this.tradeCandles(token, seconds, query.from, wholeFrom) : [],
      this.rolledCandles(token, seconds, wholeFrom, wholeTo),
      wholeTo < query.to ? this.tradeCandles(token, seconds, wholeTo, query.to) : [],
    ]);
    return [...head, ...whole, ...tail];
  }

  /** Whole buckets of an hour or more, summed from the hourly rollup (their buckets are whole hours from the epoch). */
  private async rolledCandles(token: string, seconds: number, from: number, to: number): Promise<Candle[]> {
    const rows = await this.db.query<Raw & { trades: number }>(
      `SELECT extract(epoch FROM bucket)::bigint::text AS time,
              trim_scale((array_agg(open ORDER BY first_id) FILTER (WHERE first_id IS NOT NULL))[1])::text AS open,
              trim_scale(max(high))::text AS high, trim_scale(min(low))::text AS low,
              trim_scale((array_agg(close ORDER BY last_id DESC) FILTER (WHERE last_id IS NOT NULL))[1])::text AS close,
              sum(volume_xlm)::text AS volume_xlm, sum(volume_tokens)::text AS volume_tokens, sum(trades)::int AS trades
       FROM (SELECT date_bin(make_interval(secs => $5), bucket, to_timestamp(0)) AS bucket, first_id, last_id, open, close, high, low,
                    volume_xlm, volume_tokens, trades
             FROM trade_candles
             WHERE contract_id = $1 AND token = $2 AND interval_s = ${ROLLUP_SECONDS} AND bucket >= to_timestamp($3) AND bucket < to_timestamp($4)) h
       GROUP BY bucket
       HAVING count(first_id) > 0
       ORDER BY bucket`,
      [this.contractId, token, from, to, seconds],
    );
    return rows.map(toCandle);
  }

  /** Candles aggregated from the trades themselves: for the buckets a range cuts. */
  private async tradeCandles(token: string, seconds: number, from: number, to: number): Promise<Candle[]> {
    // Open and close are the first and last priced trade by event id (ordered aggregates: a join back to the trades
    // by id would make the planner hash the whole table); a bucket without a priced trade is left out.
    const rows = await this.db.query<Raw & { trades: number }>(
      `SELECT extract(epoch FROM bucket)::bigint::text AS time,
              trim_scale((array_agg(price ORDER BY event_id) FILTER (WHERE price IS NOT NULL))[1])::text AS open,
              trim_scale(max(price))::text AS high, trim_scale(min(price))::text AS low,
              trim_scale((array_agg(price ORDER BY event_id DESC) FILTER (WHERE price IS NOT NULL))[1])::text AS close,
              sum(xlm_amount)::text AS volume_xlm, sum(token_amount)::text AS volume_tokens, count(*)::int AS trades
       FROM (SELECT date_bin(make_interval(secs => $5), closed_at, to_timestamp(0)) AS bucket, event_id, price, xlm_amount, token_amount
             FROM trades
             WHERE contract_id = $1 AND token = $2 AND closed_at >= to_timestamp($3) AND closed_at < to_timestamp($4)) t
       GROUP BY bucket
       HAVING count(price) > 0
       ORDER BY bucket`,
      [this.contractId, token, from, to, seconds],
    );
    return rows.map(toCandle);
  }
}

function toCandle(r: Raw & { trades: number }): Candle {
  return {
    time: Number(r.time),
    open: r.open!,
    high: r.high!,
    low: r.low!,
    close: r.close!,
    volumeXlm: r.volume_xlm!,
    volumeTokens: r.volume_tokens!,
    trades: r.trades,
  };
}

function toTrade(r: Raw): TradeRow {
  return {
    eventId: r.event_id!,
    ledger: Number(r.ledger),
    closedAt: r.closed_at!,
    txHash: r.tx_hash!,
    side: r.side as TradeRow["side"],
    trader: r.trader!,
    xlmAmount: r.xlm_amount!,
    tokenAmount: r.token_amount!,
    fee: r.fee ?? null,
    priceBefore: r.price_before ?? null,
    priceAfter: r.price_after ?? null,
    price: r.price ?? null,
  };
}
