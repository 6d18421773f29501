// Writes what a run's events say about the market (trades, launch and graduation ledgers) inside the transaction
// that moves the cursor past those events. Idempotent: a trade is keyed by (contract_id, event_id), and a token's
// launch and graduation are set once. Trades go as one comma-joined text per column, split and cast in SQL: a busy
// window's 20,000 trades are a quarter of a million values, which pg would quote and escape one by one as arrays.
// No value holds a comma: ids, hashes and addresses are checked where events are read, the rest are numbers.
import type { Trade } from "../contract/market-events.ts";
import type { SqlSession } from "./database.ts";

export interface MarketWrite {
  trades: Trade[];
  /** token -> ledger of its launch. */
  launches: ReadonlyMap<string, number>;
  /** token -> the graduating buy's ledger and close time (unix ms). */
  graduations: ReadonlyMap<string, { ledger: number; closedAt: number }>;
  /** Ledger ranges (inclusive) whose trades were not read: recorded in trade_holes. */
  holes?: Array<[number, number]>;
  /** Ledger ranges (inclusive) read in full from history: what holes they cover is taken out of trade_holes. */
  filled?: Array<[number, number]>;
  /** Trades already encoded (those of a staged transaction that failed: trade-stage.ts), inserted first. */
  encoded?: readonly EncodedTrades[];
}

/** Up to CHUNK trades as INSERT_TRADES's parameters $2..$13: one comma-joined text per column. */
export type EncodedTrades = readonly string[];

/** Rows per INSERT: keeps each statement's parameters a few MB at most. */
const CHUNK = 5_000;

const INSERT_TRADES = `
INSERT INTO trades (contract_id, event_id, token, ledger, closed_at, tx_hash, side, trader, xlm_amount, token_amount, fee, price_before, price_after, price)
SELECT $1, event_id, token, ledger::bigint, to_timestamp(closed_ms::numeric / 1000), tx_hash, side::trade_side, trader,
       xlm_amount::numeric, token_amount::numeric, fee::numeric, price_before::numeric, price_after::numeric,
       xlm_amount::numeric(80,40) / NULLIF(token_amount::numeric, 0)
FROM unnest(string_to_array($2, ','), string_to_array($3, ','), string_to_array($4, ','), string_to_array($5, ','),
            string_to_array($6, ','), string_to_array($7, ','), string_to_array($8, ','), string_to_array($9, ','),
            string_to_array($10, ','), string_to_array($11, ',', ''), string_to_array($12, ',', ''), string_to_array($13, ',', ''))
  AS t(event_id, token, ledger, closed_ms, tx_hash, side, trader, xlm_amount, token_amount, fee, price_before, price_after)
ON CONFLICT (contract_id, event_id) DO NOTHING`;
/** Parameters of INSERT_TRADES; a recorder's own follow. */
const TRADE_PARAMS = 13;

/** What a TradeRecorder builds its statement from. */
export interface TradeParts {
  /** The insert of the batch's trades; with `RETURNING ...` appended it returns the rows it inserted (not the repeats). */
  insert: string;
  /** The contract id's placeholder. */
  contract: string;
  /** Binds a value fixed for the recorder's life; returns its placeholder. */
  param(value: unknown): string;
}

/** Records the trades a batch inserts in the same statement (the webhook outbox's `trade` events). */
export interface TradeRecorder {
  tradeStatement(parts: TradeParts): string;
}

export interface TradeInsert {
  readonly sql: string;
  readonly fixed: unknown[];
}

/** The trades' insert statement: the recorder's, when given. */
export function tradeInsert(recorder?: TradeRecorder): TradeInsert {
  const fixed: unknown[] = [];
  const param = (value: unknown): string => `$${TRADE_PARAMS + fixed.push(value)}`;
  return { sql: recorder ? recorder.tradeStatement({ insert: INSERT_TRADES, contract: "$1", param }) : INSERT_TRADES, fixed };
}

const PLAIN_INSERT = tradeInsert();

const SET_LAUNCHES = `
UPDATE tokens t SET launch_ledger = i.ledger::bigint
FROM unnest($2::text[], $3::text[]) AS i(address, ledger)
WHERE t.address = i.address AND t.contract_id = $1 AND t.launch_ledger IS DISTINCT FROM i.ledger::bigint`;

const SET_GRADUATIONS = `
UPDATE tokens t SET graduated_ledger = i.ledger::bigint, graduated_at = to_timestamp(i.closed_ms::numeric / 1000)
FROM unnest($2::text[], $3::text[], $4::text[]) AS i(address, ledger, closed_ms)
WHERE t.address = i.address AND t.contract_id = $1 AND t.graduated_ledger IS NULL`;

