// Delivers the outbox: claims due deliveries, POSTs each signed event to its endpoint, and records the outcome.
// `startDispatcher` runs until stopped (watch/serve); `drainOutbox` delivers what is due and returns within a
// deadline (a cron run, before it exits). Any number of dispatchers may share one database (see queue.ts).
import type { Logger } from "../internal/logger.ts";
import type { Database } from "../store/database.ts";
import type { WebhookDrain } from "../sync/types.ts";
import { messageOf } from "../internal/errors.ts";
import { redactUrl } from "../internal/redact.ts";
import type { WebhookConfig } from "../config/webhooks.ts";
import { registerEndpoints } from "./outbox.ts";
import { renderBody, Signer } from "./payload.ts";
import { DeliveryQueue, type ClaimedDelivery } from "./queue.ts";
import { pruneDelivered } from "./retention.ts";
import { DEFAULT_DELIVERY_RETRY_POLICY, nextDelay, type DeliveryRetryPolicy } from "./retry-policy.ts";

export interface DispatcherOptions {
  /** The database, or how to get the current one (a live process reopens its session after an outage). */
  db: Database | (() => Database | null);
  logger: Logger;
  /** `retentionMs`, when set: delivered events older than that are deleted (see retention.ts). */
  webhooks: Pick<WebhookConfig, "urls" | "events" | "secret"> & Partial<Pick<WebhookConfig, "retentionMs">>;
  /** Retry schedule, budget and jitter; tests pass milliseconds. */
  retry?: Partial<DeliveryRetryPolicy>;
  /** Each attempt's timeout (default 10 s). */
  attemptTimeoutMs?: number;
  /** Deliveries in flight at once (default 16). */
  concurrency?: number;
  /** How often an idle dispatcher looks for work other processes queued (default 1 s). */
  pollMs?: number;
  /** How often a running dispatcher prunes delivered events (default 1 h; the first time at start). */
  pruneEveryMs?: number;
  /** Masks secrets in what is logged. */
  redact?: (text: string) => string;
  /** Aborting stops the dispatcher like stop(). */
  signal?: AbortSignal;
  /** Told of every attempt's outcome (the metrics). */
  onOutcome?: (outcome: keyof DeliveryCounts) => void;
}

export interface DeliveryCounts {
  delivered: number;
  /** Attempts that failed and will be retried. */
  retried: number;
  failed: number;
}


export interface RunningDispatcher {
  readonly counts: DeliveryCounts;
  /** Deliveries pending for the configured endpoints (a query). */
  pending(): Promise<number>;
  /** Look for work now (after a sync wrote events). */
  wake(): void;
  /** Stops claiming, lets the attempts in flight finish, and resolves when it has. */
  stop(): Promise<void>;
}

const LEASE_MARGIN_MS = 2000;
const WARN_EVERY_MS = 60_000;

class Dispatcher {
  readonly counts: DeliveryCounts = { delivered: 0, retried: 0, failed: 0 };
  pruned = 0;
  readonly #opts: Required<Omit<DispatcherOptions, "retry" | "signal" | "onOutcome">> & { retry: DeliveryRetryPolicy };
  readonly #signer: Signer;
  readonly #onOutcome: DispatcherOptions["onOutcome"];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #lastWarning = new Map<number, number>();
  #wake: (() => void) | null = null;
  #stopping = false;
  #nextPruneAt = 0;
  #pruning: Promise<void> | null = null;

  constructor(
    options: DispatcherOptions,
    readonly queue: DeliveryQueue,
  ) {
    this.#opts = {
      attemptTimeoutMs: 10_000,
      concurrency: 16,
      pollMs: 1000,
      pruneEveryMs: 3_600_000,
      redact: (t) => t,
      ...options,
      retry: { ...DEFAULT_DELIVERY_RETRY_POLICY, ...options.retry },
    };
    this.#signer = new Signer(options.webhooks.secret);
    this.#onOutcome = options.onOutcome;
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  wake(): void {
    this.#wake?.();
  }

