// The GraphQL schema of POST/GET /graphql, as SDL. Its types mirror the JSON API's: amounts (i128/u64) are
// decimal strings, times ISO 8601, and `Status` is the public status only (no URL, database label or error text).
//
// Extension point: market data (trades, candles) joins as `Query.trades(token, first, after)` and
// `Query.candles(token, interval, from, to)` once the read model serves them: add their types here, their
// resolvers in ./resolvers.ts, and each list field's row count to ./limits.ts (LIST_FIELDS), so that a request's total
// rows stay capped.
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../store/token-queries.ts";

export const typeDefs = /* GraphQL */ `
  type Query {
    "One stored token, whole; null when it is not in the database."
    token(address: String!): Token
    "A page of tokens, newest first by default. first: 1..${MAX_PAGE_SIZE} (at most ${MAX_PAGE_SIZE} rows in all per request). after: the previous page's pageInfo.endCursor."
    tokens(where: TokenWhere, orderBy: TokenOrderBy, first: Int = ${DEFAULT_PAGE_SIZE}, after: String): TokenConnection!
    "The public status, as GET /api/status answers it."
    status: Status!
  }

  type Mutation {
    "Reads the token now (one getLedgerEntries round trip), upserts it and its creator, returns the stored row: POST /api/sync-token."
    syncToken(tokenAddress: String!): Token!
  }

  enum TokenStatus {
    BONDING
    GRADUATED
    GRADUATION_FAILED
  }

  enum DiscoveredVia {
    EVENTS
    STORAGE
    MANUAL
  }

  input TokenWhere {
    status: TokenStatus
    "Exact creator address (G... or C...)."
    creator: String
    "Name or symbol, case-insensitive, 3 to 100 characters."
    q: String
  }

  enum TokenSortField {
    CREATED
    MARKET_CAP
    XLM_RAISED
    HOLDERS
  }

  enum SortDirection {
    ASC
    DESC
  }

  input TokenOrderBy {
    field: TokenSortField = CREATED
    direction: SortDirection = DESC
  }

  "A stored token. Amounts are decimal strings; creator-supplied texts are the chain's exactly (hostile: render through visibleText)."
  type Token {
    address: String!
    contractId: String!
    onchainId: Int!
    creator: String!
    name: String!
    symbol: String!
    imageUrl: String!
    description: String!
    status: TokenStatus!
    totalSupply: String!
    tokensSold: String!
    tokensRemaining: String!
    xlmReserve: String!
    curveK: String!
    xlmRaised: String!
    marketCap: String!
    holdersCount: String!
    "Launch time on chain, unix seconds (u64) as a string."
    createdAt: String!
    discoveredVia: DiscoveredVia!
    firstSeenAt: String!
    lastSyncedAt: String!
    lastSyncedLedger: Int!
    "In a list: name, symbol, image URL or description was cut at 1,024 characters (token(address) has them whole)."
    truncated: Boolean!
  }

  type TokenConnection {
    nodes: [Token!]!
    pageInfo: PageInfo!
  }

  type PageInfo {
    hasNextPage: Boolean!
    "Pass as after for the next page, with the same where and orderBy; null on the last page."
    endCursor: String
  }

  type Status {
    contractId: String!
    network: String!
    networkPassphrase: String!
    "leader or standby"
    role: String!
    ready: Boolean!
    latestLedger: Int
    latestLedgerAt: String
    cursor: SyncCursor
    lag: Lag!
    lease: Lease
    ledgerCloseSeconds: Float!
    storedTokens: Int!
    contractTokens: Int
    missingIds: [Int!]!
    missingCount: Int!
    initialSyncDone: Boolean!
    lastBatchAt: String
    lastRuns: [SyncRun!]!
    "how far back the stored trades go, and the ledger ranges missing from them"
    tradeHistory: TradeHistory!
  }

  type TradeHistory {
    "the first ledger whose trades are stored; null before any run"
    fromLedger: Int
    "a backfill covered the history before the sync's first window"
    backfilled: Boolean!
    "ledger ranges (inclusive) whose trades were never read"
    holes: [LedgerRange!]!
  }

  type LedgerRange {
    fromLedger: Int!
    toLedger: Int!
  }

  type SyncCursor {
    ledger: Int!
    ledgerHash: String
    updatedAt: String!
  }

  type Lag {
    ledgers: Int
    seconds: Float
  }

  type Lease {
    holder: String!
    epoch: String!
    deadline: String!
    live: Boolean!
    mine: Boolean!
    ttlSeconds: Float!
  }

  type SyncRun {
    id: String!
    trigger: String!
    outcome: String!
    startedAt: String!
    finishedAt: String
    found: RunFound!
    synced: Int!
    unchanged: Int!
    failed: Int!
    missing: Int!
    fromLedger: Int
    toLedger: Int
  }

  type RunFound {
    events: Int!
    storage: Int!
    manual: Int!
  }
`;
