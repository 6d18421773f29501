// Discovery strategy 1: the factory's contract events. The window is split into ledger ranges no wider than one
// getEvents scan (10,000 ledgers), read in parallel. Each range follows stellar-rpc's paging rules: the first
// request carries the ledger range, every later one the cursor alone, and the range is done once the cursor has
// passed its last ledger (a short page says nothing: the RPC may stop a page early). Only the tokens and creators
// named are kept, so memory does not grow with the number of events.
//
// Providers run several nodes behind a load balancer, each at its own latest ledger. A request that lands on a
// node behind the ledger a range aims for ends that range at the ledger the node has: the scan then reached only
// that far (`toLedger`), and the cursor moves no further. The next pass reads the rest.
import pLimit from "p-limit";
import { decodeFactoryEvent } from "../contract/codec.ts";
import { RpcError, type RpcClient } from "../rpc/client.ts";
import type { Logger } from "../internal/logger.ts";
import type { MarketLog } from "./market-log.ts";

/** stellar-rpc scans at most this many ledgers per getEvents request. */
export const MAX_LEDGERS_PER_SCAN = 10_000;
/**
 * Events asked for per page. stellar-rpc allows up to 10,000 (a provider may allow fewer: max-events-limit), but a
 * page of 10,000 is ~7 MB of JSON and, with a range per request in flight, pages would dominate the run's memory.
 */
const PAGE_SIZE = 2_000;


export interface EventScanOptions {
  rpc: RpcClient;
  contractId: string;
  /** First ledger to read, inclusive. */
  fromLedger: number;
  /** Last ledger to read, inclusive (normally the RPC's latestLedger). */
  toLedger: number;
  concurrency?: number;
  logger?: Logger;
  /** Called as each ledger range is done, with the tokens first named in it: their reads can start at once. */
  onRange?: (tokens: string[]) => void;
  /** Where to note each token named, with the ledger of its latest event (default: a new map). */
  tokens?: Map<string, number>;
  /** Where to note trades, launches and graduations (none noted without it). */
  market?: MarketLog;
}

/** Tokens and creators found, whatever the source (the RPC's events, or history). */
export interface Discovered {
  /** Every token an event named, with the ledger of its latest event. */
  tokens: Map<string, number>;
  /** token -> creator, from launch events. */
  launches: Map<string, string>;
  /** Trades, launch ledgers and graduations, when asked for. */
  market?: MarketLog;
  /** Ledger ranges (inclusive) read in full from history, so every trade in them is in `market`: they fill holes. */
  read?: Array<[number, number]>;
}

export interface EventScan extends Discovered {
  fromLedger: number;
  /** The last ledger every event of which was read: the ledger asked for, or less when a node was behind it. */
  toLedger: number;
  /** Factory events read (after deduplication). */
  events: number;
  /** Ledger ranges (inclusive) that left the RPC's retention window before they could be read. */
  slidOut: Array<[number, number]>;
}

interface RawEvent {
  id: string;
  ledger: number;
  contractId?: string;
  topic: string[];
  value: string;
  ledgerClosedAt?: string;
  txHash?: string;
}

interface GetEventsResult {
  events?: RawEvent[];
  cursor?: string;
  /** The answering node's latest ledger. */
  latestLedger?: number;
}

export async function scanFactoryEvents(options: EventScanOptions): Promise<EventScan> {
  const { fromLedger, toLedger } = options;
  const scan: EventScan = { fromLedger, toLedger, events: 0, tokens: options.tokens ?? new Map(), launches: new Map(), slidOut: [], market: options.market };
  if (toLedger < fromLedger) return scan;
  const pager = new Pager(options, scan);
  const limit = pLimit(options.concurrency ?? 8);
  const ranges: Array<Promise<void>> = [];
  for (let start = fromLedger; start <= toLedger; start += MAX_LEDGERS_PER_SCAN) {
    const last = Math.min(start + MAX_LEDGERS_PER_SCAN - 1, toLedger);
    ranges.push(limit(() => pager.readRange(start, last)));
  }
  await Promise.all(ranges);
  scan.slidOut = mergeRanges(scan.slidOut);
  scan.toLedger = Math.min(toLedger, pager.reachedUpTo);
  return scan;
}

/** Reads ranges of one window; shares what the RPC taught it (its page cap) across them. */
class Pager {
  #pageLimit = PAGE_SIZE;
  /** The lowest ledger a range had to stop after because the node answering was behind it. */
  reachedUpTo = Number.POSITIVE_INFINITY;
  readonly #filters: unknown[];

  constructor(
    private readonly options: EventScanOptions,
    private readonly scan: EventScan,
  ) {
    this.#filters = [{ type: "contract", contractIds: [options.contractId] }];
  }

  /** Reads ledgers first..last (inclusive), then hands over the tokens first named in them. */
  async readRange(first: number, last: number): Promise<void> {
    const named: string[] = [];
    await this.#readRange(first, last, named);
    this.scan.market?.rangeRead(first, last);
    if (named.length > 0) this.options.onRange?.(named);
  }