const INSERT_HOLES = `
INSERT INTO trade_holes (contract_id, from_ledger, to_ledger)
SELECT $1, f::bigint, t::bigint FROM unnest($2::text[], $3::text[]) AS h(f, t)
ON CONFLICT (contract_id, from_ledger) DO UPDATE SET to_ledger = GREATEST(trade_holes.to_ledger, excluded.to_ledger)`;

/** Taking from..to out of the holes: what is left of each hole on its right, then the holes that start inside, then their left parts. */
async function fillHoles(tx: SqlSession, contractId: string, from: number, to: number): Promise<void> {
  await tx.query(
    `INSERT INTO trade_holes (contract_id, from_ledger, to_ledger)
     SELECT $1::text, $2::bigint + 1, to_ledger FROM trade_holes WHERE contract_id = $1::text AND from_ledger <= $2::bigint AND to_ledger > $2::bigint
     ON CONFLICT (contract_id, from_ledger) DO UPDATE SET to_ledger = GREATEST(trade_holes.to_ledger, excluded.to_ledger)`,
    [contractId, String(to)],
  );
  await tx.query(`DELETE FROM trade_holes WHERE contract_id = $1::text AND from_ledger BETWEEN $2::bigint AND $3::bigint`, [contractId, String(from), String(to)]);
  await tx.query(`UPDATE trade_holes SET to_ledger = $2::bigint - 1 WHERE contract_id = $1::text AND from_ledger < $2::bigint AND to_ledger >= $2::bigint`, [
    contractId,
    String(from),
  ]);
}

/** Trades as INSERT_TRADES's parameters, CHUNK rows per statement. */
export function encodeTrades(trades: readonly Trade[]): EncodedTrades[] {
  const out: EncodedTrades[] = [];
  for (let i = 0; i < trades.length; i += CHUNK) {
    const rows = trades.slice(i, i + CHUNK);
    const column = (value: (t: Trade) => string | number | bigint | null): string => rows.map((t) => value(t) ?? "").join(",");
    out.push([
      column((t) => t.eventId),
      column((t) => t.token),
      column((t) => t.ledger),
      column((t) => t.closedAt),
      column((t) => t.txHash),
      column((t) => t.side),
      column((t) => t.trader),
      column((t) => t.xlmAmount),
      column((t) => t.tokenAmount),
      column((t) => t.fee),
      column((t) => t.priceBefore),
      column((t) => t.priceAfter),
    ]);
  }
  return out;
}

/** Inserts encoded trades (repeats skipped) in the caller's transaction. */
export async function insertTrades(tx: SqlSession, contractId: string, chunks: readonly EncodedTrades[], insert: TradeInsert = PLAIN_INSERT): Promise<void> {
  for (const chunk of chunks) await tx.query(insert.sql, [contractId, ...chunk, ...insert.fixed]);
}

/** Writes the market's rows in the caller's transaction. */
export async function writeMarket(tx: SqlSession, contractId: string, market: MarketWrite, insert: TradeInsert = PLAIN_INSERT): Promise<void> {
  await insertTrades(tx, contractId, [...(market.encoded ?? []), ...encodeTrades(market.trades)], insert);
  const holes = market.holes ?? [];
  if (holes.length > 0) await tx.query(INSERT_HOLES, [contractId, holes.map(([f]) => String(f)), holes.map(([, t]) => String(t))]);
  for (const [from, to] of market.filled ?? []) {
    await fillHoles(tx, contractId, from, to);
  }
  if (market.launches.size > 0) {
    const launches = [...market.launches];
    await tx.query(SET_LAUNCHES, [contractId, launches.map(([a]) => a), launches.map(([, l]) => String(l))]);
  }
  if (market.graduations.size > 0) {
    const graduations = [...market.graduations];
    await tx.query(SET_GRADUATIONS, [
      contractId,
      graduations.map(([a]) => a),
      graduations.map(([, g]) => String(g.ledger)),
      graduations.map(([, g]) => String(g.closedAt)),
    ]);
  }
}

/** A reset's part: the old chain's trades and holes go with its tokens (in the caller's transaction). */
export async function deleteMarket(tx: SqlSession, contractId: string): Promise<void> {
  await tx.query(`DELETE FROM trades WHERE contract_id = $1`, [contractId]);
  await tx.query(`DELETE FROM trade_candles WHERE contract_id = $1`, [contractId]);
  await tx.query(`DELETE FROM trade_holes WHERE contract_id = $1`, [contractId]);
}
