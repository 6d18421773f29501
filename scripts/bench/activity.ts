// A handful of launches and trades after the full sync: what an hourly cron run typically meets.
import type { SimChain } from "../../test/simnet/index.ts";

export function activity(chain: SimChain): string {
  const from = chain.latestLedger + 1;
  chain.advance(10);
  const creators = chain.creators;
  const launched = [
    chain.launchToken({ creator: creators[0] }),
    chain.launchToken({ creator: creators[Math.floor(creators.length / 2)] }),
    chain.launchToken({}), // a creator never seen before
  ];
  const bonding = chain.tokens.filter((t) => t.status === "Bonding");
  let buys = 0;
  let sells = 0;
  for (let i = 0; i < 10 && bonding.length > 0; i++) {
    const t = bonding[(i * 7919) % bonding.length];
    if (!t || t.status !== "Bonding") continue;
    chain.buy(t, 50_000_000n * BigInt(i + 1));
    buys++;
    if (i % 4 === 0 && t.status === "Bonding" && t.bondingCurve.tokensSold > 10n) {
      chain.sell(t, t.bondingCurve.tokensSold / 10n);
      sells++;
    }
  }
  for (const t of launched) {
    if (t.status !== "Bonding") continue;
    chain.buy(t, 100_000_000n);
    buys++;
  }
  chain.advance(5);
  return `${launched.length} launches, ${buys} buys, ${sells} sells in ledgers ${from}..${chain.latestLedger}`;
}
