// The seed's design, rebuilt faithfully with today's libraries, as the benchmark's baseline:
//   1. one getEvents call for the factory from the oldest retained ledger (no paging),
//   2. collect the token addresses its events name,
//   3. for each token, one after another: get_token_info through simulateTransaction, then
//      prisma.token.upsert of that single row (one database round trip per token).
// It can be timed on the first `sample` tokens only: at 50 ms of RPC latency every token costs at least one
// round trip, so the per-token time extrapolates linearly.
import { scValToNative, xdr } from "@stellar/stellar-sdk";
import { FactoryReader } from "../../src/contract/factory.ts";
import type { TokenInfo } from "../../src/contract/types.ts";
import { RpcClient } from "../../src/rpc/client.ts";
import { openDatabase } from "../../src/store/database.ts";
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
  /** Time inside prisma.token.upsert, summed. */
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
      await upsertOne(db.prisma, options.contractId, info, health.latestLedger);
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

type Prisma = Awaited<ReturnType<typeof openDatabase>>["prisma"];

/** One token, one statement: what the seed did for every token. */
async function upsertOne(prisma: Prisma, contractId: string, info: TokenInfo, ledger: number): Promise<void> {
  const c = info.bondingCurve;
  const data = {
    contractId,
    onchainId: BigInt(info.id),
    creator: info.creator,
    name: info.name,
    symbol: info.symbol,
    imageUrl: info.imageUrl,
    description: info.description,
    status: info.status,
    totalSupply: c.totalSupply.toString(),
    tokensSold: c.tokensSold.toString(),
    tokensRemaining: c.tokensRemaining.toString(),
    xlmReserve: c.xlmReserve.toString(),
    curveK: c.k.toString(),
    xlmRaised: info.xlmRaised.toString(),
    marketCap: info.marketCap.toString(),
    holdersCount: BigInt(info.holdersCount),
    createdAt: info.createdAt.toString(),
    discoveredVia: "EVENTS" as const,
    lastSyncedLedger: BigInt(ledger),
  };
  await prisma.token.upsert({ where: { address: info.tokenAddress }, create: { address: info.tokenAddress, ...data }, update: data });
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
