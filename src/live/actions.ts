// What the HTTP API and the dashboard can ask of a live process, as plain async calls: read one token now,
// scan one creator, start a full resync, and report the status. Each call validates its input at the edge
// (StrKey), reuses the session's pipeline (SyncSession.sync), and fails with a domain error (./errors.ts) that
// every front end maps to its answer alike.
import pLimit from "p-limit";
import { messageOf } from "../internal/errors.ts";
import { redactUrl } from "../internal/redact.ts";
import { errorId } from "../internal/error-id.ts";
import { sharedFor } from "../internal/shared-for.ts";
import type { SyncReport, SyncSession } from "../sync/session.ts";
import type { SyncRunRow } from "../store/sync-run-rows.ts";
import { TokenQueries, type StoreStatus, type TokenRow } from "../store/token-queries.ts";
import type { Logger } from "../internal/logger.ts";
import type { Metrics } from "../internal/metrics.ts";
import { LiveError, ReadFailedError, UnavailableError, UnknownTokenError, validArgument } from "./errors.ts";
import type { FollowerState, FollowerView } from "./follower.ts";
import { isTransient, spentRpc } from "./failures.ts";
import { SessionUnavailableError, type SessionKeeper } from "./session-keeper.ts";

export interface LiveStatus {
  contractId: string;
  network: string;
  networkPassphrase: string;
  rpcUrl: string;
  database: string;
  role: FollowerState["role"];
  ready: boolean;
  latestLedger: number | null;
  latestLedgerAt: string | null;
  cursor: StoreStatus["cursor"];
  lag: { ledgers: number | null; seconds: number | null };
  /** The contract's lease (PostgreSQL only): who follows the chain, under which epoch, and until when unless renewed. */
  lease: { holder: string; epoch: string; deadline: string; live: boolean; mine: boolean; ttlSeconds: number } | null;
  ledgerCloseSeconds: number;
  storedTokens: number;
  contractTokens: number | null;
  missingIds: number[];
  missingCount: number;
  initialSyncDone: boolean;
  lastBatchAt: string | null;
  lastError: string | null;
  lastRuns: SyncRunRow[];
  /** How far back the stored trades go, whether a backfill completed them, and their holes. */
  tradeHistory: StoreStatus["tradeHistory"];
}

export interface CreatorScanResult {
  creator: string;
  tokens: number;
  synced: number;
  unchanged: number;
  failed: { address: string; error: string }[];
}

/** The calls the HTTP API and the dashboard make. */
export interface LiveActions {
  /** Reads the token now (one getLedgerEntries round trip), upserts it and its creator, returns the stored row. */
  syncToken(address: string): Promise<TokenRow>;
  /** Reads the creator's token list and syncs every token on it. */
  scanCreator(address: string): Promise<CreatorScanResult>;
  /** Queues a `--full` resync on the leader; resolves once queued, with the pass's report in `done`. */
  fullResync(): Promise<{ done: Promise<SyncReport> }>;
  /** The full status, URLs and error texts included: for the admin (publicStatus() cuts the public view). */
  status(): Promise<LiveStatus>;
  /** Rows in the tokens table for the contract (the metrics' gauge), from the same shared read as the status. */
  storedTokens(): Promise<number | null>;
  /** Ready to serve: the first sync is done and the cursor is at most `readyLagLedgers` behind. */
  ready(): Promise<boolean>;
  /** The read model over the session's database (null while no session is open). */
  queries(): TokenQueries;
}

export interface LiveActionsOptions {
  keeper: SessionKeeper;
  follower: FollowerView;
  metrics: Metrics;
  logger: Logger;
  /** Token reads running at once (default 4); beyond, requests wait in the queue. */
  concurrency?: number;
  /** Requests waiting beyond the running ones before new ones are refused as unavailable (default 64). */
  maxQueue?: number;
  /** Lag in ledgers above which the process is not ready (default 5). */
  readyLagLedgers?: number;
  /**
   * A sync-token call fails as unavailable after this long (default 10,000 ms) while the RPC retries; the read goes on,
   * and calls for the same token meanwhile share it.
   */
  readTimeoutMs?: number;
}

