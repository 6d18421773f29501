// The JSON-RPC methods the simnet serves; anything else is -32601 like an unknown method.

import type { SimChain } from "../chain.ts";
import { getEvents } from "./get-events.ts";
import { getLedgerEntries } from "./get-ledger-entries.ts";
import { getLedgers } from "./get-ledgers.ts";
import { getHealth, getLatestLedger, getNetwork, getVersionInfo } from "./info.ts";
import { simulateTransaction } from "./simulate.ts";

/** Server configuration a method may depend on. */
export interface MethodContext {
  /** getLedgers serves all of the chain's history, as stellar-rpc configured with a datastore does. */
  ledgersFromDatastore?: boolean;
  /** stellar-rpc's max-events-limit: getEvents refuses a larger pagination.limit (default 10,000). */
  maxEventsLimit?: number;
  /** stellar-rpc's max-ledgers-limit: getLedgers refuses a larger pagination.limit (default 200). */
  maxLedgersLimit?: number;
}

export type MethodHandler = (chain: SimChain, params: unknown, ctx: MethodContext) => unknown;

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  getHealth: (chain) => getHealth(chain),
  getNetwork: (chain) => getNetwork(chain),
  getLatestLedger: (chain) => getLatestLedger(chain),
  getVersionInfo: () => getVersionInfo(),
  getEvents,
  getLedgerEntries,
  getLedgers,
  simulateTransaction,
};
