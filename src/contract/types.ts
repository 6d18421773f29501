// Domain types of the SAC Factory, decoded from its ScVals. Every i128/u64 stays a bigint.

export type TokenStatus = "BONDING" | "GRADUATED" | "GRADUATION_FAILED";

export interface BondingCurve {
  totalSupply: bigint;
  tokensSold: bigint;
  tokensRemaining: bigint;
  xlmReserve: bigint;
  k: bigint;
}

export interface TokenInfo {
  id: number; // u32
  creator: string; // G... or C...
  tokenAddress: string; // C...
  name: string;
  symbol: string;
  imageUrl: string;
  description: string;
  createdAt: bigint; // u64 unix seconds
  status: TokenStatus;
  bondingCurve: BondingCurve;
  xlmRaised: bigint;
  marketCap: bigint;
  holdersCount: number; // u32
  /** What had to change for PostgreSQL to hold the strings (NUL removed, invalid UTF-8 replaced). */
  textRepairs: string[];
}

/** A factory event that matters to the sync: it names a token, and launches also name the creator. */
export interface FactoryEvent {
  id: string;
  ledger: number;
  topic: string;
  token?: string;
  creator?: string;
}
