// The package's entry points with every capability wired: a run with webhook endpoints records their events in
// the outbox and delivers them before it returns. The sync layer (src/sync/) takes the webhooks as a feature.
import type { SyncOptions } from "./config/config.ts";
import * as core from "./sync/sync.ts";
import type { RunHooks, SyncReport, TokenLine } from "./sync/sync.ts";
import { withWebhooks } from "./webhooks/feature.ts";

/** Runs one synchronization of the configured contract into the database. */
export function syncTokens(options: SyncOptions & RunHooks = {}): Promise<SyncReport> {
  return core.syncTokens(withWebhooks(options));
}

/** Reads one token's TokenInfo and stores it: a sync of that address alone, without discovery. */
export function processToken(address: string, options: SyncOptions & RunHooks = {}): Promise<TokenLine> {
  return core.processToken(address, withWebhooks(options));
}
