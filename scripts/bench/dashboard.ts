// How fast the dashboard's pages answer with 100,000 stored tokens (`npx tsx scripts/bench/dashboard.ts`): a live
// process on the simulator and PostgreSQL (a throwaway cluster unless --database-url names a server), its tokens
// table filled with synthetic rows by SQL, then each page requested over HTTP with a session, --repeat times.
// A benchmark, not a test: it prints a table.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import crypto from "node:crypto";
import pg from "pg";
import { StrKey } from "@stellar/stellar-sdk";
import { startSimnet } from "../../test/simnet/index.ts";
import { startDashboardServer } from "../../test/support/dashboard-server.ts";
import { openServer } from "./postgres.ts";

const { values } = parseArgs({
  options: {
    tokens: { type: "string", default: "100000" },
    repeat: { type: "string", default: "20" },
    "database-url": { type: "string" },
  },
});
const TOKENS = Number(values.tokens);
const REPEAT = Number(values.repeat);
const ADMIN = "bench-dashboard-admin-token-000000";

const server = await openServer(values["database-url"]);
const sim = await startSimnet({ scenario: { seed: 1, tokens: 5, creators: 2, hostile: false } });
const databaseUrl = await server.createDatabase("dashboard");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-bench-"));
// A long poll interval: the follower stays idle while the pages are timed.
const dash = await startDashboardServer({ sim, db: { databaseUrl, dataDir }, adminToken: ADMIN, pollIntervalMs: 600_000 });
try {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const started = performance.now();
  // Synthetic tokens of 2,000 creators over 30 days, with valid, random addresses.
  const tokenAddresses = Array.from({ length: TOKENS }, () => StrKey.encodeContract(crypto.randomBytes(32)));
  const creators = Array.from({ length: 2000 }, () => StrKey.encodeEd25519PublicKey(crypto.randomBytes(32)));
  await db.query(
    `INSERT INTO tokens (address, contract_id, onchain_id, creator, name, symbol, image_url, description, status,
       total_supply, tokens_sold, tokens_remaining, xlm_reserve, curve_k, xlm_raised, market_cap, holders_count,
       created_at, discovered_via, last_synced_ledger)
     SELECT ($3::text[])[i], $1, 1000 + i, ($4::text[])[1 + i % 2000],
       'Bench token ' || i, 'B' || i, 'ipfs://bench' || i, repeat('description ', 20),
       (CASE WHEN i % 10 = 0 THEN 'GRADUATED' ELSE 'BONDING' END)::token_status,
       8000000000000000, (random() * 1e15)::bigint, (random() * 8e15)::bigint, 10000000000 + (random() * 1e11)::bigint,
       80000000000000000000000000, (random() * 1e11)::bigint, (random() * 2e11)::bigint, (random() * 5000)::bigint,
       1760000000 + (i::bigint * 2592000 / $2::int), 'EVENTS', 1
     FROM generate_series(1, $2::int) AS i`,
    [sim.contractId, TOKENS, tokenAddresses, creators],
  );
  await db.query("ANALYZE tokens");
  console.log(`inserted ${TOKENS.toLocaleString("en-US")} tokens in ${Math.round(performance.now() - started)} ms (${server.label})`);
  const sample = (await db.query<{ address: string; creator: string }>("SELECT address, creator FROM tokens WHERE onchain_id = 1000 + $1::int", [Math.floor(TOKENS / 2)])).rows[0]!;
  await db.end();

  const login = await fetch(`${dash.url}/login`, { method: "POST", body: new URLSearchParams({ token: ADMIN, next: "/" }), redirect: "manual" });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const get = async (p: string): Promise<string> => {
    const res = await fetch(`${dash.url}${p}`, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
    return res.text();
  };
  /** The URL of the page `pages` Next clicks after `first`. */
  const deepPage = async (first: string, pages: number): Promise<string> => {
    let p = first;
    for (let i = 0; i < pages; i++) {
      const next = /href="([^"]+)" rel="next"/.exec(await get(p))?.[1];
      if (!next) throw new Error(`no next page after ${p}`);
      p = next.replace(/&amp;/g, "&");
    }
    return p;
  };
  const cases: [string, string][] = [
    ["overview page", "/"],
    ["overview refresh (fragment)", "/_dashboard/live/overview"],
    ["tokens, newest first", "/tokens"],
    ["tokens, 200th page newest first", await deepPage("/tokens", 199)],
    ["tokens by market cap", "/tokens?sort=market_cap"],
    ["tokens by holders, 50th page", await deepPage("/tokens?sort=holders&order=asc", 49)],
    ["tokens, status graduated", "/tokens?status=graduated&sort=xlm_raised"],
    ["search: name substring (1 match)", `/tokens?q=${encodeURIComponent(`token ${Math.floor(TOKENS / 3)}`)}`],
    ["search: name substring (many)", "/tokens?q=token%2012"],
    ["search: creator address", `/tokens?q=${sample.creator}`],
    ["token page", `/tokens/${sample.address}`],
  ];
  const rows: string[] = [];
  for (const [label, p] of cases) {
    await get(p); // warm
    const times: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      await get(p);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))]!.toFixed(1);
    rows.push(`| ${label} | ${q(0.5)} | ${q(0.95)} |`);
  }
  console.log(`\n| page (${TOKENS.toLocaleString("en-US")} tokens, ${REPEAT} requests each) | p50 ms | p95 ms |\n|---|---|---|\n${rows.join("\n")}`);
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await dash.close();
  await sim.close();
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
