// The operator's view of the outbox: endpoints with their counts, re-queuing failed deliveries, and replaying
// stored events. `sync-tokens webhooks list|retry|replay` are thin shells over these.
import type { Database } from "../store/database.ts";

export interface EndpointSummary {
  url: string;
  events: string[];
  disabledAt: Date | null;
  disabledReason: string | null;
  pending: number;
  delivered: number;
  failed: number;
}

/** Counts are cast to int4 in SQL: numbers on both drivers. */
interface EndpointRow extends Record<string, unknown> {
  url: string;
  events: string;
  disabled_at: Date | null;
  disabled_reason: string | null;
  pending: number;
  delivered: number;
  failed: number;
}

export async function listEndpoints(db: Database): Promise<EndpointSummary[]> {
  const rows = await db.query<EndpointRow>(`
    SELECT ep.url, ep.events, ep.disabled_at, ep.disabled_reason,
      count(*) FILTER (WHERE d.status = 'PENDING')::int AS pending,
      count(*) FILTER (WHERE d.status = 'DELIVERED')::int AS delivered,
      count(*) FILTER (WHERE d.status = 'FAILED')::int AS failed
    FROM webhook_endpoints ep LEFT JOIN webhook_deliveries d ON d.endpoint_id = ep.id
    GROUP BY ep.id ORDER BY ep.id`);
  return rows.map((r) => ({
    url: r.url,
    events: r.events.split(","),
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
    pending: r.pending,
    delivered: r.delivered,
    failed: r.failed,
  }));
}

export interface Requeued {
  deliveries: number;
  /** Endpoints enabled again (disabled by a 410). */
  endpoints: number;
}

/** Failed deliveries become pending again, with a fresh retry budget; disabled endpoints are enabled. */
export async function retryFailed(db: Database, options: { dryRun?: boolean } = {}): Promise<Requeued> {
  const counts = await db.query<{ deliveries: number; endpoints: number }>(`
    SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE status = 'FAILED') AS deliveries,
           (SELECT count(*)::int FROM webhook_endpoints WHERE disabled_at IS NOT NULL) AS endpoints`);
  const result = { deliveries: counts[0]?.deliveries ?? 0, endpoints: counts[0]?.endpoints ?? 0 };
  if (options.dryRun) return result;
  return db.transaction(async (tx) => ({
    endpoints: await tx.execute(`UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE disabled_at IS NOT NULL`),
    deliveries: await tx.execute(`
      UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, queued_at = now(), next_attempt_at = now(),
        leased_until = NULL, lease_token = NULL
      WHERE status = 'FAILED'`),
  }));
}

/**
 * Queues every event stored since `since` again, to every enabled endpoint that takes its type (including
 * endpoints added after it was first sent), or to `endpoint` alone. Each keeps its webhook-id, so receivers can tell a replay from news.
 */
export async function replayEvents(db: Database, since: Date, options: { dryRun?: boolean; endpoint?: string } = {}): Promise<number> {
  const select = `
    SELECT e.seq, ep.id AS endpoint_id, e.token_address FROM webhook_events e
    JOIN webhook_endpoints ep ON ep.disabled_at IS NULL AND e.type = ANY(string_to_array(ep.events, ','))
      AND ($2::text IS NULL OR ep.url = $2)
    WHERE e.created_at >= $1::timestamptz`;
  const params = [since.toISOString(), options.endpoint ?? null];
  if (options.dryRun) {
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${select}) s`, params);
    return rows[0]?.n ?? 0;
  }
  return db.execute(
    `INSERT INTO webhook_deliveries (event_seq, endpoint_id, token_address) ${select}
     ON CONFLICT (event_seq, endpoint_id) DO UPDATE SET status = 'PENDING', attempts = 0, queued_at = now(),
       next_attempt_at = now(), leased_until = NULL, lease_token = NULL, delivered_at = NULL`,
    params,
  );
}
