// Discovery strategy 1: the factory's contract events. The window is split into ledger ranges no
// wider than one getEvents scan (10,000 ledgers), fetched in parallel; each range is paged by
// cursor until a short page says the range is exhausted. Only the tokens and creators named are
// kept, so memory does not grow with the number of events.
import pLimit from "p-limit";
import { decodeFactoryEvent } from "../contract/codec.ts";
import type { RpcClient } from "../rpc/client.ts";

/** stellar-rpc scans at most this many ledgers per getEvents request. */
export const MAX_LEDGERS_PER_SCAN = 10_000;
const PAGE_LIMIT = 10_000;

export interface EventScanOptions {
  rpc: RpcClient;
  contractId: string;
  /** First ledger to read, inclusive. */
  fromLedger: number;
  /** Last ledger to read, inclusive (normally the RPC's latestLedger). */
  toLedger: number;
  concurrency?: number;
  pageLimit?: number;
}

export interface EventScan {
  fromLedger: number;
  toLedger: number;
  /** Factory events read (after deduplication). */
  events: number;
  /** Every token any event named, with the ledger of its latest event. */
  tokens: Map<string, number>;
  /** token -> creator, from launch events. */
  launches: Map<string, string>;
  /** The cursor at the end of the window, as the RPC gave it. */
  cursor: string | null;
}

interface RawEvent {
  id: string;
  ledger: number;
  contractId?: string;
  topic: string[];
  value: string;
}

interface GetEventsResult {
  events: RawEvent[];
  cursor?: string;
  latestLedger: number;
}

export async function scanFactoryEvents(options: EventScanOptions): Promise<EventScan> {
  const { rpc, contractId, fromLedger, toLedger } = options;
  const pageLimit = options.pageLimit ?? PAGE_LIMIT;
  const scan: EventScan = { fromLedger, toLedger, events: 0, tokens: new Map(), launches: new Map(), cursor: null };
  if (toLedger < fromLedger) return scan;

  const ranges: Array<[number, number]> = [];
  for (let start = fromLedger; start <= toLedger; start += MAX_LEDGERS_PER_SCAN) {
    ranges.push([start, Math.min(start + MAX_LEDGERS_PER_SCAN, toLedger + 1)]); // endLedger is exclusive
  }
  const filters = [{ type: "contract", contractIds: [contractId] }];
  const limit = pLimit(options.concurrency ?? 8);
  const cursors = await Promise.all(
    ranges.map(([start, end]) =>
      limit(async () => {
        let params: Record<string, unknown> = { startLedger: start, endLedger: end, filters, pagination: { limit: pageLimit } };
        // Ids grow monotonically within a range, so remembering the last one is enough to drop repeats.
        let lastId = "";
        for (;;) {
          const page = await rpc.request<GetEventsResult>("getEvents", params);
          for (const raw of page.events ?? []) {
            if (raw.id <= lastId) continue;
            lastId = raw.id;
            if (raw.ledger < start || raw.ledger >= end || (raw.contractId && raw.contractId !== contractId)) continue;
            record(scan, raw);
          }
          if ((page.events?.length ?? 0) < pageLimit || !page.cursor) return page.cursor ?? null;
          params = { endLedger: end, filters, pagination: { cursor: page.cursor, limit: pageLimit } };
        }
      }),
    ),
  );
  scan.cursor = cursors.at(-1) ?? null;
  return scan;
}

function record(scan: EventScan, raw: RawEvent): void {
  const event = decodeFactoryEvent(raw);
  if (!event) return;
  scan.events++;
  if (!event.token) return;
  const seen = scan.tokens.get(event.token);
  if (seen === undefined || seen < event.ledger) scan.tokens.set(event.token, event.ledger);
  if (event.creator) scan.launches.set(event.token, event.creator);
}
