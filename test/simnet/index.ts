// Public entry point of the local Stellar network simulator ("simnet"): one SAC Factory contract
// behind a stellar-rpc compatible JSON-RPC endpoint. See ./chain.ts for the ground-truth API.

import { DEFAULT_PASSPHRASE, SimChain } from "./chain.ts";
import type { FaultOptions } from "./faults.ts";
import { LiveLedgers } from "./live.ts";
import { buildScenario, type ScenarioInfo, type ScenarioOptions } from "./scenario.ts";
import { SimServer, type RequestHook } from "./server.ts";

export { SimChain, DEFAULT_PASSPHRASE, PERSISTENT_TTL, PROTOCOL_VERSION, LEGACY_PROTOCOL_VERSION, ADMIN_EVENTS } from "./chain.ts";
export type {
  SimTransaction,
  SimToken,
  TokenRef,
  LaunchOptions,
  BuyOptions,
  BuyResult,
  SellResult,
  ResetOptions,
  AdminEventName,
  BondingCurve,
  TokenStatus,
  EntryState,
  TradeBurstOptions,
  SimTrade,
} from "./chain.ts";
export type { SimEvent } from "./events.ts";
export type { FaultKind, FaultOptions } from "./faults.ts";
export type { ScenarioInfo, ScenarioOptions } from "./scenario.ts";
export type { RequestHook } from "./server.ts";
export { CONTRACT_ERRORS, READ_ONLY_FUNCTIONS } from "./contract.ts";

export interface SimnetOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default "Standalone Network ; February 2017". */
  networkPassphrase?: string;
  /** The history to build (default: buildScenario's defaults, 60 tokens / 15 creators). */
  scenario?: ScenarioOptions;
  /** Added to every response. */
  latencyMs?: number;
  faults?: FaultOptions;
  /** stellar-rpc's max-events-limit: getEvents answers -32602 `limit must not exceed N` above it (default 10,000). */
  maxEventsLimit?: number;
  /** stellar-rpc's max-ledgers-limit: getLedgers answers -32600 `limit must not exceed N` above it (default 200). */
  maxLedgersLimit?: number;
  /** Live mode: a ledger closes every this many ms, and the retention window slides with it. */
  ledgerCloseMs?: number;
  /** Live mode: probability (0..1) that a closed ledger holds a launch or a few trades (default 0). */
  liveActivity?: number;
  /** Live mode: told about each ledger that held activity. */
  onLiveActivity?: (note: string) => void;
  /** getLedgers serves every ledger since the first, as stellar-rpc with a datastore does (keeps the history). */
  ledgersFromDatastore?: boolean;
  /** Nodes behind a load balancer: each request lands on a node 0..lbLag ledgers behind the newest (default 0). */
  lbLag?: number;
  /** Methods this provider does not serve (-32601 method not found), e.g. ["getLedgers"]. */
  withoutMethods?: string[];
}

export interface Simnet {
  /** The JSON-RPC endpoint, e.g. http://127.0.0.1:PORT/ */
  readonly url: string;
  /** The factory's C... address (changes when a reset redeploys it). */
  readonly contractId: string;
  readonly networkPassphrase: string;
  /** The live state: ground truth for tests, and mutators to move the network forward. */
  readonly chain: SimChain;
  /** What the scenario builder produced (dormant creators, hostile token ids...). */
  readonly scenario: ScenarioInfo;
  /** Requests per JSON-RPC method since start or resetCounters(), faulted ones included. */
  counters(): Record<string, number>;
  resetCounters(): void;
  setFaults(f: FaultOptions | undefined): void;
  setLatency(ms: number): void;
  /** undefined: stellar-rpc's default, 10,000. */
  setMaxEventsLimit(limit: number | undefined): void;
  /** 0: one node; n: each request lands on a node 0..n ledgers behind the newest. */
  setLoadBalancerLag(n: number): void;
  /** undefined: stellar-rpc's default, 200. */
  setMaxLedgersLimit(limit: number | undefined): void;
  /** Called before each JSON-RPC request is answered, with its method and that method's running count. */
  setRequestHook(hook: RequestHook | undefined): void;
  /** Live mode: stop closing ledgers (freeze the chain), and start again. No-ops otherwise. */
  pause(): void;
  resume(): void;
  /** Stops the server and live mode; also ends hanging requests and kept-alive connections. */
  close(): Promise<void>;
}

export async function startSimnet(opts: SimnetOptions = {}): Promise<Simnet> {
  const scenario = opts.ledgersFromDatastore ? { ...opts.scenario, keepHistory: true } : opts.scenario;
  const { chain, info } = buildScenario(scenario, opts.networkPassphrase ?? DEFAULT_PASSPHRASE);
  const server = new SimServer(chain, {
    latencyMs: opts.latencyMs,
    faults: opts.faults,
    ledgersFromDatastore: opts.ledgersFromDatastore,
    maxEventsLimit: opts.maxEventsLimit,
    maxLedgersLimit: opts.maxLedgersLimit,
    lbLag: opts.lbLag,
    lbSeed: info.seed,
    withoutMethods: opts.withoutMethods,
  });
  const url = await server.listen(opts.port ?? 0);
  const live =
    opts.ledgerCloseMs === undefined
      ? undefined
      : new LiveLedgers(chain, { ledgerCloseMs: opts.ledgerCloseMs, activity: opts.liveActivity, seed: info.seed, onActivity: opts.onLiveActivity });
  live?.resume();
  return {
    url,
    get contractId() {
      return chain.contractId;
    },
    get networkPassphrase() {
      return chain.networkPassphrase;
    },
    chain,
    scenario: info,
    counters: () => server.counters(),
    resetCounters: () => server.resetCounters(),
    setFaults: (f) => server.setFaults(f),
    setLatency: (ms) => server.setLatency(ms),
    setMaxEventsLimit: (limit) => server.setMaxEventsLimit(limit),
    setLoadBalancerLag: (n) => server.setLoadBalancerLag(n),
    setMaxLedgersLimit: (limit) => server.setMaxLedgersLimit(limit),
    setRequestHook: (hook) => server.setRequestHook(hook),
    pause: () => live?.pause(),
    resume: () => live?.resume(),
    close: () => {
      live?.stop();
      return server.close();
    },
  };
}
