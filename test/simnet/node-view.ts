// One node behind a load balancer: the chain as a node that has ingested only up to `ledger` sees it. Its
// latest ledger, retention window, events, ledgers and contract state all stop there, as stock stellar-rpc
// answers every method from its own range. The view is a read-only overlay on the chain (mutators stay the
// chain's own); the methods take it wherever they take the chain.

import type { SimChain, SimToken } from "./chain.ts";

export function chainAt(chain: SimChain, ledger: number): SimChain {
  if (ledger >= chain.latestLedger) return chain;
  const view = Object.create(chain) as SimChain;
  let tokens: SimToken[] | undefined;
  Object.defineProperties(view, {
    latestLedger: { value: ledger },
    tokens: {
      get: () => (tokens ??= chain.tokens.flatMap((t) => chain.tokenAt(t, ledger) ?? [])),
    },
    tokenByAddress: {
      value: (address: string) => {
        const t = chain.tokenByAddress(address);
        return t && chain.tokenAt(t, ledger);
      },
    },
    creatorTokens: { value: (creator: string) => chain.creatorTokens(creator).filter((t) => t.launchLedger <= ledger) },
    creatorEntryMeta: {
      value: (creator: string) => (chain.creatorTokens(creator).some((t) => t.launchLedger <= ledger) ? chain.creatorEntryMeta(creator) : undefined),
    },
    // Encodings memoised for the newest state do not describe this one.
    cached: { value: (_key: string, compute: () => string) => compute() },
  });
  return view;
}
