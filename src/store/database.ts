// Opens the store: PostgreSQL through `pg` when a URL is given, otherwise an embedded PGlite database in a folder.
// Everything above this module is the same for both: SQL with typed rows, each caller mapping its own (int8 and
// numeric arrive as text from pg, as numbers from PGlite, so callers cast in SQL or convert; the schema and its
// migrations stay Prisma's, in prisma/).
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { redactUrl } from "../internal/redact.ts";
import { acquireFileLock, type FileLock } from "./file-lock.ts";
import { applicationName } from "./holder.ts";

/** One connection on which statements run in order: migrations and run locks need that. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a statement; returns how many rows it inserted, updated or deleted. */
  execute(sql: string, params?: unknown[]): Promise<number>;
}

/** A session held open: see Database.openSession. */
export interface HeldSession extends SqlSession {
  /** Aborted, with a DatabaseError as reason, when the server ends the connection (restart, termination). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface Database {
  readonly kind: "postgres" | "pglite";
  /** Where the data lives, safe to print (no password). */
  readonly label: string;
  /** One statement on any connection (PostgreSQL's pool): reads and single-statement writes. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** One statement on any connection; returns how many rows it changed. */
  execute(sql: string, params?: unknown[]): Promise<number>;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction on the driver itself: committed when it resolves, rolled back when it throws.
   * The sync's batch writes use it (Prisma's interactive transactions, tried first, cost several times the statement's own time).
   */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** A session kept open until released: a PostgreSQL session-level lock lives as long as it. */
  openSession(): Promise<HeldSession>;
  /**
   * A transaction on a connection of its own, left open while other statements run on the others: work can go
   * into it ahead of the statement that decides whether it commits. Absent on PGlite, whose one connection an open
   * transaction would hold up.
   */
  openTransaction?(): Promise<OpenTransaction>;
  close(): Promise<void>;
}

export interface OpenTransaction extends SqlSession {
  commit(): Promise<void>;
  /** Rolls back (never throws: a lost connection has rolled back already) and frees the connection. */
  rollback(): Promise<void>;
}

