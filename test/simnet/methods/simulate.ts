// simulateTransaction for read-only calls of the factory. Like stellar-rpc, anything wrong with
// the transaction or the invocation comes back as an `error` string inside a normal result;
// only malformed JSON-RPC params are JSON-RPC errors.
//
// Archived entries: since protocol 23 simulation auto-restores. A read of an archived entry
// succeeds with its last value; the entry's key moves to the read-write footprint and its index
// is listed in SorobanTransactionData's `archivedSorobanEntries` (ext v1). No restorePreamble.

import { Address, StrKey, xdr } from "@stellar/stellar-sdk";
import type { SimChain } from "../chain.ts";
import { invoke, type HostFailure, type InvokeOutcome } from "../contract.ts";
import { contractCodeKey, str, sym, vec } from "../encode.ts";
import { invalidParams } from "../rpc-error.ts";
import { factoryLedgerKey, readFactoryEntry, type FactoryKey } from "../storage.ts";
import { xdrToJson } from "../xdr-json.ts";
import { objectParams, optString, xdrFormat, type XdrFormat } from "./params.ts";

type Result = Record<string, unknown>;

export function simulateTransaction(chain: SimChain, raw: unknown): Result {
  const p = objectParams(raw);
  const format = xdrFormat(p);
  const txB64 = optString(p, "transaction");
  if (txB64 === undefined) throw invalidParams("invalid parameters: transaction is required");
  const authMode = optString(p, "authMode");
  if (authMode !== undefined && !["", "enforce", "record", "record_allow_nonroot"].includes(authMode)) {
    throw invalidParams(`invalid authMode: ${authMode}`);
  }
  const latestLedger = chain.latestLedger;
  const fail = (error: string): Result => ({ error, latestLedger });

  let env: xdr.TransactionEnvelope;
  try {
    env = xdr.TransactionEnvelope.fromXdr(txB64, "base64");
  } catch {
    return fail("Could not unmarshal transaction");
  }
  const ops = operationsOf(env);
  if (ops.length !== 1) return fail("Transaction contains more than one operation");
  const body = (ops[0] as xdr.Operation).body;
  if (body.type !== "invokeHostFunction") {
    return fail(`Transaction contains unsupported operation type: OperationType${body.type[0]?.toUpperCase()}${body.type.slice(1)}`);
  }
  const hf = body.invokeHostFunctionOp.hostFunction;
  if (hf.type !== "hostFunctionTypeInvokeContract") return fail("simnet: only contract invocations can be simulated");
  const call = hf.invokeContract;
  const contractId = Address.fromScAddress(call.contractAddress).toString();
  const fn = call.functionName.toString();
  const args = call.args;

  const outcome = invoke(chain, contractId, fn, args);
  const callEvent = fnCallEvent(contractId, fn, args, outcome.ok);
  if (!outcome.ok) {
    const errEvent = errorEvent(contractId, fn, outcome.failure);
    return {
      error: hostErrorText(contractId, fn, args, outcome.failure),
      events: encodeList([callEvent, errEvent], format),
      cost: { cpuInsns: "0", memBytes: "0" },
      latestLedger,
    };
  }
  const txData = transactionData(chain, outcome);
  const retB64 = outcome.retval.toXdr("base64");
  const events = [callEvent, fnReturnEvent(contractId, fn, outcome.retval)];
  const cpu = txData.resources.instructions;
  const resultRow = format === "json" ? { authJson: [], returnValueJson: xdrToJson("ScVal", retB64) } : { auth: [], xdr: retB64 };
  const txDataB64 = txData.toXdr("base64");
  return {
    ...(format === "json" ? { transactionDataJson: xdrToJson("SorobanTransactionData", txDataB64) } : { transactionData: txDataB64 }),
    minResourceFee: txData.resourceFee.toString(),
    ...(format === "json" ? { eventsJson: encodeList(events, "json") } : { events: encodeList(events, "base64") }),
    results: [resultRow],
    cost: { cpuInsns: String(cpu), memBytes: String(Math.floor(cpu * 0.8)) },
    latestLedger,
  };
}

export function operationsOf(env: xdr.TransactionEnvelope): xdr.Operation[] {
  switch (env.type) {
    case "envelopeTypeTxV0":
      return env.v0.tx.operations;
    case "envelopeTypeTx":
      return env.v1.tx.operations;
    case "envelopeTypeTxFeeBump":
      return env.feeBump.tx.innerTx.v1.tx.operations;
  }
}

