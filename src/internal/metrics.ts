// Prometheus metrics of a long-running sync (prom-client, a registry of its own so that nothing is global): the
// chain's head and the cursor, lag, stored tokens, RPC requests by method and outcome, retries, write latency,
// per-ledger batches, the HTTP API's sync-token requests and the webhook outbox; the build's version and Node's
// default process metrics (standard names, as the usual Node.js dashboards expect them). The session reports into it
// through its observer.
import client from "prom-client";
import { packageVersion } from "./version.ts";

/** What a sync-token call (REST or GraphQL) came to, as the metric counts it. */
export type SyncTokenOutcome = "ok" | "not_found" | "bad_request" | "rate_limited" | "busy" | "unavailable" | "unauthorized" | "error";

/** What the session reports into, as the metrics fill it (the sync layer's SessionObserver, structurally). */
export interface MetricsObserver {
  rpcRequest(e: { method: string; outcome: string; durationMs: number }): void;
  rpcRetry(e: { method: string }): void;
  write(e: { durationMs: number; ok: boolean }): void;
}

export class Metrics {
  readonly registry = new client.Registry();
  readonly latestLedger: client.Gauge;
  readonly cursorLedger: client.Gauge;
  readonly lagLedgers: client.Gauge;
  readonly lagSeconds: client.Gauge;
  readonly storedTokens: client.Gauge;
  readonly leader: client.Gauge;
  readonly role: client.Gauge<"role">;
  readonly leaseDeadline: client.Gauge;
  readonly leaseEpoch: client.Gauge;
  readonly leaseHolder: client.Gauge<"holder">;
  readonly sessionRenewals: client.Counter;
  readonly rpcRequests: client.Counter<"method" | "outcome">;
  readonly rpcRetries: client.Counter<"method">;
  readonly rpcSeconds: client.Histogram<"method">;
  readonly writeSeconds: client.Histogram<"outcome">;
  readonly batchSeconds: client.Histogram;
  readonly batchTokens: client.Counter<"outcome">;
  readonly followerErrors: client.Counter;
  readonly syncTokenRequests: client.Counter<"outcome">;
  readonly syncTokenSeconds: client.Histogram;
  readonly webhookPending: client.Gauge;
  readonly webhookDeliveries: client.Counter<"outcome">;
  /** Counts the outbox's pending deliveries at scrape time, while a dispatcher runs. */
  #webhookBacklog: (() => Promise<number>) | null = null;

