// A sync session: the RPC checked, the database open, migrated and locked for one contract, ready to run the
// pipeline (discover, read, write, report) as often as its owner wants. The batch command runs it once; the live
// follower, the HTTP server and the history backfill keep one open and run it again and again.
import { resolveConfig, type SyncConfig, type SyncOptions } from "../config/config.ts";
import { FactoryReader } from "../contract/factory.ts";
import { ConfigError, FatalError, LockedError, messageOf } from "../internal/errors.ts";
import { redactSecrets, redactUrl, urlSecrets } from "../internal/redact.ts";
import { RpcClient, RpcError } from "../rpc/client.ts";
import { migrateOrFail, openDatabaseOrFail } from "../store/migrate-database.ts";
import { silentLogger, type Logger } from "../internal/logger.ts";
import { DatabaseError, type Database } from "../store/database.ts";
import { tryLockContract, type RunLock } from "../store/run-lock.ts";
import { leaseHolder } from "../store/holder.ts";
import { leaseMsFrom, readLease, DEFAULT_LEASE_MS, type LeaseRow } from "../store/lease.ts";
import { TokenStore, type ChangeRecorder } from "../store/token-store.ts";
import { preflight, readHead, type ChainHead } from "./chain-head.ts";
import { SyncRun } from "./run.ts";
import type { RunHooks, RunResult, SessionFeature, SessionObserver, SessionOptions, SyncReport, SyncRequest } from "./types.ts";

export type { RunHooks, SessionOptions, SyncReport, SyncRequest } from "./types.ts";
export type { ChainHead } from "./chain-head.ts";

export class SyncSession {
  readonly config: SyncConfig;
  readonly rpc: RpcClient;
  readonly reader: FactoryReader;
  readonly logger: Logger;
  readonly features: readonly SessionFeature[];
  /** Masks every secret of the configuration (database password, RPC key) in a text. */
  readonly redact: (text: string) => string;
  #db: Database | null = null;
  #store: TokenStore | null = null;
  #lock: RunLock | null = null;
  /** The lease's length (SYNC_LEASE_MS). */
  #leaseMs = DEFAULT_LEASE_MS;
  /**
   * The head read by open(), used by the first sync to save a round trip. It may be seconds old by then (the
   * embedded database's first start takes ~6 s): the event scan recovers when the window slid meanwhile.
   */
  #openedHead: ChainHead | null = null;
  /** Request counts already reported by an earlier sync(). */
  #reported: Record<string, number> = {};

  readonly #observer: SessionObserver;

  private constructor(config: SyncConfig, hooks: RunHooks, observer: SessionObserver = {}) {
    const logger = hooks.logger ?? silentLogger;
    const signal = hooks.signal;
    this.config = config;
    this.features = hooks.features ?? [];
    this.#observer = observer;
    let secrets: readonly string[] = [...(config.databaseUrl ? urlSecrets(config.databaseUrl) : []), ...(config.webhooks?.secrets ?? [])];
    this.redact = (text) => redactSecrets(text, secrets);
    this.logger = { info: (m) => logger.info(this.redact(m)), warn: (m) => logger.warn(this.redact(m)) };
    this.rpc = new RpcClient({
      url: config.rpcUrl,
      timeoutMs: config.timeoutMs,
      signal,
      onRetry: ({ method, attempt, error, delayMs }) => {
        observer.rpcRetry?.({ method, attempt, delayMs });
        this.logger.warn(`${method} failed (${error.message}); retry ${attempt} in ${Math.round(delayMs)} ms`);
      },
      // An answer from the RPC is progress: the lease is renewed only while the holder makes some.
      onResponse: (e) => {
        if (e.outcome === "ok") this.#lock?.progress();
        observer.rpcRequest?.(e);
      },
    });
    secrets = [...secrets, ...this.rpc.secrets];
    this.reader = new FactoryReader({ rpc: this.rpc, contractId: config.contractId, networkPassphrase: config.networkPassphrase, concurrency: config.concurrency });
  }

