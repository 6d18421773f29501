// A sync_runs row: as the drivers read it, and as the status and the dashboard show it.

export interface SyncRunRow {
  id: string;
  trigger: string;
  outcome: "RUNNING" | "SUCCEEDED" | "PARTIAL" | "FAILED";
  startedAt: string;
  finishedAt: string | null;
  found: { events: number; storage: number; manual: number };
  synced: number;
  unchanged: number;
  failed: number;
  missing: number;
  fromLedger: number | null;
  toLedger: number | null;
  error: string | null;
}

/** A sync_runs row as read: counters are int4 (numbers on both drivers), ids and ledgers cast to text. */
export interface RawRunRow extends Record<string, unknown> {
  id: string;
  trigger: string;
  outcome: string;
  started_at: string;
  finished_at: string | null;
  found_events: number;
  found_storage: number;
  found_manual: number;
  synced: number;
  unchanged: number;
  failed: number;
  missing: number;
  from_ledger: string | null;
  to_ledger: string | null;
  error: string | null;
}

export function toRunRow(r: RawRunRow): SyncRunRow {
  const ledger = (v: string | null): number | null => (v === null ? null : Number(v));
  return {
    id: r.id,
    trigger: r.trigger,
    outcome: r.outcome as SyncRunRow["outcome"],
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    found: { events: r.found_events, storage: r.found_storage, manual: r.found_manual },
    synced: r.synced,
    unchanged: r.unchanged,
    failed: r.failed,
    missing: r.missing,
    fromLedger: ledger(r.from_ledger),
    toLedger: ledger(r.to_ledger),
    error: r.error,
  };
}
