// Bonding-curve arithmetic of the SAC Factory, reverse-engineered from its test snapshots
// (test_buy_tokens_success, test_sell_tokens_success, test_price_increases_with_buys):
// constant product k = tokens_remaining * xlm_reserve with integer (floor) division,
// a 1% trading fee taken in tokens on buys and in XLM on sells, and
// xlm_raised = xlm_reserve - virtual reserve, market_cap = 2 * xlm_raised.

export const TOTAL_SUPPLY = 8_000_000_000_000_000n; // 800M tokens, 7 decimals
export const INITIAL_SUPPLY = 10_000_000_000_000_000n; // 1B tokens minted to the factory
export const VIRTUAL_XLM_RESERVE = 10_000_000_000n; // 1000 XLM
export const GRADUATION_XLM = 100_000_000_000n; // 10,000 XLM
export const TRADING_FEE_BPS = 100n;
export const CREATION_FEE = 100_000n;
export const PRICE_SCALE = 10_000_000n;
export const I128_MAX = (1n << 127n) - 1n;
export const I128_MIN = -(1n << 127n);
export const U32_MAX = 4_294_967_295;

export interface BondingCurve {
  totalSupply: bigint;
  tokensSold: bigint;
  tokensRemaining: bigint;
  xlmReserve: bigint;
  k: bigint;
}

export function initialCurve(): BondingCurve {
  return {
    totalSupply: TOTAL_SUPPLY,
    tokensSold: 0n,
    tokensRemaining: TOTAL_SUPPLY,
    xlmReserve: VIRTUAL_XLM_RESERVE,
    k: TOTAL_SUPPLY * VIRTUAL_XLM_RESERVE,
  };
}

/** get_price: stroops of XLM per whole token, scaled by 1e7 (12 for a fresh curve). */
export function priceOf(curve: BondingCurve): bigint {
  if (curve.tokensRemaining === 0n) throw new RangeError("empty curve");
  return (curve.xlmReserve * PRICE_SCALE) / curve.tokensRemaining;
}

export function graduationProgressBps(xlmRaised: bigint): bigint {
  if (xlmRaised <= 0n) return 0n;
  const bps = (xlmRaised * 10_000n) / GRADUATION_XLM;
  return bps > 10_000n ? 10_000n : bps;
}

export interface BuyQuote {
  curve: BondingCurve;
  xlmRaised: bigint;
  tokensGross: bigint;
  fee: bigint;
  tokensNet: bigint;
  priceBefore: bigint;
  priceAfter: bigint;
  slippageBps: bigint;
}

export function quoteBuy(curve: BondingCurve, xlmIn: bigint): BuyQuote {
  if (xlmIn <= 0n) throw new RangeError("buy amount must be positive");
  const reserve = curve.xlmReserve + xlmIn;
  const remaining = curve.k / reserve;
  const tokensGross = curve.tokensRemaining - remaining;
  if (tokensGross <= 0n) throw new RangeError("buy too small to receive any token");
  const fee = (tokensGross * TRADING_FEE_BPS) / 10_000n;
  const next: BondingCurve = {
    totalSupply: curve.totalSupply,
    tokensSold: curve.totalSupply - remaining,
    tokensRemaining: remaining,
    xlmReserve: reserve,
    k: curve.k,
  };
  const priceBefore = priceOf(curve);
  const priceAfter = priceOf(next);
  const slippageBps = priceBefore === 0n ? 0n : ((priceAfter - priceBefore) * 10_000n) / priceBefore;
  return {
    curve: next,
    xlmRaised: reserve - VIRTUAL_XLM_RESERVE,
    tokensGross,
    fee,
    tokensNet: tokensGross - fee,
    priceBefore,
    priceAfter,
    slippageBps,
  };
}

export interface SellQuote {
  curve: BondingCurve;
  xlmRaised: bigint;
  xlmGross: bigint;
  fee: bigint;
  xlmReceived: bigint;
}

export function quoteSell(curve: BondingCurve, tokensIn: bigint): SellQuote {
  if (tokensIn <= 0n) throw new RangeError("sell amount must be positive");
  if (tokensIn > curve.tokensSold) throw new RangeError("cannot sell more than was sold");
  const remaining = curve.tokensRemaining + tokensIn;
  const reserve = curve.k / remaining;
  const xlmGross = curve.xlmReserve - reserve;
  const fee = (xlmGross * TRADING_FEE_BPS) / 10_000n;
  return {
    curve: {
      totalSupply: curve.totalSupply,
      tokensSold: curve.totalSupply - remaining,
      tokensRemaining: remaining,
      xlmReserve: reserve,
      k: curve.k,
    },
    xlmRaised: reserve - VIRTUAL_XLM_RESERVE,
    xlmGross,
    fee,
    xlmReceived: xlmGross - fee,
  };
}

/** Integer square root, for the LP tokens minted at graduation. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}
