// Applies prisma/migrations the way `prisma migrate deploy` does, without the Prisma CLI (whose
// schema engine cannot be downloaded everywhere). Rows in _prisma_migrations are written exactly as
// Prisma writes them, and Prisma's own advisory lock key is taken, so either tool accepts a database
// migrated by the other and the two never migrate at once.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { migrationsDir } from "../paths.ts";
import type { SqlSession } from "./database.ts";

/** The key `prisma migrate` locks with (pg_advisory_lock(72707369)). */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export function readMigrations(dir = migrationsDir): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow extends Record<string, unknown> {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies every pending migration in one transaction: either all of them land or none does.
 * Returns the names applied.
 */
export async function migrate(session: SqlSession, migrations = readMigrations()): Promise<string[]> {
  await session.exec("BEGIN");
  try {
    await session.query("SELECT pg_advisory_xact_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    await session.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await session.query<AppliedRow>(
      `SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier and was never resolved; fix the database, then mark it with \`prisma migrate resolve\``,
      );
    }
    const done = new Set(rows.filter((row) => row.rolled_back_at === null).map((row) => row.migration_name));
    const pending = migrations.filter((m) => !done.has(m.name));
    for (const m of pending) {
      const id = crypto.randomUUID();
      await session.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
        [id, m.checksum, m.name],
      );
      try {
        await session.exec(m.sql);
      } catch (error) {
        throw new MigrationError(`migration ${m.name} failed: ${(error as Error).message}`);
      }
      await session.query(
        `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
    }
    await session.exec("COMMIT");
    return pending.map((m) => m.name);
  } catch (error) {
    await session.exec("ROLLBACK").catch(() => {});
    throw error instanceof MigrationError ? error : new MigrationError(`migrating the database failed: ${(error as Error).message}`);
  }
}
