// Credentials in RPC_URL (user-info, an API key in the query string) and DATABASE_URL (a password in the
// user-info or the query string) never appear in stdout, stderr, the JSON summary, or any row the tool
// writes (sync_runs, sync_state, and the other tables), in successful and failing runs alike, including
// when the RPC itself echoes them back in its error messages.
//
// Every secret below contains "s3cr3t" (raw and percent-encoded alike), so one search finds any of them
// whole or in part; the HTTP Basic token the client derives from the user-info is searched for too.
import crypto from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { proxyTo, startLocalServer, type Intercept, type LocalServer, type SeenRequest } from "../support/local-http.ts";

const RPC_USER = "Us3rK3y-s3cr3t";
const RPC_PASSWORD = "RpcPa55/w0rd+s3cr3t"; // travels percent-encoded in the URL
const API_KEY = "ApiK3y-s3cr3t-0123456789";
const DB_PASSWORD = "DbPa55-s3cr3t";
const BASIC = Buffer.from(`${RPC_USER}:${RPC_PASSWORD}`).toString("base64");

/** Pieces of a secret that must never show: the marker, and the Basic token (whole and its first 12 characters). */
const LEAKS: RegExp[] = [/s3cr3t/i, new RegExp(BASIC.replace(/[+/=]/g, "\\$&")), new RegExp(BASIC.slice(0, 12).replace(/[+/=]/g, "\\$&"))];

function expectNoSecret(text: string, where: string): void {
  for (const leak of LEAKS) {
    const m = leak.exec(text);
    expect(m === null, `${where} leaks ${leak}: …${m ? text.slice(Math.max(0, m.index - 80), m.index + 40) : ""}…`).toBe(true);
  }
}

function serverUrl(): URL {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error("TEST_PG_URL is unset");
  return new URL(url);
}

let sim: Simnet;
let proxy: LocalServer;
/** What the proxy does with the next requests; reset after each test. */
let intercept: (method: string, req: SeenRequest) => Intercept = () => "pass";
/** A database owned by a role with a password (the throwaway server trusts every password: only leaks are tested). */
let owned: { role: string; name: string; admin: TestDatabase };

const rpcUrl = (base: string = proxy.url) => {
  const u = new URL(base);
  return `http://${RPC_USER}:${encodeURIComponent(RPC_PASSWORD)}@${u.host}/rpc/v1?apikey=${API_KEY}&network=standalone`;
};
const dbUrl = (options: { port?: string; inQuery?: boolean } = {}) => {
  const u = serverUrl();
  const port = options.port ?? u.port;
  return options.inQuery
    ? `postgresql://${owned.role}@${u.hostname}:${port}/${owned.name}?password=${DB_PASSWORD}`
    : `postgresql://${owned.role}:${DB_PASSWORD}@${u.hostname}:${port}/${owned.name}`;
};

beforeAll(async () => {
  sim = await startSimnet({ scenario: { seed: 5, tokens: 12, creators: 4 } });
  proxy = await startLocalServer(proxyTo(sim.url, (method, req) => intercept(method, req)));
  const suffix = crypto.randomBytes(4).toString("hex");
  const role = `sync_rw_${suffix}`;
  const name = `st_secret_${suffix}`;
  const admin = new pg.Client({ connectionString: serverUrl().toString() });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${DB_PASSWORD}'`);
  await admin.query(`CREATE DATABASE ${name} OWNER ${role}`);
  await admin.end();
  const adminUrl = serverUrl();
  adminUrl.pathname = `/${name}`;
  owned = {
    role,
    name,
    admin: {
      backend: "postgres",
      databaseUrl: adminUrl.toString(),
      dataDir: "",
      async sql(text, params) {
        const c = new pg.Client({ connectionString: adminUrl.toString() });
        await c.connect();
        try {
          return (await c.query(text, params)).rows;
        } finally {
          await c.end();
        }
      },
      async drop() {
        const c = new pg.Client({ connectionString: serverUrl().toString() });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
        await c.end();
      },
    },
  };
});

