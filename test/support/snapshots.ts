// Access to the shared real fixtures (never copied into the repo) and to @stellar/stellar-xdr-json, which turns
// their JSON form into base64 XDR independently of the SDK code under test.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { encode, initSync } from "@stellar/stellar-xdr-json";

const require = createRequire(import.meta.url);
initSync(readFileSync(require.resolve("@stellar/stellar-xdr-json/stellar_xdr_json_bg.wasm")));

export const FIXTURES_DIR = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));
const SNAPSHOT_DIR = `${FIXTURES_DIR}soroban-test-snapshots/`;

/** JSON form of an XDR value, as soroban-env-host writes it; walked structurally, hence untyped. */
export type XdrJson = any;

export interface SnapshotEntry {
  key: XdrJson; // LedgerKey
  entry: XdrJson; // LedgerEntry
  liveUntil: number | null;
}

export interface Snapshot {
  name: string;
  entries: SnapshotEntry[];
  events: XdrJson[]; // ContractEvent
}

export function snapshotNames(): string[] {
  return readdirSync(SNAPSHOT_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

export function loadSnapshot(name: string): Snapshot {
  const raw = JSON.parse(readFileSync(`${SNAPSHOT_DIR}${name}.json`, "utf8")) as {
    ledger: { ledger_entries: [XdrJson, [XdrJson, number | null]][] };
    events: { event: XdrJson }[];
  };
  return {
    name,
    entries: raw.ledger.ledger_entries.map(([key, [entry, liveUntil]]) => ({ key, entry, liveUntil })),
    events: raw.events.map((e) => e.event),
  };
}

export function loadRpcExamples(file: string): Record<string, { name: string; value: XdrJson }> {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}stellar-rpc/examples/${file}`, "utf8"));
}

/** base64 XDR of `json` as XDR type `type` (e.g. "ScVal", "LedgerKey", "LedgerEntryData"). */
export function toXdr(type: string, json: XdrJson): string {
  return encode(type, JSON.stringify(json));
}

/** The persistent contract_data entries whose key is `Vec[Symbol(name), ...]`. */
export function dataEntries(snapshot: Snapshot, name: string): SnapshotEntry[] {
  return snapshot.entries.filter((e) => {
    const key = e.key.contract_data?.key;
    return typeof key === "object" && key !== null && Array.isArray(key.vec) && key.vec[0]?.symbol === name;
  });
}
