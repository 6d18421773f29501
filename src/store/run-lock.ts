// One run per contract at a time, so that overlapping cron runs never pile up. On PostgreSQL a
// session-level advisory lock (released by the server if the process dies) and a lease (lease.ts); the
// embedded database is already exclusive to one process (see database.ts).
//
// A PostgreSQL lock lives as long as its connection, and a frozen process keeps its connection open. So the
// holder also keeps a lease whose deadline it moves forward only while it makes progress (see progress()). A
// process that finds the lease expired ends the holder's backends (pg_terminate_backend), takes the lock and
// claims the lease under a higher epoch. When the lock or the lease is lost, this run must not write any more:
// `lost` is aborted, and every batch transaction checks, inside the transaction, that the lock's session still
// holds the lock and that the lease's epoch is still this run's (see assertRunLockHeld, used by TokenStore).
import { DatabaseError, type Database, type HeldSession, type SqlSession } from "./database.ts";
import { claimLease, endStaleHolder, expireLease, fencingState, readLease, renewLease } from "./lease.ts";
import { leaseHolder } from "./holder.ts";

export interface RunLock {
  /** Aborted, with a DatabaseError as reason, when the lock was lost with its connection or the lease was taken. */
  readonly lost: AbortSignal;
  /** The lease's epoch (null on the embedded database, which has no lease). */
  readonly epoch: bigint | null;
  /** The run made progress (an RPC answer, a batch committed): the lease is renewed on the next beat. */
  progress(): void;
  release(): Promise<void>;
}

export interface LockOptions {
  /** The lease's length in ms (lease.ts: DEFAULT_LEASE_MS). */
  leaseMs: number;
  /** Told when the lock was taken from a holder whose lease had expired. */
  onTakeover?: (event: { staleHolder: string; endedPids: number[] }) => void;
}

interface Held {
  contractId: string;
  epoch: bigint;
  /** The server process of the session holding the lock. */
  pid: number;
  session: HeldSession;
}

const held = new WeakMap<Database, Held>();

/** How long a claimant waits for the server to release the lock of the backends it ended. */
const TAKEOVER_WAIT_MS = 3000;

export async function tryLockContract(db: Database, contractId: string, options: LockOptions): Promise<RunLock | null> {
  if (db.kind === "pglite") return { lost: new AbortController().signal, epoch: null, progress() {}, release: async () => {} };
  const key = `sync-tokens:${contractId}`;
  const me = leaseHolder();
  const session = await db.openSession();
  let pid: number;
  let epoch: bigint | null = null;
  const tryLock = async () =>
    (await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [key]))[0]?.locked === true;
  try {
    const lease = await readLease(session.query, contractId);
    let locked = await tryLock();
    const lockWasFree = locked;
    // A live lease whose holder no longer holds the lock (a SIGKILLed run: the server ended its sessions) binds
    // nobody: the holder's writes are fenced by its lost lock. Only a live holder that keeps the lock is waited for.
    if (!locked && lease?.live && lease.holder !== me) {
      await session.release();
      return null;
    }
    if (!locked && lease && !lease.live) {
      // The holder stopped renewing (frozen, or cut off from the RPC) but its connection still holds the lock.
      const endedPids = await endStaleHolder(session.query, key, lease.holder);
      options.onTakeover?.({ staleHolder: lease.holder, endedPids });
      for (const until = performance.now() + TAKEOVER_WAIT_MS; !locked && performance.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        locked = await tryLock();
      }
    }
    if (locked) epoch = await claimLease(session, contractId, me, options.leaseMs, lockWasFree);
    if (epoch === null) {
      if (locked) await session.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]);
      await session.release();
      return null;
    }
    pid = (await session.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))[0]!.pid;
  } catch (error) {
    await session.release();
    throw error;
  }
  const claimed = epoch;
  const state: Held = { contractId, epoch: claimed, pid, session };
  held.set(db, state);
  const lost = new AbortController();
  const lose = (reason: unknown) => {
    if (!lost.signal.aborted) lost.abort(reason);
  };
  session.lost.addEventListener("abort", () => lose(session.lost.reason), { once: true });
  // Renewed about four times a lease, and only when something progressed since the last renewal.
  let progressed = true;
  let renewing = false;
  const beat = setInterval(() => {
    if (!progressed || renewing || lost.signal.aborted) return;
    progressed = false;
    renewing = true;
    renewLease(session.query, contractId, claimed, options.leaseMs)
      .then((ok) => {
        if (!ok) lose(new DatabaseError(`another process took over the lease (this run's epoch was ${claimed})`));
      })
      .catch((error: unknown) => {
        progressed = true; // try again on the next beat (a lost connection aborts through session.lost)
        void error;
      })
      .finally(() => (renewing = false));
  }, Math.max(250, Math.floor(options.leaseMs / 4)));
  beat.unref();
  return {
    lost: lost.signal,
    epoch: claimed,
    progress() {
      progressed = true;
    },
    async release() {
      clearInterval(beat);
      if (held.get(db)?.session === session) held.delete(db);
      if (!session.lost.aborted) {
        await expireLease(session.query, contractId, claimed).catch(() => {});
        await session.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => {});
      }
      await session.release();
    },
  };
}

/**
 * Throws a DatabaseError when `db` has a run lock whose connection was lost. With `query` (a statement runner
 * inside the caller's transaction), also asks the server whether the lock's session still holds the lock and
 * whether the lease's epoch is still this run's, so that a transaction never commits after either is gone,
 * however late the client hears of it.
 */
export async function assertRunLockHeld(db: Database, tx?: SqlSession): Promise<void> {
  const lock = held.get(db);
  if (!lock) return;
  if (lock.session.lost.aborted) throw lostError(lock.session.lost.reason);
  if (!tx) return;
  const { held: sessionHeld, epoch } = await fencingState(tx.query, lock.contractId, lock.pid);
  if (!sessionHeld) {
    throw lostError(new DatabaseError(`the session that held it (server process ${lock.pid}) is gone`));
  }
  if (epoch !== lock.epoch) {
    throw lostError(new DatabaseError(`another process took over the lease (this run's epoch was ${lock.epoch})`));
  }
}

function lostError(reason: unknown): DatabaseError {
  const why = reason instanceof Error ? reason.message : String(reason);
  return new DatabaseError(`this run lost its lock on the database (${why}): stopping, since another run may now start`);
}
