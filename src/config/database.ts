// Where the database is: the caller's option, else DATABASE_URL, else the embedded database in PGLITE_DATA_DIR or
// the default folder. Written once for the run's configuration, `db migrate` and the webhook commands.
import { defaultDataDir } from "../paths.ts";

export interface DatabaseTarget {
  /** PostgreSQL; undefined: the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
}

export function databaseTarget(options: { databaseUrl?: string; dataDir?: string }, env: NodeJS.ProcessEnv): DatabaseTarget {
  return {
    databaseUrl: options.databaseUrl ?? (env.DATABASE_URL?.trim() || undefined),
    dataDir: options.dataDir ?? (env.PGLITE_DATA_DIR?.trim() || defaultDataDir(env)),
  };
}
