// One run per contract at a time, so that overlapping cron runs never pile up. On PostgreSQL a
// session-level advisory lock (released by the server if the process dies); the embedded database
// is already exclusive to one process (see database.ts).
import type { Database } from "./database.ts";

export interface RunLock {
  release(): Promise<void>;
}

export async function tryLockContract(db: Database, contractId: string): Promise<RunLock | null> {
  if (db.kind === "pglite") return { release: async () => {} };
  const session = await db.openSession();
  try {
    const [row] = await session.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked",
      [`sync-tokens:${contractId}`],
    );
    if (!row?.locked) {
      await session.release();
      return null;
    }
  } catch (error) {
    await session.release();
    throw error;
  }
  return {
    async release() {
      await session.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`sync-tokens:${contractId}`]).catch(() => {});
      await session.release();
    },
  };
}
