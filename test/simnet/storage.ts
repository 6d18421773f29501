// The factory's ledger entries as getLedgerEntries and simulation footprints see them.
// Keys are resolved structurally (decode, then dispatch on the DataKey variant) so no index of
// every possible key is needed; encoded entry XDR is memoised per entry until it changes.

import { Address, xdr } from "@stellar/stellar-sdk";
import type { SimChain, SimToken } from "./chain.ts";
import {
  ammPairKey,
  addr,
  configKey,
  configScVal,
  contractDataEntry,
  contractDataKey,
  creatorTokensKey,
  instanceKey,
  instanceScVal,
  stateKey,
  tokenInfoKey,
  tokenInfoScVal,
  u32,
  vec,
} from "./encode.ts";

export interface StoredEntry {
  key: xdr.LedgerKey;
  /** LedgerEntryData, base64. */
  dataXdr: string;
  lastModifiedLedgerSeq: number;
  liveUntilLedgerSeq: number;
  /** TTL lapsed (expired or evicted). */
  archived: boolean;
  /** Removed from the live state by the eviction scan: served with liveUntilLedgerSeq 0. */
  evicted: boolean;
}

/** The DataKey variants the factory stores, decoded from a contract-data key ScVal. */
export type FactoryKey =
  | { kind: "instance" }
  | { kind: "TokenInfo"; address: string }
  | { kind: "CreatorTokens"; address: string }
  | { kind: "AmmPairAddress"; address: string }
  | { kind: "Config" }
  | { kind: "State" };

export function factoryLedgerKey(chain: SimChain, k: FactoryKey): xdr.LedgerKey {
  switch (k.kind) {
    case "instance":
      return instanceKey(chain.contractId);
    case "TokenInfo":
      return contractDataKey(chain.contractId, tokenInfoKey(k.address));
    case "CreatorTokens":
      return contractDataKey(chain.contractId, creatorTokensKey(k.address));
    case "AmmPairAddress":
      return contractDataKey(chain.contractId, ammPairKey(k.address));
    case "Config":
      return contractDataKey(chain.contractId, configKey());
    case "State":
      return contractDataKey(chain.contractId, stateKey());
  }
}

/** Recognises a LedgerKey of the (deployed) factory's persistent storage. */
export function parseFactoryKey(chain: SimChain, key: xdr.LedgerKey): FactoryKey | undefined {
  if (!chain.deployed || key.type !== "contractData") return undefined;
  const cd = key.contractData;
  if (cd.durability.name !== "persistent") return undefined;
  if (Address.fromScAddress(cd.contract).toString() !== chain.contractId) return undefined;
  const k = cd.key;
  if (k.type === "scvLedgerKeyContractInstance") return { kind: "instance" };
  if (k.type !== "scvVec" || !k.vec || k.vec.length === 0) return undefined;
  const [tag, arg, ...rest] = k.vec;
  if (!tag || tag.type !== "scvSymbol" || rest.length > 0) return undefined;
  const name = tag.sym.toString();
  if (!arg) return name === "Config" ? { kind: "Config" } : name === "State" ? { kind: "State" } : undefined;
  if (arg.type !== "scvAddress") return undefined;
  const address = Address.fromScAddress(arg.address).toString();
  if (name === "TokenInfo" || name === "CreatorTokens" || name === "AmmPairAddress") return { kind: name, address };
  return undefined;
}

/** The stored entry for a factory key, or undefined when no such entry exists. */
export function readFactoryEntry(chain: SimChain, k: FactoryKey): StoredEntry | undefined {
  const id = chain.contractId;
  const make = (cacheKey: string, keyVal: () => xdr.ScVal, val: () => xdr.ScVal, lastModified: number, liveUntil: number): StoredEntry => {
    const dataXdr = chain.cached(cacheKey, () => contractDataEntry(id, keyVal(), val()).toXdr("base64"));
    const state = chain.entryState({ lastModifiedLedger: lastModified, liveUntilLedger: liveUntil });
    return {
      key: factoryLedgerKey(chain, k),
      dataXdr,
      lastModifiedLedgerSeq: lastModified,
      liveUntilLedgerSeq: liveUntil,
      archived: state !== "live",
      evicted: state === "evicted",
    };
  };
  switch (k.kind) {
    case "instance": {
      const m = chain.instanceMeta;
      return make(
        "instance",
        () => xdr.ScVal.scvLedgerKeyContractInstance(),
        () => instanceScVal(chain.wasmHash, { admin: chain.admin, tokenCount: chain.tokens.length, treasury: chain.treasury }),
        m.lastModifiedLedger,
        m.liveUntilLedger,
      );
    }
    case "TokenInfo": {
      const t = chain.tokenByAddress(k.address);
      if (!t) return undefined;
      return make(`info:${t.tokenAddress}`, () => tokenInfoKey(t.tokenAddress), () => tokenInfoScVal(t), t.lastModifiedLedger, t.liveUntilLedger);
    }
    case "CreatorTokens": {
      const meta = chain.creatorEntryMeta(k.address);
      if (!meta) return undefined;
      const list = chain.creatorTokens(k.address);
      return make(`creator:${k.address}`, () => creatorTokensKey(k.address), () => addressVec(list), meta.lastModifiedLedger, meta.liveUntilLedger);
    }
    case "AmmPairAddress": {
      const t = chain.tokenByAddress(k.address);
      if (!t?.ammPair) return undefined;
      const pair = t.ammPair;
      return make(`amm:${t.tokenAddress}`, () => ammPairKey(t.tokenAddress), () => addr(pair), t.ammLastModifiedLedger ?? 0, t.ammLiveUntilLedger ?? 0);
    }
    case "Config": {
      const m = chain.instanceMeta;
      return make("config", () => configKey(), () => configScVal(chain.treasury), m.lastModifiedLedger, m.liveUntilLedger);
    }
    case "State": {
      const m = chain.instanceMeta;
      return make("state", () => stateKey(), () => u32(1), m.lastModifiedLedger, m.liveUntilLedger);
    }
  }
}

export function addressVec(tokens: readonly SimToken[]): xdr.ScVal {
  return vec(tokens.map((t) => addr(t.tokenAddress)));
}
