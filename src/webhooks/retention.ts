// The outbox's retention: events with nothing left to deliver (every delivery DELIVERED, or none queued) are deleted
// once older than the retention, with their deliveries (ON DELETE CASCADE). Pending and failed ones stay, whatever
// their age: they are work, or evidence for `webhooks retry`. Deleted in batches of short transactions, so a large
// backlog never holds a long lock beside the sync's writes; SKIP LOCKED lets two dispatchers prune side by side.
import type { Database } from "../store/database.ts";

export const PRUNE_BATCH = 1000;

const PRUNE = `
WITH doomed AS (
  SELECT e.seq FROM webhook_events e
  WHERE e.created_at < now() - $1::double precision * interval '1 millisecond'
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq AND d.status <> 'DELIVERED')
  ORDER BY e.created_at
  LIMIT $2::int
  FOR UPDATE SKIP LOCKED
)
DELETE FROM webhook_events e USING doomed WHERE e.seq = doomed.seq`;

/**
 * Deletes delivered events older than `retentionMs`, batch after batch, until none is left or `deadline` (epoch ms)
 * has passed; returns how many it deleted.
 */
export async function pruneDelivered(
  db: Database,
  retentionMs: number,
  options: { batchSize?: number; deadline?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? PRUNE_BATCH;
  let total = 0;
  for (;;) {
    const n = await db.execute(PRUNE, [retentionMs, batchSize]);
    total += n;
    if (n < batchSize || (options.deadline !== undefined && Date.now() >= options.deadline)) return total;
  }
}
