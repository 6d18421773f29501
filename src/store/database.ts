// Opens the store: PostgreSQL through @prisma/adapter-pg when a URL is given, otherwise an
// embedded PGlite database in a folder. Everything above this module is the same for both.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.ts";
import { redactUrl } from "../redact.ts";
import { acquireFileLock, type FileLock } from "./file-lock.ts";

/** One connection on which statements run in order: migrations and run locks need that. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database {
  readonly prisma: PrismaClient;
  readonly kind: "postgres" | "pglite";
  /** Where the data lives, safe to print (no password). */
  readonly label: string;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** A session kept open until released: a PostgreSQL session-level lock lives as long as it. */
  openSession(): Promise<SqlSession & { release(): Promise<void> }>;
  close(): Promise<void>;
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
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError(`cannot connect to PostgreSQL at ${describeHost(parsed)}: ${cleanPgError(error, url)}`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const session = (client: pg.PoolClient): SqlSession => ({
    exec: async (sql) => void (await client.query(sql)),
    query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
      (await client.query(sql, params)).rows as T[],
  });
  return {
    prisma,
    kind: "postgres",
    label,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn(session(client));
      } finally {
        client.release();
      }
    },
    async openSession() {
      const client = await pool.connect();
      return { ...session(client), release: async () => client.release() };
    },
    async close() {
      await prisma.$disconnect().catch(() => {});
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
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    lock.release();
    throw new DatabaseError(`cannot open the embedded database at ${dataDir}: ${(error as Error).message}`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  const session: SqlSession = {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
      (await db.query<T>(sql, params)).rows,
  };
  return {
    prisma,
    kind: "pglite",
    label: `embedded database at ${dataDir}`,
    withSession: (fn) => fn(session),
    openSession: async () => ({ ...session, release: async () => {} }),
    async close() {
      await prisma.$disconnect().catch(() => {});
      await db.close().catch(() => {});
      lock.release();
    },
  };
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
