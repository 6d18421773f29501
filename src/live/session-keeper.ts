// Keeps one SyncSession open for a long-running process (the follower and the HTTP API share it: the embedded
// database allows one connection owner). The session is opened without the run lock; the follower takes it.
// When the session becomes unusable (its RPC client gave the RPC up for dead), renew() replaces it, retrying
// with backoff until the RPC and the database answer again.
import { SyncSession, type SessionOptions } from "../sync/session.ts";
import type { Logger } from "../internal/logger.ts";
import { messageOf } from "../internal/errors.ts";
import { withWebhooks } from "../webhooks/feature.ts";
import { Backoff, sleep } from "./backoff.ts";
import { isTransient } from "./failures.ts";
import type { ShutdownRegistry } from "../internal/shutdown.ts";

/** No session is open right now (opening, or renewing after an outage). */
export class SessionUnavailableError extends Error {
  override name = "SessionUnavailableError";
}

export interface SessionKeeperOptions {
  /** How to open each session; `lock` is ignored (always false) and `signal` is not passed (see below). */
  session: SessionOptions;
  logger: Logger;
  shutdown: ShutdownRegistry;
  /** Opens a session; SyncSession.open by default (tests and benchmarks may wrap it). */
  open?: (options: SessionOptions) => Promise<SyncSession>;
  /** Told each time a stale session is replaced (the sync_tokens_session_renewals_total metric). */
  onRenew?: () => void;
}

export class SessionKeeper {
  #session: SyncSession | null = null;
  #opening: Promise<SyncSession> | null = null;
  #lastError: string | null = null;
  readonly #options: SessionKeeperOptions;

  constructor(options: SessionKeeperOptions) {
    this.#options = options;
    options.shutdown.register("database session", () => this.#close());
  }

  /** The open session, or null while none is. */
  get current(): SyncSession | null {
    return this.#session;
  }

  /** Why the last attempt to open a session failed, while none is open. */
  get lastError(): string | null {
    return this.#session ? null : this.#lastError;
  }

  /**
   * Opens the first session. A failure no wait can fix (bad configuration, another network) rejects; an outage
   * is retried with backoff until it ends or shutdown begins.
   */
  start(): Promise<SyncSession> {
    return this.#session ? Promise.resolve(this.#session) : this.#open();
  }

  /** The open session, or a SessionUnavailableError. */
  get(): SyncSession {
    if (!this.#session) throw new SessionUnavailableError(this.#lastError ? `no database session: ${this.#lastError}` : "the session is (re)opening");
    return this.#session;
  }

  /** Closes the session (if it is still `stale`) and opens a new one. */
  async renew(stale: SyncSession): Promise<SyncSession> {
    if (this.#opening) return this.#opening;
    if (this.#session !== stale && this.#session !== null) return this.#session;
    this.#session = null;
    this.#options.logger.warn("replacing the session: its RPC client gave the RPC up for dead (or its database connection is gone)");
    this.#options.onRenew?.();
    await stale.close().catch(() => {});
    return this.#open();
  }

  #open(): Promise<SyncSession> {
    this.#opening ??= this.#openWithRetry().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #openWithRetry(): Promise<SyncSession> {
    const { logger, shutdown } = this.#options;
    const open = this.#options.open ?? ((o: SessionOptions) => SyncSession.open(o));
    // No signal: shutdown must let the batch in progress finish, not cancel its RPC requests mid-flight.
    const { signal: _signal, ...options } = this.#options.session;
    const backoff = new Backoff(500, 30_000);
    for (;;) {
      if (shutdown.closing) throw new SessionUnavailableError("shutting down");
      try {
        const session = await open(withWebhooks({ ...options, lock: false }));
        if (shutdown.closing) {
          await session.close();
          throw new SessionUnavailableError("shutting down");
        }
        this.#session = session;
        this.#lastError = null;
        return session;
      } catch (error) {
        if (error instanceof SessionUnavailableError || !isTransient(error)) throw error;
        this.#lastError = messageOf(error);
        const wait = backoff.next();
        logger.warn(`cannot open the session (${this.#lastError}); trying again in ${(wait / 1000).toFixed(1)} s`);
        if (!(await sleep(wait, shutdown.signal))) throw new SessionUnavailableError("shutting down");
      }
    }
  }

  async #close(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    await session?.close();
  }
}
