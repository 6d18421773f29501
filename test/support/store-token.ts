// A TokenInfo for the store's tests, with every amount at its type's extremes: the store only needs distinct
// addresses of the right shape, and must round-trip each value exactly.
import crypto from "node:crypto";
import type { TokenInfo } from "../../src/contract/types.ts";

const I128_MAX = (1n << 127n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

export function storeToken(id: number, overrides: Partial<TokenInfo> = {}): TokenInfo {
  // Addresses only need to be distinct strings of the right shape for the store.
  const address = `C${crypto.createHash("sha256").update(`t${id}`).digest("hex").toUpperCase().slice(0, 55)}`;
  return {
    id,
    creator: "GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H",
    tokenAddress: address,
    name: `Token ${id} 🚀`,
    symbol: `T${id}`,
    imageUrl: "https://example.com/t.png",
    description: "d".repeat(4096),
    createdAt: U64_MAX - BigInt(id),
    status: "BONDING",
    bondingCurve: { totalSupply: 8_000_000_000_000_000n, tokensSold: 1n, tokensRemaining: 7_999_999_999_999_999n, xlmReserve: 10_000_000_000n, k: I128_MAX },
    xlmRaised: -I128_MAX - 1n,
    marketCap: I128_MAX - BigInt(id),
    holdersCount: 4_294_967_295,
    textRepairs: [],
    ...overrides,
  };
}