/**
 * How long the database's part of the status (counts, missing ids, last runs) is shared by every caller of status(),
 * ready() and storedTokens(): a flood of status requests costs one query a second.
 */
const STATUS_SHARE_MS = 1000;

export function createLiveActions(options: LiveActionsOptions): LiveActions {
  const { keeper, follower, metrics, logger } = options;
  const limit = pLimit(options.concurrency ?? 4);
  const maxQueue = options.maxQueue ?? 64;
  const readyLag = options.readyLagLedgers ?? 5;
  const readTimeoutMs = options.readTimeoutMs ?? 10_000;
  // One read per token at a time: a burst of calls for a fresh launch shares it.
  const inFlight = new Map<string, Promise<TokenRow>>();
  let queries: { session: SyncSession; queries: TokenQueries } | null = null;

  /** A generic "unavailable" for the caller; the detail goes to the log under the same id. */
  const failure = (what: string, detail: string): UnavailableError => {
    const id = errorId();
    logger.warn(`[error ${id}] ${what}: ${detail}`);
    return new UnavailableError(`the RPC or the database is unavailable: try again shortly (error ${id})`, 5);
  };
  const session = (): SyncSession => {
    try {
      return keeper.get();
    } catch (error) {
      throw failure("no session", messageOf(error).split("\n")[0] ?? "");
    }
  };
  const queriesOf = (s: SyncSession): TokenQueries => {
    if (queries?.session !== s) queries = { session: s, queries: new TokenQueries(s.db, s.config.contractId) };
    return queries.queries;
  };

  /** Maps a failure of the pipeline to its answer; an RPC given up for dead gets a new session meanwhile. */
  const unavailable = (s: SyncSession, error: unknown): LiveError => {
    if (error instanceof LiveError) return error;
    if (spentRpc(error)) void keeper.renew(s).catch(() => {});
    const message = s.redact(messageOf(error).split("\n")[0] ?? "");
    const expected = error instanceof SessionUnavailableError || isTransient(error);
    return failure(expected ? "unavailable" : "unexpected failure", message);
  };
  // Keyed by the contract's count, which decides the missing ids; the follower's own state is read fresh.
  const storeStatus = sharedFor(STATUS_SHARE_MS, async (contractTokens: number | null) => {
    const s = session();
    try {
      return await queriesOf(s).status({ contractTokens });
    } catch (error) {
      throw unavailable(s, error);
    }
  });

  const readToken = async (address: string): Promise<TokenRow> => {
    const s = session();
    let report: SyncReport;
    try {
      report = await s.sync({ tokens: [address], record: false, trigger: "api" });
    } catch (error) {
      throw unavailable(s, error);
    }
    const line = report.tokens[0];
    if (line?.outcome === "failed") {
      if (line.unknown) throw new UnknownTokenError(`token ${address} is not known to the factory ${s.config.contractId}`);
      const id = errorId();
      logger.warn(`[error ${id}] token ${address} could not be read: ${line.error ?? "unknown error"}`);
      throw new ReadFailedError(`token ${address} could not be read from the RPC (error ${id})`);
    }
    const row = await queriesOf(s).get(address).catch((error: unknown) => {
      throw unavailable(s, error);
    });
    if (!row) throw new UnavailableError(`token ${address} was read but its row is not in the database`, 1);
    return row;
  };

  const actions: LiveActions = {
    async syncToken(raw) {
      const address = validArgument(raw, "tokenAddress", ["contract"]);
      let read = inFlight.get(address);
      if (!read) {
        if (limit.pendingCount >= maxQueue) throw new UnavailableError(`too many sync-token requests are waiting (${maxQueue}); try again shortly`, 1);
        const started = performance.now();
        read = limit(() => readToken(address)).finally(() => {
          inFlight.delete(address);
          metrics.syncTokenSeconds.observe((performance.now() - started) / 1000);
        });
        read.catch(() => {}); // a caller that timed out no longer awaits it
        inFlight.set(address, read);
      }
      return withTimeout(read, readTimeoutMs, () => new UnavailableError(`the RPC did not answer within ${readTimeoutMs / 1000} s: try again shortly`, 5));
    },

    async scanCreator(raw) {
      const creator = validArgument(raw, "creator", ["account", "contract"]);
      const s = session();
      try {
        const lists = await s.reader.readCreatorTokens([creator]);
        const list = lists.get(creator);
        if (list instanceof Error) throw new ReadFailedError(`the token list of ${creator} could not be read: ${s.redact(list.message)}`);
        const tokens = list ?? [];
        if (tokens.length === 0) return { creator, tokens: 0, synced: 0, unchanged: 0, failed: [] };
        // Not recorded in sync_runs: a run row is the lock holder's, and this read needs no lock (it moves no cursor).
        const report = await s.sync({ tokens, record: false, trigger: "admin" });
        return { creator, tokens: tokens.length, synced: report.synced, unchanged: report.unchanged, failed: report.failed };
      } catch (error) {
        throw unavailable(s, error);
      }
    },

    async fullResync() {
      return follower.requestFullResync();
    },

    async status() {
      const s = session();
      const f = follower.state;
      const [store, lease] = await Promise.all([
        storeStatus(f.contractTokens),
        s.lease().catch((error: unknown) => {
          throw unavailable(s, error);
        }),
      ]);
      const lagLedgers = f.latestLedger !== null && store.cursor ? Math.max(0, f.latestLedger - store.cursor.ledger) : null;
      return {
        contractId: s.config.contractId,
        network: s.config.network,
        networkPassphrase: s.config.networkPassphrase,
        rpcUrl: redactUrl(s.config.rpcUrl),
        database: s.db.label,
        role: f.role,
        ready: isReady(f, store, readyLag),
        latestLedger: f.latestLedger,
        latestLedgerAt: iso(f.latestLedgerAt),
        cursor: store.cursor,
        lag: { ledgers: lagLedgers, seconds: lagSeconds(f, lagLedgers) },
        lease: lease && { holder: lease.holder, epoch: lease.epoch.toString(), deadline: lease.deadline.toISOString(), live: lease.live, mine: lease.mine, ttlSeconds: lease.ttlMs / 1000 },
        ledgerCloseSeconds: Math.round(f.ledgerSeconds * 100) / 100,
        storedTokens: store.storedTokens,
        contractTokens: store.contractTokens,
        missingIds: store.missingIds,
        missingCount: store.missingCount,
        initialSyncDone: f.initialSyncDone,
        lastBatchAt: iso(f.lastBatchAt),
        lastError: f.lastError,
        lastRuns: store.lastRuns,
        tradeHistory: store.tradeHistory,
      };
    },

    async storedTokens() {
      if (!keeper.current) return null;
      return (await storeStatus(follower.state.contractTokens)).storedTokens;
    },

    async ready() {
      if (!keeper.current) return false;
      try {
        return isReady(follower.state, await storeStatus(follower.state.contractTokens), readyLag);
      } catch {
        return false;
      }
    },

    queries() {
      return queriesOf(session());
    },
  };
  return actions;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The chain's own seconds when the follower measured them for this lag, else ledgers times the learnt interval. */
function lagSeconds(f: FollowerState, lagLedgers: number | null): number | null {
  if (lagLedgers === null) return null;
  if (lagLedgers === 0) return 0;
  return f.lagSeconds ?? Math.round(lagLedgers * f.ledgerSeconds * 10) / 10;
}

function isReady(f: FollowerState, store: StoreStatus, readyLag: number): boolean {
  if (f.role === "leader" && !f.initialSyncDone) return false;
  if (f.latestLedger === null || !store.cursor) return false;
  return f.latestLedger - store.cursor.ledger <= readyLag;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
