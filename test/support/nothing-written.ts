// "Nothing written": a PostgreSQL database with no relation and no type of its own (not even the
// migrations table), or an embedded database whose folder (and lock file) was never created.
import fs from "node:fs";
import type { TestDatabase } from "./databases.ts";

export interface Footprint {
  /** Relations (tables, views, sequences, indexes) outside the system schemas. */
  relations: string[];
  /** Types (enums etc.) created outside the system schemas. */
  types: string[];
  /** For PGlite: what exists of the data folder and its lock. */
  files: string[];
}

export async function footprint(db: TestDatabase): Promise<Footprint> {
  if (db.backend === "pglite") {
    const files = [db.dataDir, `${db.dataDir}.lock`].filter((p) => fs.existsSync(p));
    return { relations: [], types: [], files };
  }
  const system = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;
  const relations = await db.sql<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${system} ORDER BY 1`,
  );
  const types = await db.sql<{ name: string }>(
    `SELECT n.nspname || '.' || t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE ${system} AND t.typtype IN ('e', 'c', 'd', 'r') AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid) ORDER BY 1`,
  );
  return { relations: relations.map((r) => r.name), types: types.map((t) => t.name), files: [] };
}

export const EMPTY: Footprint = { relations: [], types: [], files: [] };
