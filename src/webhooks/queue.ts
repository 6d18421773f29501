// The deliveries table as a queue shared by every process on the database. A dispatcher claims due deliveries
// with a lease (FOR UPDATE SKIP LOCKED, then leased_until): no two processes attempt one delivery at once, and
// a process that dies leaves a lease that simply runs out. Only a token's oldest pending event for an endpoint
// is ever claimable, so each endpoint receives one token's events in order.
import crypto from "node:crypto";
import type { Database } from "../store/database.ts";
import type { StoredEvent } from "./payload.ts";

export interface ClaimedDelivery {
  id: string;
  leaseToken: string;
  endpointId: number;
  url: string;
  /** Attempts made, this one included. */
  attempts: number;
  queuedAt: Date;
  event: StoredEvent;
}

const CLAIMABLE = `
  d.status = 'PENDING' AND d.endpoint_id = ANY($1::text[]::int[])
  AND NOT EXISTS (
    SELECT 1 FROM webhook_deliveries p
    WHERE p.endpoint_id = d.endpoint_id AND p.token_address = d.token_address AND p.status = 'PENDING' AND p.event_seq < d.event_seq
  )`;

const CLAIM = `
WITH due AS (
  SELECT d.id FROM webhook_deliveries d
  WHERE ${CLAIMABLE} AND d.next_attempt_at <= now() AND (d.leased_until IS NULL OR d.leased_until <= now())
  -- The (status, next_attempt_at) index gives this order and stops at the limit; per-token order is CLAIMABLE's job.
  ORDER BY d.next_attempt_at
  LIMIT $2::int
  FOR UPDATE SKIP LOCKED
)
UPDATE webhook_deliveries d
SET leased_until = now() + $3::int * interval '1 millisecond', lease_token = $4::uuid, attempts = d.attempts + 1,
    last_attempt_at = now()
FROM due, webhook_events e, webhook_endpoints ep
WHERE d.id = due.id AND e.seq = d.event_seq AND ep.id = d.endpoint_id AND ep.disabled_at IS NULL
RETURNING d.id::text AS id, d.attempts, d.queued_at, ep.id AS endpoint_id, ep.url, e.id::text AS msg_id, e.type,
  e.created_at, e.data`;

/** A claimed row: int4 and timestamptz and jsonb arrive typed (number, Date, object) from both drivers. */
interface ClaimRow extends Record<string, unknown> {
  id: string;
  attempts: number;
  queued_at: Date;
  endpoint_id: number;
  url: string;
  msg_id: string;
  type: string;
  created_at: Date;
  data: Record<string, unknown>;
}

export class DeliveryQueue {
  /** `database`: the current one (a long-running process may reopen its session); null while none is open. */
  constructor(
    private readonly database: () => Database | null,
    private readonly endpointIds: number[],
  ) {}

  get db(): Database {
    const db = this.database();
    if (!db) throw new Error("no database session open");
    return db;
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const leaseToken = crypto.randomUUID();
    const rows = await this.db.query<ClaimRow>(CLAIM, [this.endpointIds.map(String), limit, Math.round(leaseMs), leaseToken]);
    return rows.map((r) => ({
      id: r.id,
      leaseToken,
      endpointId: r.endpoint_id,
      url: r.url,
      attempts: r.attempts,
      queuedAt: r.queued_at,
      event: { id: r.msg_id, type: r.type, createdAt: r.created_at, data: r.data },
    }));
  }

  /** When the next claimable delivery becomes due (now or later), or null when none is pending. */
  async nextDueAt(): Promise<Date | null> {
    const rows = await this.db.query<{ at: Date | null }>(
      `SELECT min(greatest(d.next_attempt_at, coalesce(d.leased_until, d.next_attempt_at))) AS at
       FROM webhook_deliveries d WHERE ${CLAIMABLE}`,
      [this.endpointIds.map(String)],
    );
    return rows[0]?.at ?? null;
  }

  async pendingCount(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING' AND endpoint_id = ANY($1::text[]::int[])`,
      [this.endpointIds.map(String)],
    );
    return rows[0]?.n ?? 0;
  }

  async delivered(d: ClaimedDelivery, status: number): Promise<void> {
    await this.#finish(d, `status = 'DELIVERED', delivered_at = now(), last_status = $3::int, last_error = NULL`, status);
  }

  async retry(d: ClaimedDelivery, delayMs: number, status: number | null, error: string): Promise<void> {
    await this.#finish(
      d,
      `next_attempt_at = now() + $5::int * interval '1 millisecond', last_status = $3::int, last_error = $4`,
      status,
      error,
      Math.round(delayMs),
    );
  }

  async failed(d: ClaimedDelivery, status: number | null, error: string): Promise<void> {
    await this.#finish(d, `status = 'FAILED', last_status = $3::int, last_error = $4`, status, error);
  }

  /** Gives the delivery back untried (the dispatcher stopped mid-attempt): due again at once. */
  async release(d: ClaimedDelivery): Promise<void> {
    await this.#finish(d, `next_attempt_at = now()`);
  }

  /** 410 Gone: the endpoint is disabled and its pending deliveries fail with this one. */
  async gone(d: ClaimedDelivery, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(`UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = $2 WHERE id = $1 AND disabled_at IS NULL`, [
        d.endpointId,
        reason,
      ]);
      await tx.execute(
        `UPDATE webhook_deliveries SET status = 'FAILED', last_status = 410, last_error = $2, leased_until = NULL, lease_token = NULL
         WHERE endpoint_id = $1 AND status = 'PENDING'`,
        [d.endpointId, reason],
      );
    });
  }

  /** Applies `set` only while this process still holds the lease it claimed the delivery with. */
  async #finish(d: ClaimedDelivery, set: string, ...params: unknown[]): Promise<void> {
    await this.db.execute(
      `UPDATE webhook_deliveries SET ${set}, leased_until = NULL, lease_token = NULL
       WHERE id = $1::bigint AND lease_token = $2::uuid AND status = 'PENDING'`,
      [d.id, d.leaseToken, ...params],
    );
  }
}
