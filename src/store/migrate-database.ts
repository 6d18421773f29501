// Opening and migrating the database with failures mapped to the CLI's exit statuses; `sync-tokens db migrate`
// is this alone. Kept apart from sync.ts so that migrating never loads the Stellar SDK.
import { FatalError, LockedError, messageOf } from "../internal/errors.ts";
import { databaseTarget } from "../config/database.ts";
import { DatabaseBusyError, openDatabase, type Database, type OpenDatabaseOptions } from "./database.ts";
import { migrate } from "./migrate.ts";

/** Applies pending migrations and closes the database: what `sync-tokens db migrate` does. */
export async function migrateDatabase(
  options: { databaseUrl?: string; dataDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ database: string; applied: string[] }> {
  const db = await openDatabaseOrFail(databaseTarget(options, options.env ?? process.env));
  try {
    return { database: db.label, applied: await migrateOrFail(db) };
  } finally {
    await db.close();
  }
}

/** Opens the database; another process holding the embedded one is a LockedError (exit 75), the rest fatal. */
export async function openDatabaseOrFail(options: OpenDatabaseOptions): Promise<Database> {
  try {
    return await openDatabase(options);
  } catch (error) {
    if (error instanceof DatabaseBusyError) throw new LockedError(error.message);
    // The cause tells a long-running caller an unreachable server (wait and retry) from a bad configuration.
    throw new FatalError(messageOf(error), { cause: error });
  }
}

/** Applies pending migrations; `sync-tokens db migrate` and every run use it. */
export async function migrateOrFail(db: Database): Promise<string[]> {
  try {
    return await db.withSession((session) => migrate(session));
  } catch (error) {
    throw new FatalError(messageOf(error));
  }
}