/** Footprint of the reads (plus the contract's code), with archived entries set up for auto-restore. */
function transactionData(chain: SimChain, outcome: Extract<InvokeOutcome, { ok: true }>): xdr.SorobanTransactionData {
  const readOnly: xdr.LedgerKey[] = [];
  const readWrite: xdr.LedgerKey[] = [];
  const archived: number[] = [];
  let restoredBytes = 0;
  const seen = new Set<string>();
  for (const k of outcome.reads as FactoryKey[]) {
    const id = JSON.stringify(k);
    if (seen.has(id)) continue;
    seen.add(id);
    const entry = readFactoryEntry(chain, k);
    const key = factoryLedgerKey(chain, k);
    if (entry?.archived) {
      archived.push(readWrite.length);
      readWrite.push(key);
      restoredBytes += Buffer.byteLength(entry.dataXdr, "base64");
    } else {
      readOnly.push(key);
    }
  }
  readOnly.push(contractCodeKey(chain.wasmHash));
  const retBytes = outcome.retval.toXdr().length;
  const instructions = 1_200_000 + 180_000 * seen.size + 40 * retBytes;
  const resourceFee = BigInt(2_000 + Math.floor(instructions / 400) + 12 * restoredBytes + 6 * retBytes);
  return new xdr.SorobanTransactionData({
    ext: archived.length > 0 ? xdr.SorobanTransactionDataExt.resourceExt(new xdr.SorobanResourcesExtV0({ archivedSorobanEntries: archived })) : xdr.SorobanTransactionDataExt.v0(),
    resources: new xdr.SorobanResources({
      footprint: new xdr.LedgerFootprint({ readOnly, readWrite }),
      instructions,
      diskReadBytes: restoredBytes,
      writeBytes: restoredBytes,
    }),
    resourceFee,
  });
}

// ---- diagnostic events, shaped like the host's (see the Simulations example) ----

function diagnostic(ok: boolean, contractId: string | null, topics: xdr.ScVal[], data: xdr.ScVal): xdr.DiagnosticEvent {
  return new xdr.DiagnosticEvent({
    inSuccessfulContractCall: ok,
    event: new xdr.ContractEvent({
      ext: xdr.ExtensionPoint.v0(),
      contractId: contractId === null ? null : new xdr.ContractId(StrKey.decodeContract(contractId)),
      type: xdr.ContractEventType.diagnostic,
      body: xdr.ContractEventBody.v0(new xdr.ContractEventV0({ topics, data })),
    }),
  });
}

function callData(args: xdr.ScVal[]): xdr.ScVal {
  if (args.length === 0) return xdr.ScVal.scvVoid();
  return args.length === 1 ? (args[0] as xdr.ScVal) : vec(args);
}

function fnCallEvent(contractId: string, fn: string, args: xdr.ScVal[], ok: boolean): xdr.DiagnosticEvent {
  const idBytes = StrKey.isValidContract(contractId) ? StrKey.decodeContract(contractId) : new Uint8Array(32);
  return diagnostic(ok, null, [sym("fn_call"), xdr.ScVal.scvBytes(idBytes), sym(fn)], callData(args));
}

function fnReturnEvent(contractId: string, fn: string, retval: xdr.ScVal): xdr.DiagnosticEvent {
  return diagnostic(true, contractId, [sym("fn_return"), sym(fn)], retval);
}

function errorEvent(contractId: string, fn: string, f: HostFailure): xdr.DiagnosticEvent {
  const owner = StrKey.isValidContract(contractId) ? contractId : null;
  return diagnostic(false, owner, [sym("error"), xdr.ScVal.scvError(f.scError)], vec([str(f.message), sym(fn)]));
}

function encodeList(events: xdr.DiagnosticEvent[], format: XdrFormat) {
  return format === "json" ? events.map((e) => xdrToJson("DiagnosticEvent", e.toXdr("base64"))) : events.map((e) => e.toXdr("base64"));
}

/** The host's error text: what clients (and the SDK's contract client) pattern-match on. */
function hostErrorText(contractId: string, fn: string, args: xdr.ScVal[], f: HostFailure): string {
  const hex = StrKey.isValidContract(contractId) ? Buffer.from(StrKey.decodeContract(contractId)).toString("hex") : "";
  return [
    "host invocation failed",
    "",
    "Caused by:",
    `    HostError: ${f.display}`,
    "    ",
    "    Event log (newest first):",
    `       0: [Diagnostic Event] contract:${hex}, topics:[error, ${f.display}], data:[${JSON.stringify(f.message)}, ${fn}]`,
    `       1: [Diagnostic Event] topics:[fn_call, Bytes(${hex}), ${fn}], data:${args.length} arg(s)`,
    "    ",
  ].join("\n");
}
