// The SAC Factory's read-only functions, executed against the chain as a simulation would:
// argument checks as the Soroban host does them, return values encoded like the contract,
// and failures reported as host errors (which simulateTransaction turns into `error` strings).

import { Address, xdr } from "@stellar/stellar-sdk";
import type { SimChain, SimToken } from "./chain.ts";
import { graduationProgressBps, priceOf } from "./curve.ts";
import { addr, i128, tokenInfoScVal, u32 } from "./encode.ts";
import { addressVec, type FactoryKey } from "./storage.ts";

/** Contract error codes assumed for the factory's `Error` enum (only TokenNotFound is used). */
export const CONTRACT_ERRORS = { TokenNotFound: 3 } as const;

export interface HostFailure {
  /** e.g. "Error(Contract, #3)" or "Error(WasmVm, MissingValue)" */
  display: string;
  scError: xdr.ScError;
  message: string;
}

export type InvokeOutcome =
  | { ok: true; retval: xdr.ScVal; reads: FactoryKey[] }
  | { ok: false; failure: HostFailure; reads: FactoryKey[] };

type ParamType = "address" | "u32";

interface FunctionDef {
  params: ParamType[];
  run(chain: SimChain, args: xdr.ScVal[]): InvokeOutcome;
}

const vmError = (code: "scecMissingValue" | "scecInternalError", name: string, message: string): HostFailure => ({
  display: `Error(WasmVm, ${name})`,
  scError: xdr.ScError.sceWasmVm(xdr.ScErrorCode[code]),
  message,
});

const contractError = (code: number, message: string): HostFailure => ({
  display: `Error(Contract, #${code})`,
  scError: xdr.ScError.sceContract(code),
  message,
});

const asAddress = (v: xdr.ScVal): string => Address.fromScVal(v).toString();
const asU32 = (v: xdr.ScVal): number => (v.type === "scvU32" ? v.u32 : 0);

function tokenRead(chain: SimChain, args: xdr.ScVal[], then: (t: SimToken | undefined, reads: FactoryKey[]) => InvokeOutcome): InvokeOutcome {
  const address = asAddress(args[0] as xdr.ScVal);
  return then(chain.tokenByAddress(address), [{ kind: "instance" }, { kind: "TokenInfo", address }]);
}

const notFound = (reads: FactoryKey[]): InvokeOutcome => ({
  ok: false,
  failure: contractError(CONTRACT_ERRORS.TokenNotFound, "failing with contract error: TokenNotFound"),
  reads,
});

const FUNCTIONS: Record<string, FunctionDef> = {
  get_token_count: {
    params: [],
    run: (chain) => ({ ok: true, retval: u32(chain.tokens.length), reads: [{ kind: "instance" }] }),
  },
  get_token_info: {
    params: ["address"],
    run: (chain, args) =>
      tokenRead(chain, args, (t, reads) => ({ ok: true, retval: t ? tokenInfoScVal(t) : xdr.ScVal.scvVoid(), reads })),
  },
  get_creator_tokens: {
    params: ["address"],
    run: (chain, args) => {
      const creator = asAddress(args[0] as xdr.ScVal);
      return { ok: true, retval: addressVec(chain.creatorTokens(creator)), reads: [{ kind: "instance" }, { kind: "CreatorTokens", address: creator }] };
    },
  },
  get_creator_tokens_paginated: {
    params: ["address", "u32", "u32"],
    run: (chain, args) => {
      const creator = asAddress(args[0] as xdr.ScVal);
      const offset = asU32(args[1] as xdr.ScVal);
      const limit = Math.min(asU32(args[2] as xdr.ScVal), 100);
      const page = chain.creatorTokens(creator).slice(offset, offset + limit);
      return { ok: true, retval: addressVec(page), reads: [{ kind: "instance" }, { kind: "CreatorTokens", address: creator }] };
    },
  },
  get_price: {
    params: ["address"],
    run: (chain, args) => tokenRead(chain, args, (t, reads) => (t ? { ok: true, retval: i128(priceOf(t.bondingCurve)), reads } : notFound(reads))),
  },
  get_graduation_progress: {
    params: ["address"],
    run: (chain, args) =>
      tokenRead(chain, args, (t, reads) => {
        if (!t) return notFound(reads);
        const bps = t.status === "Bonding" ? graduationProgressBps(t.xlmRaised) : 10_000n;
        return { ok: true, retval: i128(bps), reads };
      }),
  },
  get_amm_pair: {
    params: ["address"],
    run: (chain, args) => {
      const address = asAddress(args[0] as xdr.ScVal);
      const pair = chain.tokenByAddress(address)?.ammPair;
      return { ok: true, retval: pair ? addr(pair) : xdr.ScVal.scvVoid(), reads: [{ kind: "instance" }, { kind: "AmmPairAddress", address }] };
    },
  },
};

export const READ_ONLY_FUNCTIONS = Object.keys(FUNCTIONS);

function argMatches(v: xdr.ScVal, t: ParamType): boolean {
  return t === "address" ? v.type === "scvAddress" : v.type === "scvU32";
}

/** Invokes `fn` on `contractId` read-only. */
export function invoke(chain: SimChain, contractId: string, fn: string, args: xdr.ScVal[]): InvokeOutcome {
  if (!chain.deployed || contractId !== chain.contractId) {
    return {
      ok: false,
      failure: {
        display: "Error(Storage, MissingValue)",
        scError: xdr.ScError.sceStorage(xdr.ScErrorCode.scecMissingValue),
        message: "trying to get non-existing value for contract instance",
      },
      reads: [],
    };
  }
  const def = FUNCTIONS[fn];
  if (!def) return { ok: false, failure: vmError("scecMissingValue", "MissingValue", "trying to invoke non-existent contract function"), reads: [{ kind: "instance" }] };
  if (args.length !== def.params.length) {
    return { ok: false, failure: vmError("scecInternalError", "InternalError", "VM call failed: Func(MismatchingParameterLen)"), reads: [{ kind: "instance" }] };
  }
  const bad = args.findIndex((a, i) => !argMatches(a, def.params[i] as ParamType));
  if (bad >= 0) {
    return {
      ok: false,
      failure: {
        display: "Error(Value, UnexpectedType)",
        scError: xdr.ScError.sceValue(xdr.ScErrorCode.scecUnexpectedType),
        message: `failed to convert argument ${bad} to ${def.params[bad]}`,
      },
      reads: [{ kind: "instance" }],
    };
  }
  return def.run(chain, args);
}
