// The live follower: runs the pipeline (SyncSession.sync) once to catch up from the stored cursor, then again
// after every ledger close, so the database stays at most one ledger behind the RPC. Only the holder of the
// contract's lock follows; a process that cannot take it waits as a standby and tries again every few seconds,
// so that when the leader dies another process takes over from the stored cursor. The lock comes with a lease
// (src/store/lease.ts) that the leader renews only while it makes progress: a frozen leader, or one cut off from
// the RPC, lets it lapse, and a standby whose own RPC answers takes over. A leader that finds its lease taken
// steps down to standby. Failures are waited out with backoff (an RPC outage, a 429, a database restart);
// shutdown lets the pass in progress finish its batch.
import { InterruptedError, LockedError, messageOf } from "../internal/errors.ts";
import type { SyncReport, SyncRequest, SyncSession } from "../sync/session.ts";
import type { HoleFiller } from "../sync/types.ts";
import type { Common } from "../internal/common.ts";
import { Backoff, sleep } from "./backoff.ts";
import { NotLeaderError, UnavailableError } from "./errors.ts";
import { lostDatabase, spentRpc } from "./failures.ts";
import { LedgerClock } from "./ledger-clock.ts";
import type { SessionKeeper } from "./session-keeper.ts";

/** What the follower exposes to the live actions (src/live/actions.ts) and to the status. */
export interface FollowerView {
  readonly state: FollowerState;
  /**
   * Queues a `--full` resync as the follower's next pass; throws a NotLeaderError when this process does not hold
   * the lock (another replica follows). `done` settles with the pass's report.
   */
  requestFullResync(): { done: Promise<SyncReport> };
}

export interface FollowerState {
  /** "leader": holds the contract's lock and follows; "standby": another process does; "starting": not yet known. */
  role: "leader" | "standby" | "starting";
  /** The RPC's latest ledger, last seen at `latestLedgerAt` (ms since the epoch). */
  latestLedger: number | null;
  latestLedgerAt: number | null;
  /** get_token_count as of the last head read. */
  contractTokens: number | null;
  /** Observed seconds between ledger closes. */
  ledgerSeconds: number;
  /** The leader's first pass is done (catch-up from the stored cursor). */
  initialSyncDone: boolean;
  lastBatchAt: number | null;
  lastError: string | null;
  /** The cursor's lag in the chain's seconds (close times of its ledger and the latest), when the RPC told. */
  lagSeconds: number | null;
}

export interface FollowerOptions {
  keeper: SessionKeeper;
  common: Common;
  /** Recorded in sync_runs for the first pass and full resyncs ("watch", "serve"). */
  trigger: string;
  /**
   * true (serve): when another process holds the lock, wait as a standby. false (watch): a lock held by another
   * process at start is a LockedError (exit 75, like the batch command).
   */
  standby: boolean;
  /** --poll-interval in ms: overrides the interval learnt from ledger closes. */
  pollIntervalMs?: number;
  /** How often a standby tries the lock (default 2000 ms). */
  lockRetryMs?: number;
  /** Reads the holes in the trades from history (--datastore): each pass carries a stretch of one. */
  holes?: HoleFiller;
  /** Called after each pass that read the chain (one line of --json output). */
  onBatch?: (report: SyncReport, follower: FollowerState) => void;
}

interface Deferred {
  resolve: (report: SyncReport) => void;
  reject: (error: unknown) => void;
}

/** A standby refreshes the contract's count (3 requests) this often; the latest ledger (1 request) every try. */
const STANDBY_HEAD_EVERY_MS = 15_000;

export class Follower implements FollowerView {
  readonly state: FollowerState = {
    role: "starting",
    latestLedger: null,
    latestLedgerAt: null,
    contractTokens: null,
    ledgerSeconds: 5,
    initialSyncDone: false,
    lastBatchAt: null,
    lastError: null,
    lagSeconds: null,
  };
  readonly #options: FollowerOptions;
  readonly #clock: LedgerClock;
  readonly #fullRequests: Deferred[] = [];
  /** Cuts a wait short: a full resync was requested. */
  #wake = new AbortController();
  /** Ledger the last pass read events up to. */
  #readTo = 0;
  #everLeader = false;
  #standbyHeadAt = Number.NEGATIVE_INFINITY;
  /** The standby's last read of the chain succeeded: only then may it take over (its RPC answers). */
  #chainReachable = true;
  #running: Promise<void> | null = null;

  constructor(options: FollowerOptions) {
    this.#options = options;
    this.#clock = new LedgerClock(options.pollIntervalMs);
  }

