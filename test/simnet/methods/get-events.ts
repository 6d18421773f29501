// getEvents with stellar-rpc's paging rules: one request scans at most LEDGER_SCAN_LIMIT ledgers
// and returns at most `limit` events; a short page's cursor points at the end of the scanned
// range so that even empty pages move forward.

import { StrKey } from "@stellar/stellar-sdk";
import type { SimChain } from "../chain.ts";
import { endOfLedgerCursor, matchesFilter, parseCursor, parseFilter, type EventFilter, type EventPosition, type SimEvent } from "../events.ts";
import { RpcError, invalidParams } from "../rpc-error.ts";
import { xdrToJson } from "../xdr-json.ts";
import type { MethodContext } from "./index.ts";
import { objectParams, optObject, optString, optUint, xdrFormat, type XdrFormat } from "./params.ts";

export const LEDGER_SCAN_LIMIT = 10_000;
export const MAX_EVENTS_LIMIT = 10_000;
export const DEFAULT_EVENTS_LIMIT = 100;

export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

export function getEvents(chain: SimChain, raw: unknown, ctx: MethodContext = {}) {
  const maxLimit = ctx.maxEventsLimit ?? MAX_EVENTS_LIMIT;
  const p = objectParams(raw);
  const format = xdrFormat(p);
  const pagination = optObject(p, "pagination") ?? {};
  const cursor = optString(pagination, "cursor") || undefined;
  const limit = optUint(pagination, "limit") || Math.min(DEFAULT_EVENTS_LIMIT, maxLimit);
  const startLedger = optUint(p, "startLedger") ?? 0;
  const endLedger = optUint(p, "endLedger") ?? 0;

  if (cursor !== undefined) {
    if (startLedger !== 0 || endLedger !== 0) throw invalidParams("ledger ranges and cursor cannot both be set");
  } else if (startLedger <= 0) {
    throw invalidParams("startLedger must be positive");
  }
  if (limit > maxLimit) throw invalidParams(`limit must not exceed ${maxLimit}`);
  const filters = parseFilters(p["filters"]);
  if (endLedger !== 0 && endLedger <= startLedger) throw invalidParams("endLedger must be after startLedger");

  let from: number;
  let after: EventPosition | undefined;
  if (cursor !== undefined) {
    after = parseCursor(cursor);
    if (!after) throw invalidParams(`invalid cursor ${JSON.stringify(cursor)}`);
    from = after.ledger;
  } else {
    from = startLedger;
  }
  const oldest = chain.oldestLedger;
  const latest = chain.latestLedger;
  if (from < oldest || from > latest) {
    throw new RpcError(-32600, `startLedger must be within the ledger range: ${oldest} - ${latest}`);
  }
  let end = Math.min(from + LEDGER_SCAN_LIMIT, latest + 1);
  if (endLedger !== 0) end = Math.min(end, endLedger);

  const found: SimEvent[] = [];
  for (const e of chain.events.range(from, end, after)) {
    if (filters.length > 0 && !filters.some((f) => matchesFilter(e, f))) continue;
    found.push(e);
    if (found.length === limit) break;
  }
  const last = found[found.length - 1];
  return {
    events: found.map((e) => eventJson(e, format)),
    latestLedger: latest,
    oldestLedger: oldest,
    latestLedgerCloseTime: String(chain.closeTime(latest)),
    oldestLedgerCloseTime: String(chain.closeTime(oldest)),
    cursor: found.length === limit && last ? last.id : endOfLedgerCursor(end - 1),
  };
}

function parseFilters(raw: unknown): EventFilter[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidParams("invalid parameters: filters must be an array");
  if (raw.length > 5) throw invalidParams("maximum 5 filters per request");
  return raw.map((f, i) => {
    try {
      return parseFilter(f, (id) => StrKey.isValidContract(id));
    } catch (msg) {
      throw invalidParams(`filter ${i + 1} invalid: ${String(msg)}`);
    }
  });
}

function eventJson(e: SimEvent, format: XdrFormat) {
  const base = {
    type: e.type,
    ledger: e.ledger,
    ledgerClosedAt: isoTime(e.closeTime),
    contractId: e.contractId,
    id: e.id,
    transactionIndex: e.txIndex,
    operationIndex: e.opIndex,
    inSuccessfulContractCall: e.inSuccessfulContractCall,
  };
  if (format === "json") {
    return {
      ...base,
      topicJson: e.topicXdr().map((t) => xdrToJson("ScVal", t)),
      valueJson: xdrToJson("ScVal", e.valueXdr()),
      txHash: e.txHash,
    };
  }
  return { ...base, topic: e.topicXdr(), value: e.valueXdr(), txHash: e.txHash };
}