  /** Validates the options, checks the RPC's network, then opens, locks and migrates the database. */
  static async open(options: SessionOptions = {}): Promise<SyncSession> {
    const config = resolveConfig(options, options.env);
    const session = new SyncSession(config, options, options.observer);
    session.#leaseMs = leaseMsFrom(options.env ?? process.env);
    // PostgreSQL's connection opens while the RPC is checked (nothing is locked, migrated or written before the checks
    // pass); the embedded database only after them, since opening it creates its folder.
    const open = () => openDatabaseOrFail({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const connecting = config.databaseUrl ? open() : null;
    connecting?.catch(() => {}); // awaited below, after the RPC's verdict
    try {
      session.#openedHead = await preflight(session.reader, session.config);
      session.#db = await (connecting ?? open());
      await session.openDatabase(options.lock ?? true);
      return session;
    } catch (error) {
      session.#db ??= connecting && (await connecting.catch(() => null));
      await session.close();
      throw session.publicError(error);
    }
  }

  /** A session that talks to the RPC only, its network checked: no database is opened. */
  static async connect(options: SyncOptions & RunHooks = {}): Promise<{ session: SyncSession; head: ChainHead }> {
    const config = resolveConfig(options, options.env);
    const session = new SyncSession(config, options);
    try {
      return { session, head: await preflight(session.reader, session.config) };
    } catch (error) {
      throw session.publicError(error);
    }
  }

  get db(): Database {
    if (!this.#db) throw new Error("the session has no database open");
    return this.#db;
  }

  get store(): TokenStore {
    if (!this.#store) throw new Error("the session has no database open");
    return this.#store;
  }

  /** True while this session holds the contract's run lock. */
  get locked(): boolean {
    return this.#lock !== null && !this.#lock.lost.aborted;
  }

  /** Takes the contract's run lock if free; false when another process holds it. */
  async tryLock(): Promise<boolean> {
    if (this.locked) return true;
    if (this.#lock) await this.#releaseLock();
    this.#lock = await tryLockContract(this.db, this.config.contractId, {
      leaseMs: this.#leaseMs,
      onTakeover: ({ staleHolder, endedPids }) =>
        this.logger.warn(
          `the lease of ${staleHolder} on contract ${this.config.contractId} expired: ended its database sessions (${endedPids.length ? `server processes ${endedPids.join(", ")}` : "none left"}) to take over`,
        ),
    });
    return this.#lock !== null;
  }

  /** The contract's lease as the database holds it (null on the embedded database, or before any claim). */
  async lease(): Promise<(LeaseRow & { mine: boolean; ttlMs: number }) | null> {
    if (this.db.kind === "pglite") return null;
    const row = await this.db.withSession((s) => readLease(s.query, this.config.contractId));
    return row && { ...row, mine: row.holder === leaseHolder() && this.#lock?.epoch === row.epoch, ttlMs: this.#leaseMs };
  }

  /** The lease's length in ms (SYNC_LEASE_MS): its holder renews it about every quarter of it. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /** Aborted when the run lock is lost with its connection (a database restart). */
  get lockLost(): AbortSignal | undefined {
    return this.#lock?.lost;
  }

  /** Runs the pipeline once and records it in sync_runs. */
  async sync(request: SyncRequest = {}): Promise<SyncReport> {
    const startedAt = performance.now();
    const config: SyncConfig = {
      ...this.config,
      full: request.full ?? this.config.full,
      tokens: request.tokens ?? this.config.tokens,
      creators: [...this.config.creators, ...(request.creators ?? [])],
      trigger: request.trigger ?? this.config.trigger,
    };
    try {
      // A read of named tokens needs no window: it costs the reads alone.
      const head = config.tokens.length > 0 ? null : (this.#takeOpenedHead() ?? (await this.head()));
      const store = this.store;
      const run = new SyncRun({
        config,
        rpc: this.rpc,
        reader: this.reader,
        store,
        logger: this.logger,
        latestLedger: head?.latestLedger ?? 0,
        oldestLedger: head?.oldestLedger ?? 0,
        latestLedgerHash: head?.latestLedgerHash ?? null,
        tokenCount: head?.tokenCount ?? 0,
        tokenCountLedger: head?.tokenCountLedger ?? null,
        discovered: request.discovered,
        signal: request.signal,
        onProgress: request.onProgress,
        listTokens: request.listTokens,
      });
      const runId = config.dryRun || request.record === false ? null : await store.startRun(config.trigger);
      let result: RunResult;
      try {
        result = await run.execute();
        if (runId !== null) {
          await store.finishRun(runId, result.partial ? "PARTIAL" : "SUCCEEDED", run.counts);
        }
      } catch (error) {
        if (runId !== null) await store.finishRun(runId, "FAILED", run.counts, this.redact(messageOf(error))).catch(() => {});
        throw error;
      }
      const redact = this.redact;
      return {
        contractId: config.contractId,
        network: config.network,
        networkPassphrase: config.networkPassphrase,
        rpcUrl: redactUrl(config.rpcUrl),
        dryRun: config.dryRun,
        ...result,
        database: this.db.label,
        latestLedger: Math.max(head?.latestLedger ?? 0, this.reader.latestLedgerSeen),
        // Failure reasons can quote what the RPC said, and an RPC may echo its own URL with the key in it.
        failed: result.failed.map((f) => ({ ...f, error: redact(f.error) })),
        tokens: result.tokens.map((t) => (t.error === undefined ? t : { ...t, error: redact(t.error) })),
        warnings: result.warnings.map(redact),
        rpcRequests: this.#takeRequestCounts(),
        durationMs: Math.round(performance.now() - startedAt),
      };
    } catch (error) {
      this.#takeRequestCounts();
      throw this.publicError(error);
    }
  }

  /**
   * Requests sent since the last report. The first run's report counts what open() sent for it too (the network
   * check and the head).
   */
  #takeRequestCounts(): Record<string, number> {
    const now = { ...this.rpc.requestCounts };
    const sent = since(this.#reported, now);
    this.#reported = now;
    return sent;
  }

  /** Releases the lock and closes the database; safe to call twice. */
  async close(): Promise<void> {
    await this.#releaseLock();
    const db = this.#db;
    this.#db = null;
    this.#store = null;
    await db?.close();
  }

  /** The error a run ends with, its message free of secrets; an RPC that gave out for good is fatal (exit 1). */
  publicError(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    // The cause stays attached, so that a long-running owner can tell an outage (retry later) from a final failure.
    if (error instanceof RpcError) return new FatalError(`the RPC failed: ${this.redact(error.message)}`, { cause: error });
    if (error instanceof DatabaseError) return new FatalError(this.redact(error.message), { cause: error });
    error.message = this.redact(error.message);
    return error;
  }

  /** The RPC's retention window and latest ledger, and the contract's token count read after them. */
  head(): Promise<ChainHead> {
    return readHead(this.reader, this.config);
  }

  #takeOpenedHead(): ChainHead | null {
    const opened = this.#openedHead;
    this.#openedHead = null;
    return opened;
  }

  /** Locks (when asked) and migrates the database opened, and sets up the store. */
  private async openDatabase(lock: boolean): Promise<void> {
    const config = this.config;
    const db = this.db;
    // Migrated before the lock is taken, since the lease lives in a table (migrations take their own lock).
    if (config.dryRun) {
      if (!(await isMigrated(db))) {
        throw new FatalError(`${db.label} has no sync-tokens tables yet: run once without --dry-run, or run \`sync-tokens db migrate\``);
      }
    } else {
      await migrateOrFail(db);
    }
    if (lock && !(await this.tryLock())) throw new LockedError(`another sync-tokens run holds the lock for contract ${config.contractId}`);
    // Webhooks: the batches' statements also write the outbox (loaded only when an endpoint is configured).
    const recorder = config.dryRun ? undefined : await this.#recorder();
    if (config.webhooks && !config.dryRun && !recorder) {
      throw new ConfigError("webhook endpoints are configured, but the session was opened without the webhooks feature: pass withWebhooks(options)");
    }
    const write = this.#observer.write;
    // A committed batch is progress too (a long pass may read little from the RPC between writes).
    this.#store = new TokenStore(db, config.contractId, (e) => {
      if (e.ok) this.#lock?.progress();
      write?.(e);
    }, recorder);
  }

  /** What the batches record their changes with: the first feature's that has one. */
  async #recorder(): Promise<ChangeRecorder | undefined> {
    for (const feature of this.features) {
      const recorder = await feature.recorder?.(this);
      if (recorder) return recorder;
    }
    return undefined;
  }

  async #releaseLock(): Promise<void> {
    const lock = this.#lock;
    this.#lock = null;
    await lock?.release();
  }
}

async function isMigrated(db: Database): Promise<boolean> {
  const rows = await db.withSession((s) => s.query<{ ok: boolean }>(`SELECT to_regclass('public.tokens') IS NOT NULL AS ok`));
  return rows[0]?.ok === true;
}

/** Requests per method sent since `before`. */
function since(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [method, n] of Object.entries(now)) if (n - (before[method] ?? 0) > 0) out[method] = n - (before[method] ?? 0);
  return out;
}