afterAll(async () => {
  await proxy?.close();
  await sim?.close();
  await owned?.admin.drop();
});

afterEach(() => {
  intercept = () => "pass";
});

/** Every row of every table the tool owns, as JSON text. */
async function everyRow(db: TestDatabase): Promise<string> {
  const tables = await db.sql<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  const out: string[] = [];
  for (const { name } of tables) {
    const rows = await db.sql<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${name}" t`);
    out.push(`${name}: ${rows.map((r) => r.j).join("\n")}`);
  }
  return out.join("\n");
}

const sync = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  runCli(args, {
    env: cliEnv(sim, { databaseUrl: dbUrl() }, { RPC_URL: rpcUrl(), CREATOR_ADDRESS: undefined, ...env }),
    timeoutMs: 170_000,
  });

async function expectClean(r: CliResult, db: TestDatabase | null = owned.admin): Promise<void> {
  expectNoSecret(r.stdout, "stdout");
  expectNoSecret(r.stderr, "stderr");
  if (db) expectNoSecret(await everyRow(db), "the database");
}

/** A JSON-RPC error reply to `req` whose message quotes what a careless provider might. */
function echoingRpcError(req: SeenRequest, code: number): Intercept {
  const { id } = JSON.parse(req.body) as { id: unknown };
  return {
    status: 200,
    contentType: "application/json",
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      error: { code, message: `rejected request to ${req.url} with authorization ${req.headers.authorization} (key ${API_KEY})` },
    }),
  };
}

