// Fresh, isolated databases for tests: a new PostgreSQL database per call on the test server,
// or a new PGlite folder.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll } from "vitest";

export type Backend = "postgres" | "pglite";
export const backends: Backend[] = ["postgres", "pglite"];

export interface TestDatabase {
  backend: Backend;
  /** Set for PostgreSQL. */
  databaseUrl?: string;
  /** Used when databaseUrl is unset. */
  dataDir: string;
  /** Plain SQL against the database, independent of the code under test. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error("TEST_PG_URL is unset: run the tests through vitest's global setup");
  return url;
}

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-test-"));
  const pgliteDir = path.join(dataDir, "pglite");
  if (backend === "pglite") {
    return {
      backend,
      dataDir: pgliteDir,
      async sql(text, params) {
        const [{ PGlite }, { pg_trgm }] = await Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite/contrib/pg_trgm")]);
        // As the code under test opens it: the token search's indexes need the extension.
        const db = await PGlite.create(pgliteDir, { extensions: { pg_trgm } });
        try {
          return (await db.query(text, params)).rows as never;
        } finally {
          await db.close();
        }
      },
      async drop() {
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `st_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return postgresDatabase(url.toString(), pgliteDir, async () => {
    const c = new pg.Client({ connectionString: serverUrl() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
}

/** A TestDatabase on the PostgreSQL database at `databaseUrl`; `drop` removes it. */
export function postgresDatabase(databaseUrl: string, dataDir: string, drop: () => Promise<void>): TestDatabase {
  return {
    backend: "postgres",
    databaseUrl,
    dataDir,
    async sql(text, params) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    drop,
  };
}

/**
 * `freshDb(backend)` makes a new database each call; all are dropped after the file's tests (after the file's own
 * afterAll hooks, which run first). Call once at the top of a test file.
 */
export function freshDatabases(): (backend?: Backend) => Promise<TestDatabase> {
  const made: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of made.splice(0)) await db.drop();
  });
  return async (backend = "postgres") => {
    const db = await createTestDatabase(backend);
    made.push(db);
    return db;
  };
}
