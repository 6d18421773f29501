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

export async function loadCursor(db: Database, contractId: string): Promise<BackfillCursor | null> {
  const row = await db.prisma.backfillState.findUnique({ where: { contractId } });
  if (!row) return null;
  return {
    networkPassphrase: row.networkPassphrase,
    source: row.source,
    fromLedger: Number(row.fromLedger),
    toLedger: Number(row.toLedger),
    nextLedger: Number(row.nextLedger),
  };
}

export async function saveCursor(db: Database, contractId: string, cursor: BackfillCursor): Promise<void> {
  const data = {
    networkPassphrase: cursor.networkPassphrase,
    source: cursor.source,
    fromLedger: BigInt(cursor.fromLedger),
    toLedger: BigInt(cursor.toLedger),
    nextLedger: BigInt(cursor.nextLedger),
  };
  await db.prisma.backfillState.upsert({ where: { contractId }, create: { contractId, ...data }, update: data });
}
