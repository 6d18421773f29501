// Shared pieces of the live tests (test/live/, test/server/, test/market/): a ticker that closes ledgers on the
// simulator with launches and trades, a live process started in this process (startLive + createServer on real
// HTTP), JSON HTTP calls, and the stored rows in the API's shape. Waiting for a condition is ./wait.ts.
import { StrKey } from "@stellar/stellar-sdk";
import type { Simnet, SimToken } from "../simnet/index.ts";
import { startLive, type Live, type LiveOptions } from "../../src/live/live.ts";
import { Metrics } from "../../src/internal/metrics.ts";
import { ShutdownRegistry } from "../../src/internal/shutdown.ts";
import { createServer, type ServerDeps } from "../../src/server/server.ts";
import type { Logger } from "../../src/internal/logger.ts";
import type { TestDatabase } from "./databases.ts";
import { expectedRow } from "./expect-rows.ts";

/** Closes a ledger every `everyMs`: a launch every `launchEvery`th ledger, otherwise a buy. */
export class LedgerTicker {
  #timer: NodeJS.Timeout | undefined;
  #n = 0;
  readonly launched: SimToken[] = [];

  constructor(
    private readonly sim: Simnet,
    private readonly everyMs: number,
    private readonly launchEvery = 3,
    /** Called after each ledger, e.g. RowHistory.record(). */
    private readonly onTick: () => void = () => {},
  ) {}

  start(): this {
    this.#timer ??= setInterval(() => this.tick(), this.everyMs);
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One ledger: a launch or a buy on a bonding token. */
  tick(): void {
    const chain = this.sim.chain;
    const n = this.#n++;
    const bonding = chain.tokens.filter((t) => t.status === "Bonding");
    if (n % this.launchEvery === 0 || bonding.length === 0) {
      this.launched.push(chain.launchToken({ name: `Live ${n}`, symbol: `LV${n}` }));
    } else {
      chain.buy(bonding[(n * 7) % bonding.length]!, 10_000_000n + BigInt(n));
    }
    this.onTick();
  }
}

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export async function http(url: string, init: RequestInit = {}): Promise<HttpReply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpReply> {
  return http(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** What GET /api/tokens/:address must answer for this token (the bookkeeping fields aside). */
export function expectedApiRow(t: SimToken, contractId: string): Record<string, unknown> {
  const r = expectedRow(t, contractId);
  return {
    address: r.address,
    contractId: r.contract_id,
    onchainId: Number(r.onchain_id),
    creator: r.creator,
    name: r.name,
    symbol: r.symbol,
    imageUrl: r.image_url,
    description: r.description,
    status: r.status,
    totalSupply: r.total_supply,
    tokensSold: r.tokens_sold,
    tokensRemaining: r.tokens_remaining,
    xlmReserve: r.xlm_reserve,
    curveK: r.curve_k,
    xlmRaised: r.xlm_raised,
    marketCap: r.market_cap,
    holdersCount: r.holders_count,
    createdAt: r.created_at,
  };
}

/** An expected row as a list shows it: creator-supplied texts cut to 1,024 characters. */
export function listedRow(row: Record<string, unknown>): Record<string, unknown> {
  const out = { ...row };
  for (const f of ["name", "symbol", "imageUrl", "description"]) out[f] = [...String(row[f])].slice(0, 1024).join("");
  return out;
}

/** The API row without the fields the chain does not determine (when and how it was synced; a list's cut flag) and the market fields (test/market/market-api.test.ts). */
export function chainFields(row: Record<string, unknown>): Record<string, unknown> {
  const { discoveredVia: _d, firstSeenAt: _f, lastSyncedAt: _s, lastSyncedLedger: _l, truncated: _t, volume24hXlm: _v, priceChange24h: _p, lastTradeAt: _a, ...rest } = row;
  return rest;
}

/** A valid contract address that no factory knows. */
export function strangerContract(seed: number): string {
  return StrKey.encodeContract(Buffer.alloc(32, seed));
}

export interface InProcessLive {
  live: Live;
  url: string;
  shutdown: ShutdownRegistry;
  logs: string[];
  /** Another server over the same live process (e.g. with other limits). */
  extraServer(deps: Partial<ServerDeps>): Promise<string>;
  stop(): Promise<void>;
}

/** A live `serve` process's parts, started in this process against the simulator and the test database. */
export async function startInProcess(
  sim: Simnet,
  db: TestDatabase,
  options: { server?: Partial<ServerDeps>; pollIntervalMs?: number; rpcUrl?: string; actions?: LiveOptions["actions"] } = {},
): Promise<InProcessLive> {
  const logs: string[] = [];
  const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(`warning: ${m}`) };
  const shutdown = new ShutdownRegistry(logger);
  let live: Live | undefined;
  const metrics = new Metrics({ storedTokens: async () => (live ? await live.actions.storedTokens() : null) });
  const common = { logger, metrics, shutdown };
  live = await startLive({
    mode: "serve",
    common,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.actions ? { actions: options.actions } : {}),
    session: {
      rpcUrl: options.rpcUrl ?? sim.url,
      networkPassphrase: sim.networkPassphrase,
      contractId: sim.contractId,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      creators: sim.chain.dormantCreators(),
      env: {},
      logger,
    },
  });
  const serverDeps = (extra: Partial<ServerDeps>): ServerDeps => ({
    common,
    actions: live!.actions,
    tokens: { apiToken: null, adminToken: null },
    // Every request of a test comes from one client: only the rate-limit tests limit it.
    rateLimitPerMinute: 0,
    readRateLimitPerMinute: 0,
    ...options.server,
    ...extra,
  });
  const running = await createServer(serverDeps({})).listen({ port: 0, host: "127.0.0.1" });
  return {
    live,
    url: running.url,
    shutdown,
    logs,
    async extraServer(deps) {
      return (await createServer(serverDeps(deps)).listen({ port: 0, host: "127.0.0.1" })).url;
    },
    async stop() {
      await shutdown.shutdown("test over");
      await live!.done.catch(() => {});
    },
  };
}

/** The --json lines a watch or serve process printed so far. */
export function jsonLines(stdout: string): { cursor: { from: number | null; to: number | null }; latestLedger: number; synced: number }[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}
