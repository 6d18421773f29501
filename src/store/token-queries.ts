// The read model the HTTP API and the dashboard serve: one contract's tokens listed with filters, sorts and keyset
// paging (each sort has an index, so a page costs the same at row 100,000 as at row 0), one token, and the sync's
// state as the database knows it. Every amount leaves as a decimal string: i128/u64 never pass through a float.
import { toRunRow, type RawRunRow, type SyncRunRow } from "./sync-run-rows.ts";
import { quoteValue as quote } from "../internal/text/quote.ts";
import type { Database } from "./database.ts";
import { QueryError } from "./query-error.ts";
import { LIST_MARKET_COLUMNS, LIST_MARKET_JOINS, MarketQueries, type TradeHistory } from "./trade-queries.ts";

export const TOKEN_STATUSES = ["BONDING", "GRADUATED", "GRADUATION_FAILED"] as const;
export type TokenStatusFilter = (typeof TOKEN_STATUSES)[number];

export const TOKEN_SORTS = ["created", "market_cap", "xlm_raised", "holders", "volume_24h"] as const;
export type TokenSort = (typeof TOKEN_SORTS)[number];
export type SortOrder = "asc" | "desc";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;
/** A search's longest text, in characters. */
export const MAX_SEARCH_LENGTH = 100;
/** A search needs a trigram to use the name and symbol indexes; a shorter one would read every row. */
export const MIN_SEARCH_LENGTH = 3;
/** Creator-supplied text in a list row is cut to this many characters (the token's own row has it whole). */
export const LIST_TEXT_LIMIT = 1024;
const CUT_FIELDS = ["name", "symbol", "image_url", "description"] as const;
const BIGINT_MAX = 2n ** 63n - 1n;
/** Missing on-chain ids listed by the status; the count covers the rest. */
const MISSING_IDS_LISTED = 100;

export { QueryError };

export interface TokenListQuery {
  status?: TokenStatusFilter;
  /** Exact creator address (G... or C...). */
  creator?: string;
  /** Case-insensitive substring of the name or the symbol, 3 to 100 characters. */
  q?: string;
  /** Default "created" (newest first). */
  sort?: TokenSort;
  /** Default "desc". */
  order?: SortOrder;
  /** 1..100, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page, for the same sort and order. */
  cursor?: string;
}

/** One stored token. Amounts are decimal strings (i128/u64 exact); times are ISO 8601. */
export interface TokenRow {
  address: string;
  contractId: string;
  onchainId: number;
  creator: string;
  name: string;
  symbol: string;
  imageUrl: string;
  description: string;
  status: TokenStatusFilter;
  totalSupply: string;
  tokensSold: string;
  tokensRemaining: string;
  xlmReserve: string;
  curveK: string;
  xlmRaised: string;
  marketCap: string;
  holdersCount: string;
  /** Launch time on chain, unix seconds (u64). */
  createdAt: string;
  discoveredVia: "EVENTS" | "STORAGE" | "MANUAL";
  firstSeenAt: string;
  lastSyncedAt: string;
  lastSyncedLedger: number;
}

/** A token as listed: name, symbol, image URL and description cut to 1,024 characters, `truncated` when any was. */
export interface ListedToken extends TokenRow {
  truncated: boolean;
  /** Stroops of XLM traded in the last 24 hours ("0" without trades). */
  volume24hXlm: string;
  /** Percent change of the price over the last 24 hours, 2 decimals; null without a trade to compare. */
  priceChange24h: string | null;
  /** The last trade's ledger close time (ISO 8601), or null. */
  lastTradeAt: string | null;
}