describe("secrets in RPC_URL and DATABASE_URL", () => {
  it("reach the servers (Basic auth, query string) in a successful text-mode run, and nowhere in its output", async () => {
    const before = proxy.requests.length;
    const r = await sync([], { CREATOR_ADDRESS: sim.chain.dormantCreators().join(",") });
    expect(r.code, r.stderr).toBe(0);
    await expectClean(r);
    // The credentials were really in play: the client sent them.
    const sent = proxy.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((q) => q.headers.authorization === `Basic ${BASIC}` && q.url.includes(`apikey=${API_KEY}`))).toBe(true);
    // What the report shows instead.
    expect(r.stdout).toMatch(/RPC {8}http:\/\/\*\*\*@127\.0\.0\.1:\d+\/rpc\/v1\?apikey=\*\*\*&network=\*\*\* /);
    expect(r.stdout).toMatch(/database {3}postgresql:\/\/\*\*\*@127\.0\.0\.1:\d+\//);
    const runs = await owned.admin.sql(`SELECT count(*)::int AS n FROM sync_runs`);
    expect(runs).toEqual([{ n: 1 }]);
  });

  it("--json, with the URLs given as flags", async () => {
    sim.chain.launchToken({ name: "after the first run" });
    const r = await sync(["--json", "--rpc-url", rpcUrl(), "--database-url", dbUrl()], {
      RPC_URL: undefined,
      DATABASE_URL: undefined,
      CREATOR_ADDRESS: sim.chain.dormantCreators().join(","),
    });
    expect(r.code, r.stderr).toBe(0);
    await expectClean(r);
    expect((JSON.parse(r.stdout) as { synced: number }).synced).toBe(1);
  });

  it("a password in DATABASE_URL's query string", async () => {
    const r = await sync([], { DATABASE_URL: dbUrl({ inQuery: true }), CREATOR_ADDRESS: sim.chain.dormantCreators().join(",") });
    expect(r.code, r.stderr).toBe(0);
    await expectClean(r);
    expect(r.stdout).toMatch(/database {3}postgresql:\/\/\*\*\*@127\.0\.0\.1:\d+\/st_secret_[0-9a-f]+\?password=\*\*\*/);
  });

  it("sync-tokens db migrate", async () => {
    const r = await runCli(["db", "migrate"], { env: { DATABASE_URL: dbUrl() } });
    expect(r.code, r.stderr).toBe(0);
    await expectClean(r);
    expect(r.stdout).toMatch(/is up to date/);
  });

  it("the RPC answers HTTP errors that echo the credentials (getEvents, mid-run): exit 1, a FAILED run", async () => {
    sim.chain.advance(1);
    intercept = (method, req) =>
      method === "getEvents"
        ? { status: 401, body: `invalid key: ${req.url}\nAuthorization: ${req.headers.authorization}\napikey=${API_KEY}\n` }
        : "pass";
    for (const json of [false, true]) {
      const r = await sync(json ? ["--json"] : [], json ? { LOG_FORMAT: "json" } : {}); // the log lines as JSON too
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^sync-tokens: error: .*getEvents: HTTP 401/m);
      await expectClean(r);
    }
    const runs = await owned.admin.sql<{ outcome: string; error: string }>(`SELECT outcome::text, error FROM sync_runs ORDER BY id DESC LIMIT 2`);
    expect(runs.map((x) => x.outcome)).toEqual(["FAILED", "FAILED"]);
    expect(runs[0]!.error).toMatch(/getEvents: HTTP 401/);
  });

  it("an HTTP error that echoes the bare Basic token (base64 of user:password): exit 1", async () => {
    const db = await createTestDatabase("postgres");
    try {
      sim.chain.advance(1);
      intercept = (method) => (method === "getEvents" ? { status: 401, body: `credentials ${BASIC} refused\n` } : "pass");
      const r = await sync([], { DATABASE_URL: db.databaseUrl });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/getEvents: HTTP 401/);
      await expectClean(r, db);
    } finally {
      await db.drop();
    }
  });

  it("JSON-RPC errors that echo the credentials fail the tokens read (getLedgerEntries), not the secrecy", async () => {
    sim.chain.buy(sim.chain.tokens.find((t) => t.status === "Bonding")!, 1_000_000_000n);
    intercept = (method, req) => (method === "getLedgerEntries" ? echoingRpcError(req, -32602) : "pass");
    for (const json of [false, true]) {
      const r = await sync(json ? ["--json", "--full"] : ["--full"], json ? { LOG_FORMAT: "json" } : {});
      // A refusal is an answer, not an outage: every token read fails (exit 2), the creators' scans warn.
      expect(r.code, r.stderr).toBe(2);
      await expectClean(r);
      expect(r.stdout + r.stderr).toMatch(/getLedgerEntries: JSON-RPC error -32602: rejected request to /);
      if (json) {
        const s = JSON.parse(r.stdout) as { failed: { address: string; error: string }[] };
        expect(s.failed.map((f) => f.address).sort()).toEqual(sim.chain.tokens.map((t) => t.tokenAddress).sort());
        for (const f of s.failed) expect(f.error).toMatch(/getLedgerEntries: JSON-RPC error -32602: rejected request to /);
      }
    }
  });

  it("a simulation error that echoes the credentials (the contract check): exit 1", async () => {
    intercept = (method, req) => {
      if (method !== "simulateTransaction") return "pass";
      const { id } = JSON.parse(req.body) as { id: unknown };
      return {
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id,
          result: { latestLedger: sim.chain.latestLedger, error: `HostError: Error(Storage, MissingValue) while serving ${req.url} for ${req.headers.authorization}` },
        }),
      };
    };
    const r = await sync([]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/does not answer as a SAC Factory/);
    await expectClean(r);
  });

  it("a contract that is not the factory, and a passphrase mismatch: the error names the RPC without its credentials", async () => {
    const other = await sync([], { CONTRACT_ID: "CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD2KM" });
    expect(other.code, other.stderr).toBe(1);
    expect(other.stderr).toMatch(/does not answer as a SAC Factory/);
    await expectClean(other);
    const mismatch = await sync([], { NETWORK_PASSPHRASE: "Test SDF Network ; September 2015" });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/network passphrase mismatch: the RPC at http:\/\/\*\*\*@127\.0\.0\.1:\d+\/rpc\/v1\?apikey=\*\*\*&network=\*\*\* serves/);
    await expectClean(mismatch);
  });

  it("configuration errors about the URL itself", async () => {
    for (const [url, pattern] of [
      [`http://${RPC_USER}:${encodeURIComponent(RPC_PASSWORD)}@example.com/?apikey=${API_KEY}`, /plain http to a non-local host/],
      [`ftp://${RPC_USER}:${encodeURIComponent(RPC_PASSWORD)}@example.com/?apikey=${API_KEY}`, /uses ftp:\/\//],
      [`rpc.example.com/?apikey=${API_KEY}`, /is not a URL/],
      [`${RPC_USER}:${encodeURIComponent(RPC_PASSWORD)}@rpc.example.com/`, /RPC URL/],
    ] as const) {
      const r = await sync([], { RPC_URL: url });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr).toMatch(pattern);
      await expectClean(r, null);
    }
  });

  it("PostgreSQL unreachable, or a database that does not exist: exit 1", async () => {
    const unreachable = await sync([], { DATABASE_URL: dbUrl({ port: "1" }) });
    expect(unreachable.code, unreachable.stderr).toBe(1);
    expect(unreachable.stderr).toMatch(/^sync-tokens: error: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/st_secret_/);
    await expectClean(unreachable, null);
    const url = new URL(dbUrl());
    url.pathname = "/no_such_database";
    const missing = await sync(["--json"], { DATABASE_URL: url.toString() });
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toMatch(/^sync-tokens: error: cannot connect to PostgreSQL at .*no_such_database/);
    await expectClean(missing, null);
  });

  it("the RPC goes down mid-run, after preflight (connections reset from the first token read on): retries, then exit 1, cursor held", async () => {
    sim.chain.buy(sim.chain.tokens.find((t) => t.status === "Bonding")!, 2_000_000_000n);
    const cursorBefore = await owned.admin.sql(`SELECT last_ledger::text FROM sync_state`);
    const rowsBefore = await owned.admin.sql(`SELECT address, xlm_raised::text FROM tokens ORDER BY address`);
    // Preflight's one simulation (get_token_count) goes through; every token read after it is reset.
    let simulations = 0;
    intercept = (method) => {
      if (method === "simulateTransaction") return ++simulations > 1 ? "reset" : "pass";
      return method === "getLedgerEntries" ? "reset" : "pass";
    };
    const r = await sync(["--json", "--timeout", "2000"]);
    await expectClean(r);
    expect(simulations, "preflight got its answer").toBeGreaterThanOrEqual(1);
    expect(proxy.requests.some((q) => q.body.includes('"getEvents"')), "the run went past preflight").toBe(true);
    // Nothing answers for a whole retry budget: the RPC is down, the run stops (not a token failure).
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/retry \d+ in/);
    expect(r.stderr).toMatch(/^sync-tokens: error: the RPC failed: getLedgerEntries: .*gave up after \d+ attempts/m);
    expect(await owned.admin.sql(`SELECT last_ledger::text FROM sync_state`)).toEqual(cursorBefore);
    expect(await owned.admin.sql(`SELECT address, xlm_raised::text FROM tokens ORDER BY address`)).toEqual(rowsBefore);
    const [run] = await owned.admin.sql<{ outcome: string; error: string }>(`SELECT outcome::text, error FROM sync_runs ORDER BY id DESC LIMIT 1`);
    expect(run?.outcome).toBe("FAILED");
    expect(run?.error).toMatch(/gave up after \d+ attempts/);
  }, 180_000);
});

describe("secrets in RPC_URL with the embedded database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("text and --json runs", async () => {
    for (const args of [[], ["--json"]]) {
      const r = await sync(args, { DATABASE_URL: undefined, PGLITE_DATA_DIR: db.dataDir, CREATOR_ADDRESS: sim.chain.dormantCreators().join(",") });
      expect(r.code, r.stderr).toBe(0);
      await expectClean(r, db);
    }
  }, 120_000);
});
