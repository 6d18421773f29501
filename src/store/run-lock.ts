// One run per contract at a time, so that overlapping cron runs never pile up. On PostgreSQL a
// session-level advisory lock (released by the server if the process dies); the embedded database
// is already exclusive to one process (see database.ts).
//
// A PostgreSQL lock lives as long as its connection. When the server ends that connection in the middle of
// a run (restart, failover, pg_terminate_backend), the lock is gone and another run may start, so this
// run must not write any more: `lost` is aborted, and every batch transaction checks, inside the
// transaction, that the lock's session still holds it (see assertRunLockHeld, used by TokenStore).
import { DatabaseError, type Database, type HeldSession } from "./database.ts";

export interface RunLock {
  /** Aborted, with a DatabaseError as reason, when the lock was lost with its connection. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

interface Held {
  key: string;
  /** The server process of the session holding the lock. */
  pid: number;
  session: HeldSession;
}

const held = new WeakMap<Database, Held>();

export async function tryLockContract(db: Database, contractId: string): Promise<RunLock | null> {
  if (db.kind === "pglite") return { lost: new AbortController().signal, release: async () => {} };
  const key = `sync-tokens:${contractId}`;
  const session = await db.openSession();
  let pid: number;
  try {
    const [row] = await session.query<{ locked: boolean; pid: number }>(
      "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked, pg_backend_pid() AS pid",
      [key],
    );
    if (!row?.locked) {
      await session.release();
      return null;
    }
    pid = row.pid;
  } catch (error) {
    await session.release();
    throw error;
  }
  held.set(db, { key, pid, session });
  return {
    lost: session.lost,
    async release() {
      if (held.get(db)?.session === session) held.delete(db);
      if (!session.lost.aborted) await session.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => {});
      await session.release();
    },
  };
}

/**
 * Throws a DatabaseError when `db` has a run lock whose connection was lost. With `query` (a statement runner
 * inside the caller's transaction), also asks the server whether the lock's session still holds the lock, so
 * that a transaction never commits after the lock is gone, however late the client hears of it.
 */
export async function assertRunLockHeld(
  db: Database,
  query?: (sql: string, ...params: unknown[]) => Promise<{ held: boolean }[]>,
): Promise<void> {
  const lock = held.get(db);
  if (!lock) return;
  if (lock.session.lost.aborted) throw lostError(lock.session.lost.reason);
  if (!query) return;
  // The lock's session is dedicated to it: any advisory lock it holds is this one.
  const [row] = await query(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1::int) AS held`,
    lock.pid,
  );
  if (!row?.held) {
    throw lostError(new DatabaseError(`the session that held it (server process ${lock.pid}) is gone`));
  }
}

function lostError(reason: unknown): DatabaseError {
  const why = reason instanceof Error ? reason.message : String(reason);
  return new DatabaseError(`this run lost its lock on the database (${why}): stopping, since another run may now start`);
}
