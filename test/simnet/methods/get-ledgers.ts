// getLedgers with stellar-rpc's paging rules: `startLedger` or `pagination.cursor` (the last
// sequence returned; never both), `limit` 1..200 (default 50; a lower cap, stellar-rpc's
// max-ledgers-limit, refuses a larger limit with -32600 "limit must not exceed N"). A start outside the served range is
// -32600; a cursor whose next ledger is outside it is -32602, so a client that has read up to the
// latest ledger must stop rather than ask again. The served range is the retention window, or all
// of the chain's history when the RPC is configured to serve ledgers from a datastore (stellar-rpc
// 23+); oldestLedger in the answer stays the window's, as stellar-rpc reports its local range.

import type { SimChain } from "../chain.ts";
import { ledgerCloseMeta, ledgerHeaderEntry } from "../ledger-meta.ts";
import { RpcError, invalidParams } from "../rpc-error.ts";
import { xdrToJson } from "../xdr-json.ts";
import type { MethodContext } from "./index.ts";
import { objectParams, optObject, optString, optUint, xdrFormat } from "./params.ts";

export const MAX_LEDGERS_LIMIT = 200;
export const DEFAULT_LEDGERS_LIMIT = 50;

export function getLedgers(chain: SimChain, raw: unknown, ctx: MethodContext = {}) {
  const p = objectParams(raw);
  const format = xdrFormat(p);
  const pagination = optObject(p, "pagination");
  const cursor = (pagination && optString(pagination, "cursor")) || undefined;
  const asked = (pagination && optUint(pagination, "limit")) || undefined;
  const limit = asked ?? DEFAULT_LEDGERS_LIMIT;
  const maxLimit = ctx.maxLedgersLimit ?? MAX_LEDGERS_LIMIT;
  const startLedger = optUint(p, "startLedger") ?? 0;

  const oldest = ctx.ledgersFromDatastore && chain.history ? chain.firstLedger : chain.oldestLedger;
  const latest = chain.latestLedger;
  const range = `the oldest ledger: ${oldest} and the latest ledger: ${latest} for this rpc instance`;
  if (cursor !== undefined && startLedger !== 0) throw new RpcError(-32600, "startLedger and cursor cannot both be set");
  if (asked !== undefined && asked > maxLimit) throw new RpcError(-32600, `limit must not exceed ${maxLimit}`);
  let start = startLedger;
  if (cursor !== undefined) {
    if (!/^\d{1,10}$/.test(cursor) || Number(cursor) > 0xffffffff) throw invalidParams(`strconv.ParseUint: parsing ${JSON.stringify(cursor)}: invalid syntax`);
    start = Number(cursor) + 1;
    if (start < oldest || start > latest) throw invalidParams(`cursor ('${cursor}') must be between ${range}`);
  } else if (start < oldest || start > latest) {
    throw new RpcError(-32600, `start ledger must be between ${range}`);
  }

  const end = Math.min(start + limit - 1, latest);
  const ledgers = [];
  for (let seq = start; seq <= end; seq++) {
    const meta = ledgerCloseMeta(chain, seq);
    if (!meta) throw new RpcError(-32603, `error fetching ledgers from db: ledger ${seq} not found`);
    const info = { hash: chain.ledgerHash(seq).toString("hex"), sequence: seq, ledgerCloseTime: String(chain.closeTime(seq)) };
    const headerXdr = ledgerHeaderEntry(chain, seq).toXdr("base64");
    const metadataXdr = meta.toXdr("base64");
    ledgers.push(
      format === "json"
        ? { ...info, headerJson: xdrToJson("LedgerHeaderHistoryEntry", headerXdr), metadataJson: xdrToJson("LedgerCloseMeta", metadataXdr) }
        : { ...info, headerXdr, metadataXdr },
    );
  }
  return {
    ledgers,
    latestLedger: latest,
    latestLedgerCloseTime: chain.closeTime(latest),
    oldestLedger: chain.oldestLedger,
    oldestLedgerCloseTime: chain.closeTime(chain.oldestLedger),
    cursor: String(ledgers.length > 0 ? end : cursor ?? start - 1),
  };
}
