// getLedgerEntries for the factory's persistent storage. Keys of anything else are treated as
// absent (omitted from `entries`), like keys of entries that never existed.
//
// Archived entries (TTL lapsed): since protocol 23 stellar-core's getledgerentry reports evicted
// ones with state "archived" and a TTL placeholder of 0, and stellar-rpc passes that through, so
// they are returned with their last value and `liveUntilLedgerSeq: 0` (stellar-core#4792,
// stellar-rpc#413). An entry that expired but is not evicted yet is still in the live bucket list:
// it comes back with its past `liveUntilLedgerSeq`. Either value is exact: only a restore or a
// write (a contract call, visible in events) changes it.

import { xdr } from "@stellar/stellar-sdk";
import type { SimChain } from "../chain.ts";
import { invalidParams } from "../rpc-error.ts";
import { parseFactoryKey, readFactoryEntry } from "../storage.ts";
import { xdrToJson } from "../xdr-json.ts";
import { objectParams, xdrFormat } from "./params.ts";

export const MAX_LEDGER_KEYS = 200;

export function getLedgerEntries(chain: SimChain, raw: unknown) {
  const p = objectParams(raw);
  const format = xdrFormat(p);
  const keys = p["keys"];
  if (!Array.isArray(keys)) throw invalidParams("invalid parameters: keys must be an array of base64 LedgerKeys");
  if (keys.length > MAX_LEDGER_KEYS) throw invalidParams(`key count (${keys.length}) exceeds maximum supported (${MAX_LEDGER_KEYS})`);
  const decoded = keys.map((k, i) => {
    let key: xdr.LedgerKey;
    try {
      if (typeof k !== "string") throw new TypeError("not a string");
      key = xdr.LedgerKey.fromXdr(k, "base64");
    } catch {
      throw invalidParams(`cannot unmarshal key value ${String(k)} at index ${i}`);
    }
    if (key.type === "ttl") throw invalidParams("ledger ttl entries cannot be queried directly");
    return key;
  });

  const entries = [];
  for (const key of decoded) {
    const fk = parseFactoryKey(chain, key);
    const entry = fk && readFactoryEntry(chain, fk);
    if (!entry) continue;
    const liveUntilLedgerSeq = entry.evicted ? 0 : entry.liveUntilLedgerSeq;
    if (format === "json") {
      entries.push({
        keyJson: xdrToJson("LedgerKey", key.toXdr("base64")),
        dataJson: xdrToJson("LedgerEntryData", entry.dataXdr),
        lastModifiedLedgerSeq: entry.lastModifiedLedgerSeq,
        liveUntilLedgerSeq,
      });
    } else {
      entries.push({
        key: key.toXdr("base64"),
        xdr: entry.dataXdr,
        lastModifiedLedgerSeq: entry.lastModifiedLedgerSeq,
        liveUntilLedgerSeq,
      });
    }
  }
  return { entries, latestLedger: chain.latestLedger };
}
