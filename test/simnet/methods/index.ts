// The JSON-RPC methods the simnet serves; anything else is -32601 like an unknown method.

import type { SimChain } from "../chain.ts";
import { getEvents } from "./get-events.ts";
import { getLedgerEntries } from "./get-ledger-entries.ts";
import { getHealth, getLatestLedger, getNetwork, getVersionInfo } from "./info.ts";
import { simulateTransaction } from "./simulate.ts";

export type MethodHandler = (chain: SimChain, params: unknown) => unknown;

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  getHealth: (chain) => getHealth(chain),
  getNetwork: (chain) => getNetwork(chain),
  getLatestLedger: (chain) => getLatestLedger(chain),
  getVersionInfo: () => getVersionInfo(),
  getEvents,
  getLedgerEntries,
  simulateTransaction,
};