  constructor(options: { storedTokens?: () => Promise<number | null> } = {}) {
    const registers = [this.registry];
    const stored = options.storedTokens;
    client.collectDefaultMetrics({ register: this.registry });
    new client.Gauge({ name: "sync_tokens_build_info", help: "Always 1; the version of sync-tokens running", labelNames: ["version"], registers }).set(
      { version: packageVersion() },
      1,
    );
    this.latestLedger = new client.Gauge({ name: "sync_tokens_latest_ledger", help: "The RPC's latest ledger, as last seen", registers });
    this.cursorLedger = new client.Gauge({ name: "sync_tokens_cursor_ledger", help: "The stored cursor: events up to this ledger are in the database", registers });
    this.lagLedgers = new client.Gauge({ name: "sync_tokens_lag_ledgers", help: "Latest ledger minus the cursor", registers });
    this.lagSeconds = new client.Gauge({ name: "sync_tokens_lag_seconds", help: "Close time of the latest ledger minus that of the cursor's ledger (the chain's own clock; else the lag in ledgers times the observed close interval)", registers });
    this.storedTokens = new client.Gauge({
      name: "sync_tokens_stored_tokens",
      help: "Rows in the tokens table for the contract",
      registers,
      // Read at scrape time, so every replica reports the shared database's count.
      ...(stored
        ? {
            async collect(this: client.Gauge) {
              const n = await stored().catch(() => null);
              if (n !== null) this.set(n);
            },
          }
        : {}),
    });
    this.leader = new client.Gauge({ name: "sync_tokens_leader", help: "1 while this process holds the contract's lock and follows the chain", registers });
    this.role = new client.Gauge({ name: "sync_tokens_role", help: "1 for this process's role (leader, standby, starting), 0 for the others", labelNames: ["role"], registers });
    this.leaseDeadline = new client.Gauge({ name: "sync_tokens_lease_deadline_seconds", help: "When the contract's lease expires unless renewed (Unix time, the database's clock)", registers });
    this.leaseEpoch = new client.Gauge({ name: "sync_tokens_lease_epoch", help: "The lease's epoch: raised by every claim, checked by every write of the leader", registers });
    this.leaseHolder = new client.Gauge({ name: "sync_tokens_lease_holder", help: "1 for the process (host/pid/suffix) holding the contract's lease", labelNames: ["holder"], registers });
    this.sessionRenewals = new client.Counter({ name: "sync_tokens_session_renewals_total", help: "Sessions replaced after the RPC was given up for dead or the database connection was lost", registers });
    this.rpcRequests = new client.Counter({
      name: "sync_tokens_rpc_requests_total",
      help: "HTTP requests to the RPC by JSON-RPC method and outcome (ok, rpc_error, http_error, network_error, timeout, malformed)",
      labelNames: ["method", "outcome"],
      registers,
    });
    this.rpcRetries = new client.Counter({ name: "sync_tokens_rpc_retries_total", help: "Retries scheduled after a transient RPC failure", labelNames: ["method"], registers });
    this.rpcSeconds = new client.Histogram({
      name: "sync_tokens_rpc_request_seconds",
      help: "Duration of one HTTP request to the RPC",
      labelNames: ["method"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.writeSeconds = new client.Histogram({
      name: "sync_tokens_write_seconds",
      help: "Duration of one batch transaction (tokens, creators, cursor)",
      labelNames: ["outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.batchSeconds = new client.Histogram({
      name: "sync_tokens_ledger_batch_seconds",
      help: "Duration of one pass of the follower (events since the cursor, reads, writes)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.batchTokens = new client.Counter({
      name: "sync_tokens_follower_tokens_total",
      help: "Tokens the follower read, by outcome (written, unchanged, failed)",
      labelNames: ["outcome"],
      registers,
    });
    this.followerErrors = new client.Counter({ name: "sync_tokens_follower_errors_total", help: "Follower passes that failed and were retried after a backoff", registers });
    this.syncTokenRequests = new client.Counter({
      name: "sync_tokens_sync_token_requests_total",
      help: "POST /api/sync-token requests by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.syncTokenSeconds = new client.Histogram({
      name: "sync_tokens_sync_token_seconds",
      help: "Duration of POST /api/sync-token requests that read the chain",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const metrics = this;
    this.webhookPending = new client.Gauge({
      name: "sync_tokens_webhook_pending_deliveries",
      help: "Webhook deliveries waiting in the outbox for this process's endpoints (read from the database at scrape time)",
      registers,
      async collect(this: client.Gauge) {
        const n = await metrics.#webhookBacklog?.().catch(() => null);
        if (n !== undefined && n !== null) this.set(n);
      },
    });
    this.webhookDeliveries = new client.Counter({
      name: "sync_tokens_webhook_deliveries_total",
      help: "Webhook delivery attempts by this process, by outcome: delivered, retried (failed, tried again later), failed (given up, or 410 Gone)",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of ["delivered", "retried", "failed"] as const) this.webhookDeliveries.inc({ outcome }, 0);
  }

  /** Where the webhook backlog is counted (null: no dispatcher runs). */
  setWebhookBacklog(count: (() => Promise<number>) | null): void {
    this.#webhookBacklog = count;
  }

  /** What the session reports into. */
  get observer(): MetricsObserver {
    return {
      rpcRequest: ({ method, outcome, durationMs }) => {
        this.rpcRequests.inc({ method, outcome });
        this.rpcSeconds.observe({ method }, durationMs / 1000);
      },
      rpcRetry: ({ method }) => this.rpcRetries.inc({ method }),
      write: ({ durationMs, ok }) => this.writeSeconds.observe({ outcome: ok ? "ok" : "error" }, durationMs / 1000),
    };
  }

  /** The chain's head against the cursor. */
  setPosition(latestLedger: number | null, cursor: number | null, lagSeconds: number | null, ledgerSeconds: number): void {
    if (latestLedger !== null) this.latestLedger.set(latestLedger);
    if (cursor !== null) this.cursorLedger.set(cursor);
    if (latestLedger !== null && cursor !== null) {
      const lag = Math.max(0, latestLedger - cursor);
      this.lagLedgers.set(lag);
      this.lagSeconds.set(lagSeconds ?? lag * ledgerSeconds);
    }
  }

  setRole(role: "leader" | "standby" | "starting"): void {
    this.leader.set(role === "leader" ? 1 : 0);
    for (const r of ["leader", "standby", "starting"] as const) this.role.set({ role: r }, r === role ? 1 : 0);
  }

  /** The contract's lease as last read (null: none, or the embedded database). */
  setLease(lease: { holder: string; epoch: bigint; deadline: Date } | null): void {
    this.leaseHolder.reset();
    if (!lease) return;
    this.leaseHolder.set({ holder: lease.holder }, 1);
    this.leaseEpoch.set(Number(lease.epoch));
    this.leaseDeadline.set(lease.deadline.getTime() / 1000);
  }

  /** Prometheus text exposition. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
