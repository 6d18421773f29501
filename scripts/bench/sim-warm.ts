// Precomputes the simulator's XDR encodings (every retained event, every factory ledger entry) before anything is
// timed. A real stellar-rpc serves stored XDR; the simulator encodes on first use and memoises, so without this the
// first run measured would also pay the simulator's one-time encoding on the shared CPU, and later runs would not.
import type { Simnet } from "../../test/simnet/index.ts";
import { readFactoryEntry } from "../../test/simnet/storage.ts";

export function warmSimulator(sim: Simnet): number {
  const t0 = performance.now();
  const chain = sim.chain;
  for (const e of chain.retainedEvents()) {
    e.topicXdr();
    e.valueXdr();
  }
  readFactoryEntry(chain, { kind: "instance" });
  for (const t of chain.tokens) readFactoryEntry(chain, { kind: "TokenInfo", address: t.tokenAddress });
  for (const c of chain.creators) readFactoryEntry(chain, { kind: "CreatorTokens", address: c });
  return performance.now() - t0;
}
