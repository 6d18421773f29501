// Helpers for the simnet's own tests: the real fixtures (read in place, never copied), OpenRPC
// result-schema validation, XDR <-> JSON via @stellar/stellar-xdr-json, and raw JSON-RPC calls.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { Account, BASE_FEE, Contract, TransactionBuilder, rpc, type xdr } from "@stellar/stellar-sdk";

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, "../../../shared/fixtures");

const readJson = (file: string): any => JSON.parse(readFileSync(file, "utf8"));

// XDR JSON (the form the snapshots use) lives in ../xdr-json.ts.
export { jsonToXdr, xdrToJson } from "./xdr-json.ts";

// ---- fixtures ----

export interface Snapshot {
  entries: Array<{ key: any; entry: any; liveUntil: number }>;
  events: any[];
}

export function snapshot(name: string): Snapshot {
  const raw = readJson(path.join(FIXTURES, "soroban-test-snapshots", `${name}.json`));
  return {
    entries: raw.ledger.ledger_entries.map(([key, [entry, liveUntil]]: [any, [any, number]]) => ({ key, entry, liveUntil })),
    events: raw.events,
  };
}

/** The factory's contract-data entry whose key vec starts with Symbol(tag) (and, if given, that address). */
export function snapshotEntry(s: Snapshot, tag: string, address?: string): any {
  const found = s.entries.find(({ key }) => {
    const v = key.contract_data?.key?.vec;
    return v && v[0]?.symbol === tag && (address === undefined || v[1]?.address === address);
  });
  if (!found) throw new Error(`no ${tag} entry in snapshot`);
  return found;
}

export function snapshotInstance(s: Snapshot, contract: string): any {
  const found = s.entries.find(({ key }) => key.contract_data?.key === "ledger_key_contract_instance" && key.contract_data.contract === contract);
  if (!found) throw new Error("no instance entry");
  return found;
}

/** ScMap JSON -> plain object keyed by symbol. */
export function mapFields(scMap: any): Record<string, any> {
  return Object.fromEntries(scMap.map.map((e: any) => [e.key.symbol, e.val]));
}

export const rpcExamples = (name: "Events" | "LedgerEntries" | "Simulations" | "Ledgers"): any =>
  readJson(path.join(FIXTURES, "stellar-rpc", "examples", `${name}.json`));

// ---- OpenRPC result schemas ----

let spec: any;
const validators = new Map<string, ValidateFunction>();

export function openRpc(): any {
  spec ??= readJson(path.join(FIXTURES, "stellar-rpc", "stellar-rpc.openrpc.json"));
  return spec;
}

/** Inlines local "$ref"s ("#/components/...") so each schema compiles on its own. */
function resolveRefs(node: any, root: any, depth = 0): any {
  if (depth > 50) throw new Error("$ref cycle");
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, root, depth + 1));
  if (!node || typeof node !== "object") return node;
  if (typeof node.$ref === "string" && node.$ref.startsWith("#/")) {
    const target = node.$ref
      .slice(2)
      .split("/")
      .reduce((o: any, k: string) => o?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], root);
    if (target === undefined) throw new Error(`unresolved ${node.$ref}`);
    return resolveRefs(target, root, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(v, root, depth + 1)]));
}

/** Validates a raw JSON-RPC `result` against the method's result schema; returns ajv errors or []. */
export function schemaErrors(method: string, result: unknown): unknown[] {
  let v = validators.get(method);
  if (!v) {
    const m = openRpc().methods.find((x: any) => x.name === method);
    if (!m) throw new Error(`no ${method} in the OpenRPC spec`);
    const ajv = new Ajv({ strict: false, allErrors: true });
    v = ajv.compile(resolveRefs(m.result.schema, openRpc()));
    validators.set(method, v);
  }
  return v(result) ? [] : [...(v.errors ?? [])];
}

// ---- raw JSON-RPC ----

export async function rawRpc(url: string, method: string, params?: unknown, init: RequestInit = {}): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, ...(params === undefined ? {} : { params }) }),
    ...init,
  });
  return res.json();
}

/** Result of a raw call, failing on a JSON-RPC error. */
export async function rawResult(url: string, method: string, params?: unknown): Promise<any> {
  const r = await rawRpc(url, method, params);
  if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
  return r.result;
}

// ---- simulation through the SDK ----

/** The all-zero account the SDK's contract.Client uses for read-only calls. */
export const NULL_ACCOUNT = "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF";

export function readTx(contractId: string, fn: string, args: xdr.ScVal[], networkPassphrase: string) {
  return new TransactionBuilder(new Account(NULL_ACCOUNT, "0"), { fee: BASE_FEE, networkPassphrase })
    .addOperation(new Contract(contractId).call(fn, ...args))
    .setTimeout(0)
    .build();
}

export async function simulate(server: rpc.Server, contractId: string, fn: string, args: xdr.ScVal[], networkPassphrase: string) {
  return server.simulateTransaction(readTx(contractId, fn, args, networkPassphrase));
}

/** The return value of a successful read-only call (throws with the error text otherwise). */
export async function call(server: rpc.Server, contractId: string, fn: string, args: xdr.ScVal[], networkPassphrase: string): Promise<xdr.ScVal> {
  const sim = await simulate(server, contractId, fn, args, networkPassphrase);
  if (rpc.Api.isSimulationError(sim)) throw new Error(sim.error);
  if (!rpc.Api.isSimulationSuccess(sim) || !sim.result) throw new Error("no result");
  return sim.result.retval;
}
