// The seed's design, rebuilt faithfully with today's libraries, as the benchmark's baseline:
//   1. one getEvents call for the factory from the oldest retained ledger (no paging),
//   2. collect the token addresses its events name,
//   3. for each token, one after another: get_token_info through simulateTransaction, then an upsert of that
//      single row (one database round trip per token). The seed used prisma.token.upsert; the package no longer
//      ships Prisma's client, so the row goes through the driver, which only flatters the baseline.
// It can be timed on the first `sample` tokens only: at 50 ms of RPC latency every token costs at least one
// round trip, so the per-token time extrapolates linearly.
import { scValToNative, xdr } from "@stellar/stellar-sdk";
import { FactoryReader } from "../../src/contract/factory.ts";
import type { TokenInfo } from "../../src/contract/types.ts";
import { RpcClient } from "../../src/rpc/client.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { migrate } from "../../src/store/migrate.ts";

export interface BaselineOptions {
  rpcUrl: string;
  networkPassphrase: string;
  contractId: string;
  databaseUrl: string;
  /** Time at most this many tokens (sequentially); undefined: all it found. */
  sample?: number;
  /** getEvents page size (stellar-rpc's maximum, the most favourable to the baseline). */
  eventLimit?: number;
}

export interface BaselineResult {
  /** Opening the database, getHealth and the one getEvents call. */
  setupMs: number;
  /** The sequential simulate + upsert loop over the sampled tokens. */
  loopMs: number;
  perTokenMs: number;
  /** Time inside the single-row upserts, summed. */
  upsertMs: number;
  /** Time inside simulateTransaction (get_token_info) including decoding, summed. */
  simulateMs: number;
  eventsReturned: number;
  /** Distinct token addresses the single getEvents call named. */
  found: number;
  /** Tokens read and upserted (the sample). */
  processed: number;
  /** Tokens get_token_info did not know (void), among the processed. */
  unknown: number;
  /** Ledgers the single call covered out of the retention window. */
  ledgersScanned: { from: number; to: number; windowFrom: number; windowTo: number };
  rpcRequests: Record<string, number>;
}

export async function runSeedDesign(options: BaselineOptions): Promise<BaselineResult> {
  const t0 = performance.now();
  const db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: "" });
  try {
    // The seed expected a migrated schema (prisma migrate deploy): migrating is not part of its timed run.
    await db.withSession((s) => migrate(s));
    const t1 = performance.now();
    const rpc = new RpcClient({ url: options.rpcUrl });
    const reader = new FactoryReader({ rpc, contractId: options.contractId, networkPassphrase: options.networkPassphrase, concurrency: 1 });
    const health = await reader.getHealth();

    const page = await rpc.request<{ events?: { value: string; ledger: number }[]; cursor?: string }>("getEvents", {
      startLedger: health.oldestLedger,
      filters: [{ type: "contract", contractIds: [options.contractId] }],
      pagination: { limit: options.eventLimit ?? 10_000 },
    });
    const events = page.events ?? [];
    const tokens: string[] = [];
    const seen = new Set<string>();
    let lastLedger = health.oldestLedger;
    for (const e of events) {
      lastLedger = Math.max(lastLedger, e.ledger);
      let data: unknown;
      try {
        data = scValToNative(xdr.ScVal.fromXdr(e.value, "base64"));
      } catch {
        continue;
      }
      const token = (data as { token?: unknown } | null)?.token;
      if (typeof token === "string" && !seen.has(token)) {
        seen.add(token);
        tokens.push(token);
      }
    }
    const scannedTo = page.cursor ? ledgerOfCursor(page.cursor) : lastLedger;
    const setupMs = t1 - t0 + (performance.now() - t1);

    const sample = tokens.slice(0, options.sample ?? tokens.length);
    let upsertMs = 0;
    let simulateMs = 0;
    let unknown = 0;
    const loopStart = performance.now();
    for (const address of sample) {
      const s0 = performance.now();
      const info = await reader.getTokenInfo(address);
      const s1 = performance.now();
      simulateMs += s1 - s0;
      if (!info) {
        unknown++;
        continue;
      }
      await upsertOne(db, options.contractId, info, health.latestLedger);
      upsertMs += performance.now() - s1;
    }
    const loopMs = performance.now() - loopStart;
    return {
      setupMs,
      loopMs,
      perTokenMs: sample.length > 0 ? loopMs / sample.length : 0,
      upsertMs,
      simulateMs,
      eventsReturned: events.length,
      found: tokens.length,
      processed: sample.length,
      unknown,
      ledgersScanned: { from: health.oldestLedger, to: scannedTo, windowFrom: health.oldestLedger, windowTo: health.latestLedger },
      rpcRequests: { ...rpc.requestCounts },
    };
  } finally {
    await db.close();
  }
}

/** One token, one statement: what the seed did for every token. */
async function upsertOne(db: Database, contractId: string, info: TokenInfo, ledger: number): Promise<void> {
  const c = info.bondingCurve;
  const values = [
    info.tokenAddress, contractId, String(info.id), info.creator, info.name, info.symbol, info.imageUrl, info.description,
    info.status, c.totalSupply.toString(), c.tokensSold.toString(), c.tokensRemaining.toString(), c.xlmReserve.toString(),
    c.k.toString(), info.xlmRaised.toString(), info.marketCap.toString(), String(info.holdersCount), info.createdAt.toString(),
    "EVENTS", String(ledger),
  ];
  const columns = ["address", "contract_id", "onchain_id", "creator", "name", "symbol", "image_url", "description", "status",
    "total_supply", "tokens_sold", "tokens_remaining", "xlm_reserve", "curve_k", "xlm_raised", "market_cap", "holders_count",
    "created_at", "discovered_via", "last_synced_ledger"];
  const types = ["", "", "bigint", "", "", "", "", "", "token_status", "numeric", "numeric", "numeric", "numeric", "numeric",
    "numeric", "numeric", "bigint", "numeric", "discovery_source", "bigint"];
  await db.execute(
    `INSERT INTO tokens (${columns.join(", ")}) VALUES (${types.map((t, i) => `$${i + 1}${t && `::${t}`}`).join(", ")})
     ON CONFLICT (address) DO UPDATE SET ${columns.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")}`,
    values,
  );
}

/** A getEvents cursor is a TOID-based id, "<19-digit toid>-<event index>"; the ledger is toid >> 32. */
function ledgerOfCursor(cursor: string): number {
  const toid = cursor.split("-")[0];
  try {
    return Number(BigInt(toid ?? "0") >> 32n);
  } catch {
    return 0;
  }
}