/** Runs `fn` in the open transaction and commits; on any failure rolls back and rethrows. */
export async function commitAfter<T>(tx: OpenTransaction, fn: (session: SqlSession) => Promise<T>): Promise<T> {
  try {
    const result = await fn(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback();
    throw error;
  }
}

export class DatabaseError extends Error {
  override name = "DatabaseError";
}

/** Thrown when another process holds the embedded database. */
export class DatabaseBusyError extends Error {
  override name = "DatabaseBusyError";
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const label = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseError(`DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database)`);
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new DatabaseError(`DATABASE_URL must start with postgresql://, got ${parsed.protocol}//`);
  }
  // Named after the lease holder, so that a successor can end every connection of a frozen leader (lease.ts).
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 10_000, application_name: applicationName() });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError(`cannot connect to PostgreSQL at ${describeHost(parsed)}: ${cleanPgError(error, url)}`);
  }
  const session = (client: pg.PoolClient | pg.Pool): SqlSession => ({
    exec: async (sql) => void (await client.query(sql)),
    query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
      (await client.query(sql, params)).rows as T[],
    execute: async (sql, params) => (await client.query(sql, params)).rowCount ?? 0,
  });
  const anyConnection = session(pool);
  // A checked-out client that loses its server emits 'error': without a listener that kills the process. The
  // statement in progress rejects on its own; the client is then discarded, not pooled again.
  const checkout = async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => (broken ??= error);
    client.on("error", onError);
    return {
      client,
      /** A statement failed in a way that leaves the connection unfit for reuse. */
      fail: (error: unknown) => (broken ??= error as Error),
      release: () => {
        client.off("error", onError);
        client.release(broken);
      },
    };
  };
  const openTransaction = async (): Promise<OpenTransaction> => {
    const c = await checkout();
    let open = true;
    const end = () => {
      open = false;
      c.release();
    };
    try {
      await c.client.query("BEGIN");
    } catch (error) {
      c.fail(error);
      end();
      throw error;
    }
    return {
      ...session(c.client),
      async commit() {
        try {
          await c.client.query("COMMIT");
        } catch (error) {
          c.fail(error);
          throw error;
        } finally {
          end();
        }
      },
      async rollback() {
        if (!open) return;
        await c.client.query("ROLLBACK").catch(c.fail);
        end();
      },
    };
  };
  return {
    kind: "postgres",
    label,
    query: anyConnection.query,
    execute: anyConnection.execute,
    async withSession(fn) {
      const c = await checkout();
      try {
        return await fn(session(c.client));
      } finally {
        c.release();
      }
    },
    transaction: async (fn) => commitAfter(await openTransaction(), fn),
    openTransaction,
    async openSession() {
      const client = await pool.connect();
      const lost = new AbortController();
      const onError = (error: Error) => {
        if (!lost.signal.aborted) {
          lost.abort(new DatabaseError(`lost the connection to PostgreSQL at ${describeHost(parsed)}: ${cleanPgError(error, url)}`));
        }
      };
      const onEnd = () => onError(new Error("the server closed the connection"));
      client.on("error", onError);
      client.on("end", onEnd);
      let released = false;
      return {
        ...session(client),
        lost: lost.signal,
        async release() {
          if (released) return;
          released = true;
          client.off("error", onError);
          client.off("end", onEnd);
          client.release(lost.signal.aborted ? (lost.signal.reason as Error) : undefined);
        },
      };
    },
    async close() {
      await pool.end().catch(() => {});
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  // PGlite is single-process: a second process opening the same folder would corrupt it.
  let lock: FileLock;
  try {
    lock = acquireFileLock(`${dataDir}.lock`);
  } catch (error) {
    throw new DatabaseBusyError(`the embedded database ${dataDir} is in use by another process (${(error as Error).message})`);
  }
  // Loaded only here: a PostgreSQL run need not pay for the embedded engine.
  const [{ PGlite }, { pg_trgm }] = await Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite/contrib/pg_trgm")]);
  let db: InstanceType<typeof PGlite>;
  try {
    // pg_trgm backs the token search's indexes (see its migration); the bundle is 16 KB.
    db = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  } catch (error) {
    lock.release();
    throw new DatabaseError(`cannot open the embedded database at ${dataDir}: ${(error as Error).message}`);
  }
  const session = pgliteSession(db);
  return {
    kind: "pglite",
    label: `embedded database at ${dataDir}`,
    query: session.query,
    execute: session.execute,
    withSession: (fn) => fn(session),
    transaction: (fn) => db.transaction((tx) => fn(pgliteSession(tx))),
    openSession: async () => ({ ...session, lost: new AbortController().signal, release: async () => {} }),
    async close() {
      await db.close().catch(() => {});
      lock.release();
    },
  };
}

/** Statements on PGlite itself or on one of its transactions (the same two methods). */
function pgliteSession(q: {
  exec(sql: string): Promise<unknown>;
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}): SqlSession {
  return {
    exec: async (sql) => void (await q.exec(sql)),
    query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => (await q.query<T>(sql, params)).rows,
    execute: async (sql, params) => (await q.query(sql, params)).affectedRows ?? 0,
  };
}

/** One line saying what went wrong in a statement, with the SQLSTATE the drivers (pg, PGlite) carry in `code`. */
export function describeDatabaseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const sqlState = (error as { code?: unknown })?.code;
  const line = message.split("\n").map((l) => l.trim()).find((l) => l !== "");
  if (line === undefined) return error instanceof Error ? error.name : "unknown error";
  return typeof sqlState === "string" && /^[0-9A-Z]{5}$/.test(sqlState) ? `${line} (SQLSTATE ${sqlState})` : line;
}

function describeHost(url: URL): string {
  const db = url.pathname.replace(/^\//, "");
  return `${url.hostname}:${url.port || "5432"}${db ? `/${db}` : ""}`;
}

/** pg errors can quote the connection string; keep only the message, with any secret removed. */
function cleanPgError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  const password = safePassword(url);
  return password ? message.split(password).join("***") : message;
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