  /** Delivers until stopped or, with a deadline, until nothing is due before it (then cuts what is in flight). */
  async run(deadline: number | null): Promise<void> {
    const { concurrency, pollMs } = this.#opts;
    while (!this.#stopping) {
      const now = Date.now();
      if (deadline !== null && now >= deadline) break;
      if (deadline === null && now >= this.#nextPruneAt && !this.#pruning) {
        this.#nextPruneAt = now + this.#opts.pruneEveryMs;
        this.#pruning = this.prune().finally(() => (this.#pruning = null));
      }
      const free = concurrency - this.#inFlight.size;
      // Claims in batches: one query per half of the slots rather than one per finished attempt.
      const claimNow = free > 0 && (free * 2 >= concurrency || this.#inFlight.size === 0);
      const claimed = claimNow ? await this.#claim(free, deadline) : [];
      for (const d of claimed) this.#start(d, deadline);
      if (claimNow && claimed.length === free) continue; // more may be due
      let wait = pollMs;
      if (this.#inFlight.size === 0) {
        const next = await this.#nextDue();
        if (deadline !== null && (next === null || next.getTime() >= deadline)) break;
        if (next !== null) wait = Math.min(wait, Math.max(0, next.getTime() - Date.now()));
      }
      if (deadline !== null) wait = Math.min(wait, Math.max(0, deadline - Date.now()));
      await this.#idle(wait);
    }
    // Past the deadline (or stopping): attempts in flight are cut and given back, due at once next time.
    if (deadline !== null) this.#abort.abort();
    await Promise.allSettled([...this.#inFlight, this.#pruning]);
  }

  /** Deletes the delivered events past the retention (none without one), until done or `deadline`. */
  async prune(deadline?: number): Promise<void> {
    const retentionMs = this.#opts.webhooks.retentionMs;
    if (!retentionMs) return;
    try {
      this.pruned += await pruneDelivered(this.queue.db, retentionMs, { deadline });
    } catch (error) {
      this.#warn(-1, `webhooks: deleting delivered events failed: ${messageOf(error)}`);
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
  }

  async #claim(limit: number, deadline: number | null): Promise<ClaimedDelivery[]> {
    try {
      return await this.queue.claim(limit, this.#attemptTimeout(deadline) + LEASE_MARGIN_MS);
    } catch (error) {
      this.#warn(-1, `webhooks: reading the outbox failed: ${messageOf(error)}`);
      return [];
    }
  }

  async #nextDue(): Promise<Date | null> {
    try {
      return await this.queue.nextDueAt();
    } catch {
      return new Date(Date.now() + this.#opts.pollMs);
    }
  }

  #attemptTimeout(deadline: number | null): number {
    const t = this.#opts.attemptTimeoutMs;
    return deadline === null ? t : Math.max(1, Math.min(t, deadline - Date.now()));
  }

  /** Waits for an attempt to finish, a wake-up, or `ms`. */
  async #idle(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ...this.#inFlight,
      new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
    this.#wake = null;
  }

  #start(d: ClaimedDelivery, deadline: number | null): void {
    const p: Promise<void> = this.#attempt(d, this.#attemptTimeout(deadline))
      .catch((error) => this.#opts.logger.warn(`webhooks: recording a delivery failed: ${this.#opts.redact(messageOf(error))}`))
      .finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #attempt(d: ClaimedDelivery, timeoutMs: number): Promise<void> {
    const body = renderBody(d.event);
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#abort.signal]);
    let status: number | null = null;
    let retryAfter: string | null = null;
    let problem: string;
    try {
      const res = await fetch(d.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "sync-tokens", ...this.#signer.headers(d.event.id, body) },
        body,
        redirect: "manual",
        signal,
      });
      await res.body?.cancel().catch(() => {});
      status = res.status;
      if (status >= 200 && status < 300) {
        await this.queue.delivered(d, status);
        this.#count("delivered");
        return;
      }
      if (status === 410) {
        await this.queue.gone(d, "the endpoint answered 410 Gone");
        this.#count("failed");
        this.#opts.logger.warn(`webhook endpoint ${redactUrl(d.url)} answered 410 Gone: disabled (\`sync-tokens webhooks retry\` enables it again)`);
        return;
      }
      if (status === 429 || status === 503) retryAfter = res.headers.get("retry-after");
      problem = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
    } catch (error) {
      if (this.#abort.signal.aborted) {
        await this.queue.release(d);
        return;
      }
      problem = signal.aborted ? `no answer within ${timeoutMs} ms` : describeFetchError(error);
    }
    const delay = nextDelay(this.#opts.retry, d.attempts, Date.now() - d.queuedAt.getTime(), retryAfter);
    if (delay === null) {
      await this.queue.failed(d, status, problem);
      this.#count("failed");
      this.#warn(d.endpointId, `webhook ${d.event.id} to ${redactUrl(d.url)} failed for good after ${d.attempts} attempts: ${problem}`);
    } else {
      await this.queue.retry(d, delay, status, problem);
      this.#count("retried");
      this.#warn(d.endpointId, `webhook delivery to ${redactUrl(d.url)} failed (${problem}); retrying in ${formatDelay(delay)}`);
    }
  }

  #count(outcome: keyof DeliveryCounts): void {
    this.counts[outcome]++;
    this.#onOutcome?.(outcome);
  }

  /** At most one warning a minute per endpoint (-1: the database): something down must not flood the logs. */
  #warn(endpointId: number, message: string): void {
    const last = this.#lastWarning.get(endpointId) ?? 0;
    if (Date.now() - last < WARN_EVERY_MS) return;
    this.#lastWarning.set(endpointId, Date.now());
    this.#opts.logger.warn(this.#opts.redact(message));
  }
}

