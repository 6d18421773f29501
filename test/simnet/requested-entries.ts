// Which of the factory's entries a JSON-RPC request reads: the keys a getLedgerEntries request asks
// for, or the footprint of a simulated call. Lets faults target one creator's or token's entries.

import { Address, xdr } from "@stellar/stellar-sdk";
import type { SimChain } from "./chain.ts";
import { invoke } from "./contract.ts";
import { operationsOf } from "./methods/simulate.ts";
import { parseFactoryKey, type FactoryKey } from "./storage.ts";

/** The factory entries one request reads; [] for anything unreadable (the method itself then answers). */
export function requestedEntries(chain: SimChain, request: unknown): FactoryKey[] {
  if (!request || typeof request !== "object") return [];
  const { method, params } = request as { method?: unknown; params?: { keys?: unknown; transaction?: unknown } };
  try {
    if (method === "getLedgerEntries" && Array.isArray(params?.keys)) {
      return params.keys.flatMap((k) => {
        const fk = typeof k === "string" ? parseFactoryKey(chain, xdr.LedgerKey.fromXdr(k, "base64")) : undefined;
        return fk ? [fk] : [];
      });
    }
    if (method === "simulateTransaction" && typeof params?.transaction === "string") {
      const ops = operationsOf(xdr.TransactionEnvelope.fromXdr(params.transaction, "base64"));
      const body = ops.length === 1 ? ops[0]?.body : undefined;
      if (body?.type !== "invokeHostFunction") return [];
      const hf = body.invokeHostFunctionOp.hostFunction;
      if (hf.type !== "hostFunctionTypeInvokeContract") return [];
      const call = hf.invokeContract;
      return invoke(chain, Address.fromScAddress(call.contractAddress).toString(), call.functionName.toString(), call.args).reads;
    }
  } catch {
    // malformed: not this module's business
  }
  return [];
}
