// The benchmark's PostgreSQL: a server given by URL, or a throwaway cluster (scripts/throwaway-postgres.sh) that
// is removed at the end; one fresh database per scenario on it.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import pg from "pg";

const script = path.resolve(import.meta.dirname, "../throwaway-postgres.sh");

export interface BenchServer {
  /** Where the server is, safe to print. */
  label: string;
  throwaway: boolean;
  /** A new, empty database on the server; its URL. */
  createDatabase(tag: string): Promise<string>;
  /** Drops the databases created here and stops a throwaway server. */
  close(options?: { keepDatabases?: boolean }): Promise<void>;
}

export async function openServer(databaseUrl: string | undefined): Promise<BenchServer> {
  let dir: string | undefined;
  let serverUrl = databaseUrl;
  if (!serverUrl) {
    const out = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    const [d, u] = out.split(" ");
    if (!d || !u) throw new Error(`throwaway-postgres.sh start printed ${JSON.stringify(out)}`);
    dir = d;
    serverUrl = u;
  }
  const created: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const version = await admin(async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? "?");
  const url = new URL(serverUrl);
  const where = `${url.hostname}:${url.port || "5432"}`;
  return {
    label: `PostgreSQL ${version} at ${where}${dir ? " (throwaway cluster, fsync=off)" : ""}`,
    throwaway: dir !== undefined,
    async createDatabase(tag) {
      const name = `bench_${tag.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${crypto.randomBytes(3).toString("hex")}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const u = new URL(serverUrl as string);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async close(options = {}) {
      try {
        if (!options.keepDatabases && dir === undefined) {
          await admin(async (c) => {
            for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          });
        }
      } finally {
        if (dir !== undefined) execFileSync("bash", [script, "stop", dir], { stdio: "inherit" });
      }
    },
  };
}

/** One count (a query answering a column `n`) in the database at `databaseUrl`, on a connection of its own. */
export async function count(databaseUrl: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