export interface TokenPage {
  tokens: ListedToken[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface StoreStatus {
  /** The stored cursor: events up to this ledger are in the tables. Null before the first run moved it. */
  cursor: { ledger: number; ledgerHash: string | null; updatedAt: string } | null;
  storedTokens: number;
  /** Only when the contract's count was given. */
  contractTokens: number | null;
  /** On-chain ids below the contract's count with no row (the first 100), and how many there are. */
  missingIds: number[];
  missingCount: number;
  lastRuns: SyncRunRow[];
  tradeHistory: TradeHistory;
}

// Each sort: the column compared for the page boundary; "created" needs no tie-break (ids are unique per contract).
// Qualified: the bare name would be the text output column of the same name, sorting "10" before "9".
const SORT_COLUMNS: Record<TokenSort, { column: string; cast: string; tieBreak: boolean }> = {
  created: { column: "tokens.onchain_id", cast: "bigint", tieBreak: false },
  market_cap: { column: "tokens.market_cap", cast: "numeric", tieBreak: true },
  xlm_raised: { column: "tokens.xlm_raised", cast: "numeric", tieBreak: true },
  holders: { column: "tokens.holders_count", cast: "bigint", tieBreak: true },
  volume_24h: { column: "coalesce(volume.volume_24h, 0)", cast: "numeric", tieBreak: true },
};

/** The last 24 h of the contract's trades summed per token in one range scan, for sort=volume_24h (not a probe per token). */
const VOLUME_24H = `volume AS (
  SELECT token, sum(xlm_amount) AS volume_24h FROM trades WHERE contract_id = $1 AND closed_at >= now() - interval '24 hours' GROUP BY token
)`;

/** The row's columns, each creator-supplied text through `text` (the list cuts them). */
const rowColumns = (text: (column: string) => string): string => `address, contract_id, onchain_id::text AS onchain_id, creator,
  ${CUT_FIELDS.map(text).join(", ")},
  status::text AS status, total_supply::text AS total_supply, tokens_sold::text AS tokens_sold,
  tokens_remaining::text AS tokens_remaining, xlm_reserve::text AS xlm_reserve, curve_k::text AS curve_k,
  xlm_raised::text AS xlm_raised, market_cap::text AS market_cap, holders_count::text AS holders_count,
  created_at::text AS created_at, discovered_via::text AS discovered_via, to_json(first_seen_at) #>> '{}' AS first_seen_at,
  to_json(last_synced_at) #>> '{}' AS last_synced_at, last_synced_ledger::text AS last_synced_ledger`;
const ROW_COLUMNS = rowColumns((f) => f);
// One character past the limit tells that a text was cut, and substr() reads a slice of a long stored value.
const LIST_COLUMNS = rowColumns((f) => `substr(${f}, 1, ${LIST_TEXT_LIMIT + 1}) AS ${f}`);

/** A row as read: every column cast to text in SQL, so both drivers return the same strings. */
type RawTokenRow = Record<string, string>;

interface Cursor {
  sort: TokenSort;
  order: SortOrder;
  value: string;
  address: string;
}

export class TokenQueries {
  /** The tokens' trades and candles. */
  readonly market: MarketQueries;

  constructor(
    private readonly db: Database,
    readonly contractId: string,
  ) {
    this.market = new MarketQueries(db, contractId);
  }

  async list(query: TokenListQuery = {}): Promise<TokenPage> {
    const sort = query.sort ?? "created";
    const order = query.order ?? "desc";
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const { cast, tieBreak } = SORT_COLUMNS[sort];
    const column = SORT_COLUMNS[sort].column;
    const params: unknown[] = [this.contractId];
    const where = ["tokens.contract_id = $1"];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (query.status) where.push(`tokens.status = ${param(query.status)}::token_status`);
    if (query.creator) where.push(`tokens.creator = ${param(query.creator)}`);
    if (query.q) {
      const pattern = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(tokens.name ILIKE ${pattern} OR tokens.symbol ILIKE ${pattern})`);
    }
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor, sort, order);
      if (cast === "bigint" && (BigInt(cursor.value) > BIGINT_MAX || BigInt(cursor.value) < -BIGINT_MAX - 1n)) {
        throw new QueryError(`cursor ${quote(query.cursor)} is not valid: its value is out of range for sort=${sort}`);
      }
      const op = order === "desc" ? "<" : ">";
      where.push(
        tieBreak
          ? `(${column}, tokens.address) ${op} (${param(cursor.value)}::${cast}, ${param(cursor.address)})`
          : `${column} ${op} ${param(cursor.value)}::${cast}`,
      );
    }
    const dir = order === "desc" ? "DESC" : "ASC";
    const orderBy = (key: string) => (tieBreak ? `${key} ${dir}, tokens.address ${dir}` : `${key} ${dir}`);
    // The page first, then its market columns: the per-token joins run for the page's rows only.
    const byVolume = sort === "volume_24h";
    // The sort carries the address and key alone; the rows are read for the page.
    const sql = `${byVolume ? `WITH ${VOLUME_24H} ` : ""}SELECT ${LIST_COLUMNS}, ${LIST_MARKET_COLUMNS}, tokens.sort_key::text AS sort_value FROM (
        SELECT t.*, page.sort_key FROM (
          SELECT tokens.address, ${column} AS sort_key
          FROM tokens${byVolume ? " LEFT JOIN volume ON volume.token = tokens.address" : ""}
          WHERE ${where.join(" AND ")} ORDER BY ${orderBy(column)} LIMIT ${limit + 1}
        ) page JOIN tokens t ON t.address = page.address
      ) tokens ${LIST_MARKET_JOINS}
      ORDER BY ${orderBy("tokens.sort_key")}`;
    const rows = await this.db.query<RawTokenRow>(sql, params);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor({ sort, order, value: last.sort_value!, address: last.address! }) : null;
    return { tokens: page.map(toListedToken), nextCursor };
  }

  /** One token of this contract, or null. */
  async get(address: string): Promise<TokenRow | null> {
    const rows = await this.db.query<RawTokenRow>(`SELECT ${ROW_COLUMNS} FROM tokens WHERE address = $1 AND contract_id = $2`, [
      address,
      this.contractId,
    ]);
    return rows[0] ? toTokenRow(rows[0]) : null;
  }

  /** The cursor, the stored count against the contract's count (`contractTokens`, when known) and the last runs. */
  async status(options: { contractTokens?: number | null; runs?: number } = {}): Promise<StoreStatus> {
    const db = this.db;
    const contractTokens = options.contractTokens ?? null;
    const [state, counts, runs, tradeHistory] = await Promise.all([
      db.query<{ last_ledger: string; last_ledger_hash: string | null; updated_at: string }>(
        `SELECT last_ledger::text AS last_ledger, last_ledger_hash, to_json(updated_at) #>> '{}' AS updated_at FROM sync_state WHERE contract_id = $1`,
        [this.contractId],
      ),
      db.query<{ stored: string; below: string }>(
        `SELECT count(*)::text AS stored, count(*) FILTER (WHERE onchain_id < $2::bigint)::text AS below FROM tokens WHERE contract_id = $1`,
        [this.contractId, String(contractTokens ?? 0)],
      ),
      db.query<RawRunRow>(
        `SELECT id::text AS id, trigger, outcome::text AS outcome, to_json(started_at) #>> '{}' AS started_at,
           to_json(finished_at) #>> '{}' AS finished_at, found_events, found_storage, found_manual, synced, unchanged,
           failed, missing, from_ledger::text AS from_ledger, to_ledger::text AS to_ledger, error
         FROM sync_runs WHERE contract_id = $1 ORDER BY started_at DESC, id DESC LIMIT ${Math.max(0, Math.min(100, options.runs ?? 10))}`,
        [this.contractId],
      ),
      this.market.history(),
    ]);
    const stored = Number(counts[0]?.stored ?? 0);
    const missingCount = contractTokens === null ? 0 : contractTokens - Number(counts[0]?.below ?? 0);
    let missingIds: number[] = [];
    if (missingCount > 0) {
      // Probes the unique (contract_id, onchain_id) index once per id; only run when something is missing.
      const rows = await db.query<{ id: number }>(
        `SELECT g::int AS id FROM generate_series(0, $2::int - 1) g
         WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.contract_id = $1 AND t.onchain_id = g) ORDER BY g LIMIT ${MISSING_IDS_LISTED}`,
        [this.contractId, String(contractTokens)],
      );
      missingIds = rows.map((r) => r.id);
    }
    const s = state[0];
    return {
      cursor: s ? { ledger: Number(s.last_ledger), ledgerHash: s.last_ledger_hash, updatedAt: s.updated_at } : null,
      storedTokens: stored,
      contractTokens,
      missingIds,
      missingCount: Math.max(0, missingCount),
      lastRuns: runs.map(toRunRow),
      tradeHistory,
    };
  }
}

