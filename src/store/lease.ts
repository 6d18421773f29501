// The leader's lease on a contract (table sync_leases). The advisory lock (run-lock.ts) proves only that a
// connection is open: a frozen process keeps it forever. The lease has a deadline that its holder moves forward
// only while it makes progress; once the deadline has passed, another process may end the holder's backends and
// claim the lease under a higher epoch. Every write of the holder checks that epoch in its own transaction.
// Times are the database server's (now()), so that the processes' clocks need not agree.
import { boundedInt } from "../config/env-values.ts";
import type { SqlSession } from "./database.ts";
import { applicationName, leaseHolder } from "./holder.ts";

/** Default lease: renewed about every quarter of it, so a leader that stalls this long is replaced. */
export const DEFAULT_LEASE_MS = 8000;

export interface LeaseRow {
  holder: string;
  epoch: bigint;
  deadline: Date;
  /** The deadline has not passed yet (by the database's clock). */
  live: boolean;
}

/** SYNC_LEASE_MS, validated (1 s to 10 min), or the default. */
export function leaseMsFrom(env: NodeJS.ProcessEnv): number {
  return boundedInt(env.SYNC_LEASE_MS, "SYNC_LEASE_MS", 1000, 600_000, "ms") ?? DEFAULT_LEASE_MS;
}

type Query = SqlSession["query"];

/** The lease row, or null when no process ever claimed it (or the table is not there yet: dry run on an old schema). */
export async function readLease(query: Query, contractId: string): Promise<LeaseRow | null> {
  try {
    const [row] = await query<{ holder: string; epoch: string; deadline: Date; live: boolean }>(
      `SELECT holder, epoch::text, deadline, deadline > now() AS live FROM sync_leases WHERE contract_id = $1`,
      [contractId],
    );
    return row ? { holder: row.holder, epoch: BigInt(row.epoch), deadline: new Date(row.deadline), live: row.live } : null;
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return null; // undefined_table
    throw error;
  }
}

/**
 * Claims the lease for `holder`, who holds the contract's advisory lock: when it is free, expired, already this
 * holder's, or when `holderLostLock` (its holder's lock was free, so that holder is dead or cut off from the
 * database); returns the new epoch, or null when another holder's lease is live. Each claim raises the epoch,
 * which fences every earlier claim.
 */
export async function claimLease(session: SqlSession, contractId: string, holder: string, ttlMs: number, holderLostLock = false): Promise<bigint | null> {
  await session.exec("BEGIN");
  try {
    // A frozen holder's open transaction may lock the row: its backends were ended, but never wait for long.
    await session.exec("SET LOCAL lock_timeout = '5s'");
    const [row] = await session.query<{ epoch: string }>(
      `INSERT INTO sync_leases (contract_id, holder, epoch, deadline)
       VALUES ($1, $2, 1, now() + $3::int * interval '1 millisecond')
       ON CONFLICT (contract_id) DO UPDATE SET holder = EXCLUDED.holder, epoch = sync_leases.epoch + 1,
         deadline = EXCLUDED.deadline, acquired_at = now(), renewed_at = now()
       WHERE sync_leases.deadline <= now() OR sync_leases.holder = EXCLUDED.holder OR $4::boolean
       RETURNING epoch::text`,
      [contractId, holder, ttlMs, holderLostLock],
    );
    await session.exec("COMMIT");
    return row ? BigInt(row.epoch) : null;
  } catch (error) {
    await session.exec("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** Moves the deadline forward; false when the epoch is no longer this one (another process claimed the lease). */
export async function renewLease(query: Query, contractId: string, epoch: bigint, ttlMs: number): Promise<boolean> {
  const rows = await query(
    `UPDATE sync_leases SET deadline = now() + $3::int * interval '1 millisecond', renewed_at = now()
     WHERE contract_id = $1 AND epoch = $2::bigint RETURNING 1 AS ok`,
    [contractId, epoch.toString(), ttlMs],
  );
  return rows.length > 0;
}

/** Ends the lease at once (a clean stop), so that a standby need not wait for the deadline. */
export async function expireLease(query: Query, contractId: string, epoch: bigint): Promise<void> {
  await query(`UPDATE sync_leases SET deadline = now() WHERE contract_id = $1 AND epoch = $2::bigint`, [contractId, epoch.toString()]);
}

/**
 * Fencing, inside the caller's transaction: whether the lock's session (server process `lockPid`) still holds its
 * advisory lock, and the lease's epoch. The row stays locked (FOR SHARE) until the transaction ends, so a claim
 * waits for this write to commit or roll back.
 */
export async function fencingState(query: Query, contractId: string, lockPid: number): Promise<{ held: boolean; epoch: bigint | null }> {
  // One round trip per batch. The lock's session is dedicated to it: any advisory lock it holds is this one.
  const [row] = await query<{ held: boolean; epoch: string | null }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1::int) AS held,
            (SELECT epoch::text FROM sync_leases WHERE contract_id = $2 FOR SHARE) AS epoch`,
    [lockPid, contractId],
  );
  return { held: row?.held === true, epoch: row?.epoch == null ? null : BigInt(row.epoch) };
}

/**
 * Ends the backends of a holder whose lease expired: the one holding the advisory lock `lockKey` (pg_locks) and,
 * when it is another process, every connection named after it (pg_stat_activity), which may hold the lease row
 * in an open transaction. Returns the server pids ended.
 */
export async function endStaleHolder(query: Query, lockKey: string, staleHolder: string | null): Promise<number[]> {
  const rows = await query<{ pid: number; ended: boolean }>(
    `SELECT pid, pg_terminate_backend(pid) AS ended FROM (
       SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)
       UNION
       SELECT pid FROM pg_stat_activity WHERE $2::text IS NOT NULL AND application_name = $2::text
     ) AS stale WHERE pid <> pg_backend_pid()`,
    [lockKey, staleHolder === null || staleHolder === leaseHolder() ? null : applicationName(staleHolder)],
  );
  return rows.filter((r) => r.ended).map((r) => r.pid);
}
