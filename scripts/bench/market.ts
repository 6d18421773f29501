// Market data's read side: GET /api/tokens/:address/candles?interval=1h on a
// token with --trades trades (default 100,000, over 30 days) on PostgreSQL (a throwaway cluster unless --database-url
// names a server), with a page of its trades and the token list sorted by 24 h volume beside it (--list-tokens copies
// of the token, 20,000 of their trades in the last 24 h). Rows are inserted by SQL; the server is a live process on
// the simulator. A benchmark, not a test: it prints a table.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import { StrKey } from "@stellar/stellar-sdk";
import { startSimnet } from "../../test/simnet/index.ts";
import { startInProcess } from "../../test/support/live.ts";
import type { TestDatabase } from "../../test/support/databases.ts";
import { flagNumber, flagText, type BenchFlags } from "./flags.ts";
import { openServer } from "./postgres.ts";

const DAYS = 30;
/** The token row's columns a list copy keeps. */
const COPIED = `contract_id, creator, name, symbol, image_url, description, status, total_supply, tokens_sold, tokens_remaining, xlm_reserve,
  curve_k, xlm_raised, market_cap, holders_count, created_at, discovered_via, first_seen_at, last_synced_at, last_synced_ledger`;

export const options = { trades: "100000", "list-tokens": "100000" };

export async function run(bench: BenchFlags): Promise<void> {
  const flags = flagText(bench, { repeat: 30 });
  const TRADES = flagNumber(flags, "trades");
  const LIST_TOKENS = flagNumber(flags, "list-tokens");
  const REPEAT = flagNumber(flags, "repeat");
  const server = await openServer(flags["database-url"]);
  const sim = await startSimnet({ scenario: { seed: 1, tokens: 5, creators: 2, hostile: false } });
  const databaseUrl = await server.createDatabase("market");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-bench-"));
  const live = await startInProcess(sim, { backend: "postgres", databaseUrl, dataDir } as TestDatabase, { pollIntervalMs: 600_000 });
  try {
    const token = sim.chain.tokens[0]!.tokenAddress;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    for (let i = 0; i < 600; i++) {
      if ((await db.query("SELECT 1 FROM tokens WHERE address = $1", [token])).rowCount) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const end = Math.floor(Date.now() / 1000);
    const start = end - DAYS * 86_400;
    const traders = Array.from({ length: 500 }, () => StrKey.encodeEd25519PublicKey(crypto.randomBytes(32)));
    const began = performance.now();
    // Synthetic trades: ids in time order, buys and sells with plausible curve amounts, priced as the sync's insert
    // prices them; the trades' trigger rolls their candles up as it does for the sync's.
    await db.query(
      `INSERT INTO trades (contract_id, event_id, token, ledger, closed_at, tx_hash, side, trader, xlm_amount, token_amount, fee, price_before, price_after, price)
       SELECT *, xlm_amount::numeric(80,40) / token_amount FROM (SELECT $1, lpad(((2000000 + i)::bigint << 32)::text, 19, '0') || '-0000000001', $2, 2000000 + i,
         to_timestamp($4::bigint + (i::bigint * ($5::bigint - $4::bigint) / $3::int)), md5(i::text) || md5((i + 1)::text),
         (CASE WHEN i % 3 = 0 THEN 'SELL' ELSE 'BUY' END)::trade_side, ($6::text[])[1 + i % 500],
         10000000 + (random() * 5e9)::bigint, 1000000000000 + (random() * 4e15)::bigint,
         CASE WHEN i % 3 = 0 THEN NULL ELSE 1000 END, CASE WHEN i % 3 = 0 THEN NULL ELSE 12 END, CASE WHEN i % 3 = 0 THEN NULL ELSE 13 END
       FROM generate_series(1, $3::int) AS i) AS t(contract_id, event_id, token, ledger, closed_at, tx_hash, side, trader, xlm_amount, token_amount, fee, price_before, price_after)`,
      [sim.contractId, token, TRADES, start, end, traders],
    );
    // The token list at launchpad scale: copies of the token's row, 20,000 of their trades in the last 24 h.
    await db.query(
      `INSERT INTO tokens (address, onchain_id, ${COPIED})
       SELECT 'C' || lpad(i::text, 55, 'Q'), 1000000 + i, ${COPIED} FROM tokens t CROSS JOIN generate_series(1, $2::int) AS i WHERE t.address = $1`,
      [token, LIST_TOKENS],
    );
    await db.query(
      `INSERT INTO trades (contract_id, event_id, token, ledger, closed_at, tx_hash, side, trader, xlm_amount, token_amount, price)
       SELECT $1, lpad(((9000000 + i)::bigint << 32)::text, 19, '0') || '-0000000001', 'C' || lpad((1 + i % least($3::int, 5000))::text, 55, 'Q'), 9000000 + i,
              to_timestamp($4::bigint - i % 86000), md5(i::text) || md5((i + 1)::text), 'BUY', 'G' || repeat('A', 55), 10000000 + i, 1000000000000, (10000000 + i)::numeric / 1000000000000
       FROM generate_series(1, $2::int) AS i`,
      [sim.contractId, LIST_TOKENS > 0 ? 20_000 : 0, Math.max(LIST_TOKENS, 1), end],
    );
    await db.query("VACUUM ANALYZE tokens");
    await db.query("VACUUM ANALYZE trades");
    await db.query("VACUUM ANALYZE trade_candles");
    console.log(`inserted ${TRADES.toLocaleString("en-US")} trades over ${DAYS} days in ${Math.round(performance.now() - began)} ms (${server.label})`);
    await db.end();

    const time = async (url: string): Promise<{ p50: number; p95: number; bytes: number }> => {
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REPEAT + 2; i++) {
        const t0 = performance.now();
        const res = await fetch(url);
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
        if (i >= 2) ms.push(performance.now() - t0); // two warm-ups
        bytes = body.length;
      }
      ms.sort((a, b) => a - b);
      return { p50: ms[Math.floor(ms.length / 2)]!, p95: ms[Math.floor(ms.length * 0.95)]!, bytes };
    };
    const base = `${live.url}/api/tokens/${token}`;
    const cases: [string, string][] = [
      [`candles 1h over ${DAYS} days`, `${base}/candles?interval=1h&from=${start}&to=${end + 1}`],
      [`candles 1d over ${DAYS} days`, `${base}/candles?interval=1d&from=${start}&to=${end + 1}`],
      ["candles 1m, last 24 h", `${base}/candles?interval=1m&from=${end - 86_400}&to=${end + 1}`],
      // Shorter than the hourly rollup: every trade of the 30 days aggregated (the worst case).
      [`candles 15m over ${DAYS} days`, `${base}/candles?interval=15m&from=${start}&to=${end + 1}`],
      ["trades, newest 50", `${base}/trades`],
      [`token list by 24 h volume (${(LIST_TOKENS + 5).toLocaleString("en-US")} tokens)`, `${live.url}/api/tokens?sort=volume_24h`],
      ["token list, newest first", `${live.url}/api/tokens`],
    ];
    console.log(`\n${"request".padEnd(32)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"bytes".padStart(9)}`);
    for (const [label, url] of cases) {
      const r = await time(url);
      console.log(`${label.padEnd(32)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${String(r.bytes).padStart(9)}`);
    }
    console.log(`\nload average ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}; ${REPEAT} requests each`);
  } finally {
    await live.stop();
    await sim.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