  async #readRange(first: number, last: number, named: string[]): Promise<void> {
    const end = position(endOfLedgerCursor(last));
    let from = first;
    let cursor: string | null = null;
    // Ids grow monotonically within a range, so remembering the last one is enough to drop repeats.
    let lastId = "";
    for (;;) {
      let page: GetEventsResult;
      try {
        page = await this.#request(cursor === null ? { startLedger: from, endLedger: last + 1 } : { cursor });
      } catch (error) {
        const served = servedRange(error);
        const at = cursor === null ? from : ledgerOf(cursor);
        if (served === null) throw error;
        if (at > served.latest) {
          // A node behind this range (load-balanced nodes lag each other): what it has not seen is the next pass's.
          this.#stopAt(at - 1);
          return;
        }
        const oldest = served.oldest;
        if (oldest <= at) throw error;
        // The window slid past where this range stood: what lay below its new start is gone from this RPC.
        this.scan.slidOut.push([at, Math.min(oldest - 1, last)]);
        if (oldest > last) return;
        from = oldest;
        cursor = null;
        continue;
      }
      for (const raw of page.events ?? []) {
        if (raw.ledger > last) return;
        if (raw.id <= lastId) continue;
        lastId = raw.id;
        if (raw.ledger < first || (raw.contractId && raw.contractId !== this.options.contractId)) continue;
        if (recordFactoryEvent(this.scan, raw, named)) this.scan.events++;
      }
      this.scan.market?.pageRead();
      if (!page.cursor) throw new RpcError("getEvents: the response carries no cursor", { transient: false });
      if (position(page.cursor) >= end) return;
      const nodeLatest = page.latestLedger;
      if (typeof nodeLatest === "number" && nodeLatest < last && position(page.cursor) >= position(endOfLedgerCursor(nodeLatest))) {
        // The node scanned to its own latest ledger, short of this range's end.
        this.#stopAt(nodeLatest);
        return;
      }
      if (cursor !== null && position(page.cursor) <= position(cursor)) {
        throw new RpcError(`getEvents: the cursor did not move past ${cursor}`, { transient: false });
      }
      cursor = page.cursor;
    }
  }

  #stopAt(ledger: number): void {
    this.reachedUpTo = Math.min(this.reachedUpTo, ledger);
  }

  async #request(at: { startLedger: number; endLedger: number } | { cursor: string }): Promise<GetEventsResult> {
    for (;;) {
      const limit = this.#pageLimit;
      const params =
        "cursor" in at
          ? { filters: this.#filters, pagination: { cursor: at.cursor, limit } }
          : { ...at, filters: this.#filters, pagination: { limit } };
      try {
        return await this.options.rpc.request<GetEventsResult>("getEvents", params);
      } catch (error) {
        const cap = pageCap(error);
        if (cap === null || cap >= limit) throw error;
        if (cap < this.#pageLimit) {
          this.#pageLimit = cap;
          this.options.logger?.info(`the RPC serves at most ${cap} events per getEvents page: paging by ${cap}`);
        }
      }
    }
  }
}

/**
 * Notes the token and creator a factory event names (a token named for the first time also goes to `named`);
 * false when it is not a factory event. Shared with the history backfill.
 */
export function recordFactoryEvent(found: Discovered, raw: RawEvent, named?: string[]): boolean {
  const event = decodeFactoryEvent(raw);
  if (!event) return false;
  if (!event.token) return true;
  found.market?.note(raw, event);
  const seen = found.tokens.get(event.token);
  if (seen === undefined) named?.push(event.token);
  if (seen === undefined || seen < event.ledger) found.tokens.set(event.token, event.ledger);
  if (event.creator) found.launches.set(event.token, event.creator);
  return true;
}

// Cursors are stellar-rpc event ids: a 19-digit TOID (ledger << 32 | tx << 12 | op), "-", a 10-digit event index.
const TOID_MAX_IN_LEDGER = (1n << 32n) - 1n;
const INDEX_MAX = 0xffffffffn;

function endOfLedgerCursor(ledger: number): string {
  return `${((BigInt(ledger) << 32n) | TOID_MAX_IN_LEDGER).toString().padStart(19, "0")}-${INDEX_MAX.toString().padStart(10, "0")}`;
}

/** A cursor as one comparable number. */
function position(cursor: string): bigint {
  const m = /^(\d{1,19})-(\d{1,10})$/.exec(cursor);
  if (!m) throw new RpcError(`getEvents: unreadable cursor ${JSON.stringify(cursor.slice(0, 60))}`, { transient: false });
  return (BigInt(m[1]!) << 32n) | BigInt(m[2]!);
}

function ledgerOf(cursor: string): number {
  return Number(position(cursor) >> 64n);
}

/** `-32602 limit must not exceed N`: the provider's max-events-limit. */
function pageCap(error: unknown): number | null {
  if (!(error instanceof RpcError) || error.rpcCode !== -32602) return null;
  const m = /limit must not exceed (\d+)/.exec(error.message);
  const n = m ? Number(m[1]) : 0;
  return n > 0 ? n : null;
}

/** `-32600 startLedger must be within the ledger range: X - Y`: the answering node's window X..Y. */
function servedRange(error: unknown): { oldest: number; latest: number } | null {
  if (!(error instanceof RpcError) || error.rpcCode !== -32600) return null;
  const m = /must be within the ledger range: (\d+) - (\d+)/.exec(error.message);
  return m ? { oldest: Number(m[1]), latest: Number(m[2]) } : null;
}

function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const prev = out.at(-1);
    if (prev && a <= prev[1] + 1) prev[1] = Math.max(prev[1], b);
    else out.push([a, b]);
  }
  return out;
}
