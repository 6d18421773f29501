// Encoders for the SAC Factory's storage and return values, built only with @stellar/stellar-sdk
// so that the sync's decoder (src/**) is tested against an independent implementation.
// Layout and field order follow ../shared/contract/sac-factory.md and the contract's test snapshots.

import { Address, StrKey, nativeToScVal, xdr } from "@stellar/stellar-sdk";
import type { BondingCurve } from "./curve.ts";

export type ScVal = xdr.ScVal;
export type TokenStatus = "Bonding" | "Graduated" | "GraduationFailed";

/** The slice of a token record that TokenInfo is made of. */
export interface TokenInfoFields {
  id: number;
  creator: string;
  tokenAddress: string;
  nameBytes: Uint8Array;
  symbolBytes: Uint8Array;
  imageUrlBytes: Uint8Array;
  descriptionBytes: Uint8Array;
  createdAt: bigint;
  status: TokenStatus;
  bondingCurve: BondingCurve;
  xlmRaised: bigint;
  marketCap: bigint;
  holdersCount: number;
}

export const sym = (name: string): ScVal => xdr.ScVal.scvSymbol(name);
/** ScString carries raw bytes: they need not be UTF-8 and may contain NUL. */
export const str = (bytes: Uint8Array | string): ScVal => xdr.ScVal.scvString(bytes);
export const u32 = (n: number): ScVal => xdr.ScVal.scvU32(n);
export const u64 = (n: bigint): ScVal => xdr.ScVal.scvU64(n);
export const i128 = (n: bigint): ScVal => nativeToScVal(n, { type: "i128" });
export const addr = (address: string): ScVal => new Address(address).toScVal();
export const vec = (items: ScVal[]): ScVal => xdr.ScVal.scvVec(items);

/** A #[contracttype] struct: ScMap with Symbol keys in sorted order. */
export function struct(fields: Record<string, ScVal>): ScVal {
  const names = Object.keys(fields).sort(compareSymbols);
  return xdr.ScVal.scvMap(names.map((name) => new xdr.ScMapEntry({ key: sym(name), val: fields[name] as ScVal })));
}

/** Soroban orders Symbol keys by their bytes; symbols are ASCII so code units suffice. */
function compareSymbols(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A unit enum variant: a one-element vec holding the variant name. */
export const unitEnum = (variant: string): ScVal => vec([sym(variant)]);

export function bondingCurveScVal(c: BondingCurve): ScVal {
  return struct({
    total_supply: i128(c.totalSupply),
    tokens_sold: i128(c.tokensSold),
    tokens_remaining: i128(c.tokensRemaining),
    xlm_reserve: i128(c.xlmReserve),
    k: i128(c.k),
  });
}

export function tokenInfoScVal(t: TokenInfoFields): ScVal {
  return struct({
    id: u32(t.id),
    creator: addr(t.creator),
    token_address: addr(t.tokenAddress),
    name: str(t.nameBytes),
    symbol: str(t.symbolBytes),
    image_url: str(t.imageUrlBytes),
    description: str(t.descriptionBytes),
    created_at: u64(t.createdAt),
    status: unitEnum(t.status),
    bonding_curve: bondingCurveScVal(t.bondingCurve),
    xlm_raised: i128(t.xlmRaised),
    market_cap: i128(t.marketCap),
    holders_count: u32(t.holdersCount),
  });
}

// ---- storage keys (DataKey enum variants) ----

export const tokenInfoKey = (token: string): ScVal => vec([sym("TokenInfo"), addr(token)]);
export const creatorTokensKey = (creator: string): ScVal => vec([sym("CreatorTokens"), addr(creator)]);
export const ammPairKey = (token: string): ScVal => vec([sym("AmmPairAddress"), addr(token)]);
export const tokenCountKey = (): ScVal => vec([sym("TokenCount")]);
export const configKey = (): ScVal => vec([sym("Config")]);
export const stateKey = (): ScVal => vec([sym("State")]);

export function contractAddress(contractId: string): xdr.ScAddress {
  return new Address(contractId).toScAddress();
}

export function contractDataKey(contractId: string, key: ScVal): xdr.LedgerKey {
  return xdr.LedgerKey.contractData(
    new xdr.LedgerKeyContractData({
      contract: contractAddress(contractId),
      key,
      durability: xdr.ContractDataDurability.persistent,
    }),
  );
}

export function instanceKey(contractId: string): xdr.LedgerKey {
  return contractDataKey(contractId, xdr.ScVal.scvLedgerKeyContractInstance());
}

export function contractCodeKey(wasmHash: Uint8Array): xdr.LedgerKey {
  return xdr.LedgerKey.contractCode(new xdr.LedgerKeyContractCode({ hash: wasmHash }));
}

/** LedgerEntryData of a persistent contract-data entry: what getLedgerEntries puts in `xdr`. */
export function contractDataEntry(contractId: string, key: ScVal, val: ScVal): xdr.LedgerEntryData {
  return xdr.LedgerEntryData.contractData(
    new xdr.ContractDataEntry({
      ext: xdr.ExtensionPoint.v0(),
      contract: contractAddress(contractId),
      key,
      durability: xdr.ContractDataDurability.persistent,
      val,
    }),
  );
}

/** The factory's instance: wasm executable plus instance storage (Admin, TokenCount, Treasury). */
export function instanceScVal(wasmHash: Uint8Array, storage: { admin: string; tokenCount: number; treasury: string }): ScVal {
  const entries: Array<[ScVal, ScVal]> = [
    [vec([sym("Admin")]), addr(storage.admin)],
    [tokenCountKey(), u32(storage.tokenCount)],
    [vec([sym("Treasury")]), addr(storage.treasury)],
  ];
  return xdr.ScVal.scvContractInstance(
    new xdr.ScContractInstance({
      executable: xdr.ContractExecutable.contractExecutableWasm(wasmHash),
      storage: entries.map(([key, val]) => new xdr.ScMapEntry({ key, val })),
    }),
  );
}

export function configScVal(treasury: string): ScVal {
  return struct({ creation_fee: i128(100_000n), trading_fee_bps: i128(100n), treasury: addr(treasury) });
}

export const b64 = (v: { toXdr(format: "base64"): string }): string => v.toXdr("base64");

export function isContractAddress(a: string): boolean {
  return StrKey.isValidContract(a);
}
