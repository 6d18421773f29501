// The backfill's own cursor (table backfill_state): which range was asked for and the next ledger to
// read. It moves only after the tokens found before it are stored, so a rerun redoes at most the
// ledgers read since the last save.

import type { Database } from "../store/database.ts";

export interface BackfillCursor {
  networkPassphrase: string;
  source: string;
  fromLedger: number;
  toLedger: number;
  nextLedger: number;
}

interface CursorRow extends Record<string, unknown> {
  network_passphrase: string;
  source: string;
  /** Ledgers are bigint columns, read as text (pg returns int8 as a string, PGlite as a number). */
  from_ledger: string;
  to_ledger: string;
  next_ledger: string;
}

export async function loadCursor(db: Database, contractId: string): Promise<BackfillCursor | null> {
  const [row] = await db.query<CursorRow>(
    `SELECT network_passphrase, source, from_ledger::text, to_ledger::text, next_ledger::text FROM backfill_state WHERE contract_id = $1`,
    [contractId],
  );
  if (!row) return null;
  return {
    networkPassphrase: row.network_passphrase,
    source: row.source,
    fromLedger: Number(row.from_ledger),
    toLedger: Number(row.to_ledger),
    nextLedger: Number(row.next_ledger),
  };
}

export async function saveCursor(db: Database, contractId: string, cursor: BackfillCursor): Promise<void> {
  await db.execute(
    `INSERT INTO backfill_state (contract_id, network_passphrase, source, from_ledger, to_ledger, next_ledger, updated_at)
     VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6::bigint, now())
     ON CONFLICT (contract_id) DO UPDATE SET network_passphrase = excluded.network_passphrase, source = excluded.source,
       from_ledger = excluded.from_ledger, to_ledger = excluded.to_ledger, next_ledger = excluded.next_ledger, updated_at = now()`,
    [contractId, cursor.networkPassphrase, cursor.source, String(cursor.fromLedger), String(cursor.toLedger), String(cursor.nextLedger)],
  );
}