async function openQueue(options: DispatcherOptions): Promise<DeliveryQueue> {
  const current = typeof options.db === "function" ? options.db : () => options.db as Database;
  const db = current();
  if (!db) throw new Error("no database session open");
  const endpoints = await registerEndpoints(db, options.webhooks);
  return new DeliveryQueue(current, endpoints.map((e) => e.id));
}

/** Delivers continuously (watch/serve) until stop() resolves. */
export async function startDispatcher(options: DispatcherOptions): Promise<RunningDispatcher> {
  const dispatcher = new Dispatcher(options, await openQueue(options));
  const running = dispatcher.run(null).catch((error) => options.logger.warn(`webhooks: the dispatcher stopped: ${messageOf(error)}`));
  return {
    counts: dispatcher.counts,
    pending: () => dispatcher.queue.pendingCount(),
    wake: () => dispatcher.wake(),
    async stop() {
      await dispatcher.stop();
      await running;
    },
  };
}

/** Delivers what is due for the configured endpoints within `timeoutMs`; the rest stays queued. */
export async function drainOutbox(options: DispatcherOptions & { timeoutMs: number }): Promise<WebhookDrain> {
  const dispatcher = new Dispatcher(options, await openQueue(options));
  const deadline = Date.now() + options.timeoutMs;
  await dispatcher.run(deadline);
  await dispatcher.prune(deadline);
  const pending = await dispatcher.queue.pendingCount();
  return { ...dispatcher.counts, pending, pruned: dispatcher.pruned };
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === "string") return cause.code;
  return typeof cause?.message === "string" ? cause.message : messageOf(error);
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The end of a batch run: deliver within the configured timeout; a failure here never fails the run. */
export async function deliverBeforeExit(
  session: { db: Database; logger: Logger; redact: (text: string) => string },
  webhooks: WebhookConfig,
  signal?: AbortSignal,
): Promise<WebhookDrain | undefined> {
  try {
    const result = await drainOutbox({ db: session.db, logger: session.logger, redact: session.redact, webhooks, timeoutMs: webhooks.drainTimeoutMs, signal });
    const left = result.pending > 0 ? `; ${result.pending} pending for the next run (or serve)` : "";
    if (result.delivered + result.retried + result.failed + result.pending > 0) {
      session.logger.info(`webhooks: ${result.delivered} delivered, ${result.failed} failed${left}`);
    }
    if (result.pruned > 0) {
      session.logger.info(`webhooks: deleted ${result.pruned} delivered events older than the retention`);
    }
    return result;
  } catch (error) {
    session.logger.warn(`webhooks: delivering failed: ${session.redact(messageOf(error))}; the events stay queued`);
    return undefined;
  }
}
