// The package's programmatic API. Importing it runs nothing.
export { syncTokens, processToken } from "./api.ts";
export { getAllTokenAddressesFromEvents, migrateDatabase, SyncSession } from "./sync/sync.ts";
export type { SyncReport, RunHooks, Logger, TokenLine, TokenOutcome, SyncRequest, SessionOptions, ChainHead } from "./sync/sync.ts";
export { withWebhooks } from "./webhooks/feature.ts";
export type { SyncOptions } from "./config/config.ts";
export { ConfigError, FatalError, LockedError, InterruptedError } from "./internal/errors.ts";
export type { TokenInfo, TokenStatus, BondingCurve } from "./contract/types.ts";
export { backfill } from "./history/backfill.ts";
export type { BackfillOptions, BackfillReport } from "./history/backfill.ts";
// Display only: how the dashboard and the text report show creator-supplied strings (the stored values stay exact).
export { visibleText } from "./internal/text/visible.ts";
// The REST API's typed client (also alone, without the Node API, as "sync-tokens/client").
export { createClient, ApiRequestError, subscribeStream } from "./client/index.ts";
export type { ClientOptions, SyncTokensClient, Token, TokenPage, TokenListQuery, Status, ErrorCode, StreamEvents, StreamEventType } from "./client/index.ts";