function toTokenRow(r: RawTokenRow): TokenRow {
  return {
    address: r.address!,
    contractId: r.contract_id!,
    onchainId: Number(r.onchain_id),
    creator: r.creator!,
    name: r.name!,
    symbol: r.symbol!,
    imageUrl: r.image_url!,
    description: r.description!,
    status: r.status as TokenStatusFilter,
    totalSupply: r.total_supply!,
    tokensSold: r.tokens_sold!,
    tokensRemaining: r.tokens_remaining!,
    xlmReserve: r.xlm_reserve!,
    curveK: r.curve_k!,
    xlmRaised: r.xlm_raised!,
    marketCap: r.market_cap!,
    holdersCount: r.holders_count!,
    createdAt: r.created_at!,
    discoveredVia: r.discovered_via as TokenRow["discoveredVia"],
    firstSeenAt: r.first_seen_at!,
    lastSyncedAt: r.last_synced_at!,
    lastSyncedLedger: Number(r.last_synced_ledger),
  };
}

function toListedToken(r: RawTokenRow): ListedToken {
  let truncated = false;
  const cut = { ...r };
  for (const f of CUT_FIELDS) {
    const chars = [...(r[f] ?? "")];
    if (chars.length > LIST_TEXT_LIMIT) {
      cut[f] = chars.slice(0, LIST_TEXT_LIMIT).join("");
      truncated = true;
    }
  }
  return {
    ...toTokenRow(cut),
    truncated,
    volume24hXlm: r.volume_24h ?? "0",
    priceChange24h: r.price_change_24h ?? null,
    lastTradeAt: r.last_trade_at ?? null,
  };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.order, c.value, c.address])).toString("base64url");
}

function decodeCursor(raw: string, sort: TokenSort, order: SortOrder): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const ok =
    Array.isArray(parsed) && parsed.length === 4 && parsed.every((p) => typeof p === "string") && /^-?\d{1,40}$/.test(parsed[2] as string);
  if (!ok) throw new QueryError(`cursor ${quote(raw)} is not valid: pass the nextCursor of a previous page`);
  const [s, o, value, address] = parsed as string[];
  if (s !== sort || o !== order) {
    throw new QueryError(`cursor ${quote(raw)} belongs to sort=${s}&order=${o}, not sort=${sort}&order=${order}`);
  }
  return { sort, order, value: value!, address: address! };
}
