// The sync layer's types and constants: what a run takes and returns, and the report a session makes of it. They
// live here, below the run and the report renderer, so that neither imports the other and no layer above is needed.
import type { ManualCreator, SyncConfig, SyncOptions } from "../config/config.ts";
import type { FactoryReader } from "../contract/factory.ts";
import type { Discovered } from "../discovery/events.ts";
import type { RpcClient, RpcOutcome } from "../rpc/client.ts";
import type { Logger } from "../internal/logger.ts";
import type { Database } from "../store/database.ts";
import type { ChangeRecorder, TokenStore, WriteObserver } from "../store/token-store.ts";

/**
 * Above this many tokens the terminal shows failures only (and a progress bar while running), and a run keeps
 * lines for failures only unless every line is asked for.
 */
export const LIST_LIMIT = 50;

export type TokenOutcome = "new" | "updated" | "unchanged" | "failed" | "would-sync";

export interface TokenLine {
  address: string;
  outcome: TokenOutcome;
  name?: string;
  symbol?: string;
  creator?: string;
  status?: string;
  error?: string;
  /** Set when the factory answered that it has no such token (a final answer, not a failure to read). */
  unknown?: true;
}

export interface RunResult {
  /** Something was left undone: tokens failed, ids are missing, or creators' lists could not be read. */
  partial: boolean;
  cursor: { from: number | null; to: number | null };
  discovered: { events: number; storage: number; manual: number; total: number };
  contractTokenCount: number;
  missingIds: number[];
  synced: number;
  unchanged: number;
  failed: { address: string; error: string }[];
  /** Creators whose token list could not be read: the cursor stayed for them. */
  unscannedCreators: string[];
  /**
   * Per-token lines: every failure, and the others only when the run read at most LIST_LIMIT tokens or
   * `listTokens` was asked for (a line per token would grow with the launchpad).
   */
  tokens: TokenLine[];
  /** Tokens read in this run: the lines there were, whether kept or not. */
  tokensRead: number;
  warnings: string[];
}

/** Webhook deliveries a one-shot run made before it returned; the webhooks layer fills it. */
export interface WebhookDrain {
  delivered: number;
  /** Attempts that failed and will be retried. */
  retried: number;
  failed: number;
  /** Deliveries still pending for the configured endpoints when the drain ended. */
  pending: number;
  /** Delivered events deleted for being older than the retention. */
  pruned: number;
}

export interface SyncReport extends RunResult {
  contractId: string;
  network: string;
  networkPassphrase: string;
  rpcUrl: string;
  database: string;
  dryRun: boolean;
  latestLedger: number;
  rpcRequests: Record<string, number>;
  durationMs: number;
  /** Webhook deliveries made before the run returned (when endpoints are configured). */
  webhooks?: WebhookDrain;
}

export interface RunContext {
  config: SyncConfig;
  rpc: RpcClient;
  reader: FactoryReader;
  store: TokenStore;
  logger: Logger;
  latestLedger: number;
  oldestLedger: number;
  /** Hash of latestLedger (stored with the cursor as the chain's fingerprint), when known. */
  latestLedgerHash: string | null;
  tokenCount: number;
  /** The latest ledger of the node that counted (null: not said). */
  tokenCountLedger?: number | null;
  /** Tokens and launches found outside the RPC's window (history), read like those the events name. */
  discovered?: Discovered | undefined;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Keep a line for every token read, however many. */
  listTokens?: boolean;
}

/** The tokens stored before the run: address -> its id and creator. */
export type Known = Map<string, { onchainId: number; creator: string }>;

/** What a feature above the sync layer (the webhooks) gets from the session it rides on. */
export interface SessionParts {
  db: Database;
  config: SyncConfig;
  logger: Logger;
  redact: (text: string) => string;
}

/**
 * A capability above the sync layer that rides on a session (the webhooks): the session calls it, and never
 * imports it. Both hooks are optional.
 */
export interface SessionFeature {
  /** Once the database is open and migrated, outside a dry run: what the batches record their changes with. */
  recorder?(session: SessionParts): Promise<ChangeRecorder | undefined>;
  /** After a one-shot run (syncTokens), before its session closes; a failure here must not fail the run. */
  afterRun?(session: SessionParts, report: SyncReport, signal?: AbortSignal): Promise<void>;
}

export interface RunHooks {
  logger?: Logger;
  /** Aborting stops the run after its current batch (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Called as tokens are written: done of total. */
  onProgress?: (done: number, total: number) => void;
  /** Keep a report line for every token read (`--verbose`); by default past 50 tokens only failures keep theirs. */
  listTokens?: boolean;
  /** Capabilities that ride on the session (the webhooks: `withWebhooks` in src/webhooks/feature.ts). */
  features?: readonly SessionFeature[];
}

/** What a long-running owner of the session measures (metrics); every hook is optional. */
export interface SessionObserver {
  /** Each HTTP request to the RPC, retries included. */
  rpcRequest?: (e: { method: string; outcome: RpcOutcome; durationMs: number }) => void;
  /** Each retry the RPC client schedules. */
  rpcRetry?: (e: { method: string; attempt: number; delayMs: number }) => void;
  /** Each batch transaction. */
  write?: WriteObserver;
}

export interface SessionOptions extends SyncOptions, RunHooks {
  observer?: SessionObserver;
  /**
   * Hold the contract's run lock for the session's life (default). Without it the session may read, but any
   * write that needs the lock fails; the lock can be taken later with `tryLock()`.
   */
  lock?: boolean;
}

/** One pass of the pipeline; every field defaults to the session's configuration. */
export interface SyncRequest {
  full?: boolean;
  /** Read just these tokens: no discovery, no cursor, no count check. */
  tokens?: string[];
  /** Creators to scan on top of the configured ones. */
  creators?: ManualCreator[];
  /** Tokens and launches found outside the RPC's event window (the history backfill). */
  discovered?: Discovered;
  trigger?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Keep a report line for every token read, however many. */
  listTokens?: boolean;
  /** Record the run in sync_runs (default true; single-token reads from the API skip it). */
  record?: boolean;
}

/**
 * Reads recorded holes in the trades from history (src/history/hole-filler.ts), a stretch at a time: the follower
 * hands each stretch to its next pass, which stores the trades and takes the stretch out of the holes together.
 */
export interface HoleFiller {
  /** The next stretch of the first hole the source can give, read in full; null when there is none to read now. */
  next(session: { db: Database; config: SyncConfig }, signal: AbortSignal): Promise<Discovered | null>;
  close(): Promise<void>;
}
