// One synchronization of one SAC Factory contract into the database, and the smaller entry points built on the
// same session (session.ts). Capabilities above this layer (the webhooks) come in as `features`; the package's
// entry points (src/api.ts) add them.
import type { SyncOptions } from "../config/config.ts";
import { scanFactoryEvents } from "../discovery/events.ts";
import { SyncSession, type RunHooks } from "./session.ts";
import type { SyncReport, TokenLine } from "./types.ts";

export type { Logger } from "../internal/logger.ts";
export type { SyncReport, TokenLine, TokenOutcome } from "./types.ts";
export { migrateDatabase } from "../store/migrate-database.ts";
export type { RunHooks, SyncRequest, SessionOptions, ChainHead } from "./session.ts";
export { SyncSession } from "./session.ts";

/** Runs one synchronization of the configured contract into the database; each feature's afterRun runs before it returns. */
export async function syncTokens(options: SyncOptions & RunHooks = {}): Promise<SyncReport> {
  const session = await SyncSession.open(options);
  try {
    const report = await session.sync({ signal: options.signal, onProgress: options.onProgress, listTokens: options.listTokens });
    // A cron run delivers what it queued (and what earlier runs left) before it exits, within the webhook timeout.
    for (const feature of session.features) await feature.afterRun?.(session, report, options.signal);
    return report;
  } finally {
    await session.close();
  }
}

/** Reads one token's TokenInfo and stores it: a sync of that address alone, without discovery. */
export async function processToken(address: string, options: SyncOptions & RunHooks = {}): Promise<TokenLine> {
  const report = await syncTokens({ ...options, tokens: [address] });
  return report.tokens[0] ?? { address, outcome: "failed", error: "not read" };
}

/** Every token address the factory's events name within the RPC's retention window. Touches no database. */
export async function getAllTokenAddressesFromEvents(options: SyncOptions & RunHooks = {}): Promise<string[]> {
  const { session, head } = await SyncSession.connect(options);
  try {
    const scan = await scanFactoryEvents({
      rpc: session.rpc,
      contractId: session.config.contractId,
      fromLedger: head.oldestLedger,
      toLedger: head.latestLedger,
      concurrency: session.config.concurrency,
      logger: session.logger,
    });
    return [...scan.tokens.keys()];
  } catch (error) {
    throw session.publicError(error);
  }
}