  /** Follows until shutdown; registers its own stop (the pass in progress finishes first). */
  run(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#loop();
      this.#options.common.shutdown.register("follower", () => this.#running?.catch(() => {}));
    }
    return this.#running;
  }

  requestFullResync(): { done: Promise<SyncReport> } {
    if (this.state.role !== "leader") {
      throw new NotLeaderError("this process does not follow the chain (another process holds the contract's lock): send the request to the leader", 5);
    }
    const done = new Promise<SyncReport>((resolve, reject) => this.#fullRequests.push({ resolve, reject }));
    this.#wake.abort();
    return { done };
  }

  async #loop(): Promise<void> {
    const { keeper, common } = this.#options;
    const signal = common.shutdown.signal;
    const backoff = new Backoff(500, 30_000);
    let session = await keeper.start();
    try {
      while (!signal.aborted) {
        try {
          session = keeper.current ?? (await keeper.renew(session));
          if (!(await this.#lead(session))) {
            await this.#standby(session);
            continue;
          }
          const ran = await this.#pass(session, signal);
          backoff.reset();
          // Polls are progress: they renew the lease, so they come at least twice a lease.
          if (!ran) await this.#wait(Math.min(this.#clock.nextPollInMs(), session.leaseMs / 2), signal);
        } catch (error) {
          if (signal.aborted && error instanceof InterruptedError) break;
          if (error instanceof LockedError) throw error;
          // The lease or lock went while the pass ran: nothing more of it was written; #lead says so once.
          if (session.lockLost?.aborted && this.state.role === "leader") continue;
          const message = session.redact(messageOf(error).split("\n")[0] ?? "");
          this.state.lastError = message;
          common.metrics.followerErrors.inc();
          const wait = backoff.next();
          common.logger.warn(`follower: ${message}; trying again in ${(wait / 1000).toFixed(1)} s`);
          // A dead RPC spends the session's client: only a new session talks to the RPC again.
          // So does a lost database connection: the new session starts from a fresh pool, lock and lease.
          if (spentRpc(error) || lostDatabase(error)) session = await keeper.renew(session);
          await sleep(wait, signal);
        }
      }
    } finally {
      await this.#options.holes?.close();
      this.#setRole("starting");
      for (const d of this.#fullRequests.splice(0)) d.reject(new UnavailableError("shutting down before the full resync ran"));
    }
  }

  /** True while this process holds the lock; takes it when free. */
  async #lead(session: SyncSession): Promise<boolean> {
    if (session.locked) return true;
    const { logger } = this.#options.common;
    const wasLeader = this.state.role === "leader";
    const lost = session.lockLost?.aborted ? session.lockLost.reason : null;
    if (wasLeader && lost !== null) {
      logger.warn(`stepping down for contract ${session.config.contractId}: ${messageOf(lost)}; the stale pass wrote nothing more`);
      this.#setRole("standby");
    }
    // A standby whose own RPC does not answer leaves the lease to one whose does.
    if (this.state.role === "standby" && !this.#chainReachable) return false;
    if (await session.tryLock()) {
      this.#everLeader = true;
      this.state.initialSyncDone = false;
      this.#readTo = 0;
      this.#setRole("leader");
      this.#options.common.logger.info(`holding the lock for contract ${session.config.contractId}: following the chain`);
      return true;
    }
    if (!this.#options.standby && !this.#everLeader) {
      throw new LockedError(`another sync-tokens run holds the lock for contract ${session.config.contractId}`);
    }
    if ((wasLeader && lost === null) || this.state.role === "starting") {
      this.#options.common.logger.info(`another process holds the lock for contract ${session.config.contractId}: standing by`);
    }
    this.#setRole("standby");
    return false;
  }

  /** A standby keeps its view of the chain fresh (for /api/status and /ready), then waits to retry the lock. */
  async #standby(session: SyncSession): Promise<void> {
    const { common } = this.#options;
    try {
      const sentAt = performance.now();
      if (sentAt - this.#standbyHeadAt >= STANDBY_HEAD_EVERY_MS) {
        const head = await session.head();
        this.#standbyHeadAt = performance.now();
        this.state.contractTokens = head.tokenCount;
        this.#seen(head.latestLedger, sentAt);
      } else {
        // Timed like the leader's polls, so that a standby learns the close interval too.
        this.#seen((await session.reader.getHealth()).latestLedger, sentAt);
      }
      await this.#position(session);
      this.state.lastError = null;
      this.#chainReachable = true;
    } catch (error) {
      if (spentRpc(error)) await this.#options.keeper.renew(session).catch(() => {});
      this.state.lastError = session.redact(messageOf(error).split("\n")[0] ?? "");
      this.#chainReachable = false;
    }
    await sleep(this.#options.lockRetryMs ?? 2000, common.shutdown.signal);
  }

  /**
   * One pass as leader: the catch-up pass, a requested full resync, or, when a new ledger has closed, an
   * incremental pass. False when there was nothing new to read.
   */
  async #pass(session: SyncSession, signal: AbortSignal): Promise<boolean> {
    const { common, trigger } = this.#options;
    const full = this.#fullRequests.splice(0);
    const incremental = this.state.initialSyncDone && full.length === 0;
    if (incremental) {
      // One cheap request to learn whether a ledger closed since the last pass.
      const sentAt = performance.now();
      const { latestLedger } = await session.reader.getHealth();
      this.#seen(latestLedger, sentAt);
      if (latestLedger <= this.#readTo) return false;
    }
    // A stretch of a hole in the trades rides on an incremental pass, which records it filled as it stores it.
    const history = incremental ? await this.#options.holes?.next(session, signal) : null;
    const request: SyncRequest = {
      ...(history ? { discovered: history } : {}),
      // A lost lease or lock stops the pass at its next step (its writes are refused anyway).
      signal: session.lockLost ? AbortSignal.any([signal, session.lockLost]) : signal,
      // Passes are recorded in sync_runs when they are events of note: the catch-up and full resyncs.
      record: !this.state.initialSyncDone || full.length > 0,
      trigger: full.length > 0 ? `${trigger}:full` : trigger,
      full: full.length > 0,
    };
    const startedAt = performance.now();
    let report: SyncReport;
    try {
      report = await session.sync(request);
    } catch (error) {
      for (const d of full) d.reject(error);
      throw error;
    }
    for (const d of full) d.resolve(report);
    common.metrics.batchSeconds.observe((performance.now() - startedAt) / 1000);
    common.metrics.batchTokens.inc({ outcome: "written" }, report.synced);
    common.metrics.batchTokens.inc({ outcome: "unchanged" }, report.unchanged);
    common.metrics.batchTokens.inc({ outcome: "failed" }, report.failed.length);
    this.#seen(report.latestLedger);
    this.#readTo = report.cursor.to ?? this.#readTo;
    this.state.contractTokens = report.contractTokenCount;
    this.state.initialSyncDone = true;
    this.state.lastBatchAt = Date.now();
    this.state.lastError = null;
    this.#options.onBatch?.(report, this.state);
    await this.#position(session).catch(() => {});
    return true;
  }

  /**
   * The cursor against the chain, in ledgers and in the chain's own seconds (close times), and the lease, for
   * /api/status and /metrics. Read failures propagate (a standby then counts its RPC as unreachable).
   */
  async #position(session: SyncSession): Promise<void> {
    const { metrics } = this.#options.common;
    const cursor = (await session.store.loadState())?.lastLedger ?? null;
    if (cursor === null || this.state.latestLedger === null) this.state.lagSeconds = null;
    else if (cursor >= this.state.latestLedger) this.state.lagSeconds = 0;
    else {
      const lag = await session.reader.ledgerLag(cursor);
      if (lag) this.#seen(lag.latestLedger);
      this.state.lagSeconds = lag?.seconds ?? null;
    }
    metrics.setPosition(this.state.latestLedger, cursor, this.state.lagSeconds ?? null, this.state.ledgerSeconds);
    metrics.setLease(await session.lease().catch(() => null));
  }

  /** A ledger seen by the leader's poll (sent at `polledAt`; it times the next poll) or by any other read. */
  #seen(latestLedger: number, polledAt?: number): void {
    if (polledAt !== undefined) this.#clock.observe(latestLedger, polledAt);
    if (this.state.latestLedger === null || latestLedger >= this.state.latestLedger) {
      this.state.latestLedger = latestLedger;
      this.state.latestLedgerAt = Date.now();
    }
    this.state.ledgerSeconds = this.#clock.ledgerMs / 1000;
  }

  #setRole(role: FollowerState["role"]): void {
    this.state.role = role;
    this.#options.common.metrics.setRole(role);
  }

  /** Sleeps until the next poll, or until a full resync is requested. */
  async #wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#fullRequests.length > 0) return;
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    await sleep(ms, AbortSignal.any([signal, this.#wake.signal]));
  }
}
