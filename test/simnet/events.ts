// Event storage for the simulated chain: events are kept per ledger in ledger order, so a
// getEvents range is found by binary search instead of a scan over all history.
// Ids and cursors use stellar-rpc's format: a 19-digit TOID (ledger << 32 | tx << 12 | op)
// and a 10-digit event index, e.g. "0016010972359577600-0000000001".

import { xdr } from "@stellar/stellar-sdk";
import type { ScVal } from "./encode.ts";

/** One contract event as the chain emitted it: ground truth for tests plus lazily cached XDR. */
export class SimEvent {
  private topicCache: string[] | undefined;
  private valueCache: string | undefined;

  constructor(
    readonly ledger: number,
    readonly closeTime: number,
    /** Transaction application order in the ledger, from 1; 0 holds the ledger's fee events. */
    readonly txIndex: number,
    readonly opIndex: number,
    /** Position of the event within its transaction (fee events: within the ledger). */
    readonly index: number,
    readonly contractId: string,
    /** The first topic when it is a Symbol (the event name), else "". */
    readonly name: string,
    /** The data fields as exact JS values (bigint for i128/u64, Buffer for strings). */
    readonly data: Readonly<Record<string, unknown>>,
    readonly txHash: string,
    readonly inSuccessfulContractCall: boolean,
    private readonly encodeTopics: () => ScVal[],
    private readonly encodeValue: () => ScVal,
  ) {}

  readonly type = "contract" as const;

  get id(): string {
    return formatEventId(this.ledger, this.txIndex, this.opIndex, this.index);
  }

  /** The token the event names (`token` field), if any. */
  get token(): string | undefined {
    const t = this.data["token"];
    return typeof t === "string" ? t : undefined;
  }

  get creator(): string | undefined {
    const c = this.data["creator"];
    return typeof c === "string" ? c : undefined;
  }

  topics(): ScVal[] {
    return this.encodeTopics();
  }

  value(): ScVal {
    return this.encodeValue();
  }

  topicXdr(): string[] {
    this.topicCache ??= this.encodeTopics().map((t) => t.toXdr("base64"));
    return this.topicCache;
  }

  valueXdr(): string {
    this.valueCache ??= this.encodeValue().toXdr("base64");
    return this.valueCache;
  }
}

export interface EventPosition {
  ledger: number;
  txIndex: number;
  opIndex: number;
  index: number;
}

const TX_MASK = (1 << 20) - 1;
const OP_MASK = (1 << 12) - 1;
const INDEX_MAX = 4_294_967_295;

export function toid(ledger: number, txIndex: number, opIndex: number): bigint {
  return (BigInt(ledger) << 32n) | (BigInt(txIndex & TX_MASK) << 12n) | BigInt(opIndex & OP_MASK);
}

export function formatEventId(ledger: number, txIndex: number, opIndex: number, index: number): string {
  return `${toid(ledger, txIndex, opIndex).toString().padStart(19, "0")}-${index.toString().padStart(10, "0")}`;
}

/** The cursor stellar-rpc returns after a short page: the last possible position in `ledger`. */
export function endOfLedgerCursor(ledger: number): string {
  return formatEventId(ledger, TX_MASK, OP_MASK, INDEX_MAX);
}

/** Parses "TOID-INDEX"; returns undefined when malformed. */
export function parseCursor(cursor: string): EventPosition | undefined {
  const m = /^(\d{1,19})-(\d{1,10})$/.exec(cursor);
  if (!m) return undefined;
  const t = BigInt(m[1] as string);
  const index = Number(m[2]);
  if (t >= 1n << 63n || index > INDEX_MAX) return undefined;
  return {
    ledger: Number(t >> 32n),
    txIndex: Number((t >> 12n) & BigInt(TX_MASK)),
    opIndex: Number(t & BigInt(OP_MASK)),
    index,
  };
}

function comparePosition(e: EventPosition, p: EventPosition): number {
  return e.ledger - p.ledger || e.txIndex - p.txIndex || e.opIndex - p.opIndex || e.index - p.index;
}

interface LedgerBucket {
  ledger: number;
  /** Fee events sort before every transaction (tx index 0), so they live apart. */
  fee: SimEvent[];
  tx: SimEvent[];
}

export class EventLog {
  private buckets: LedgerBucket[] = [];
  private head = 0; // buckets before head are pruned

  add(event: SimEvent): void {
    let last = this.buckets[this.buckets.length - 1];
    if (last && last.ledger > event.ledger) throw new Error(`event for ledger ${event.ledger} after ledger ${last.ledger}`);
    if (!last || last.ledger !== event.ledger) {
      last = { ledger: event.ledger, fee: [], tx: [] };
      this.buckets.push(last);
    }
    (event.txIndex === 0 ? last.fee : last.tx).push(event);
  }

  /** Drops ledgers older than `oldest` (retention). */
  prune(oldest: number): void {
    while (this.head < this.buckets.length && (this.buckets[this.head] as LedgerBucket).ledger < oldest) this.head++;
    if (this.head > 1024 && this.head * 2 > this.buckets.length) {
      this.buckets = this.buckets.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.buckets = [];
    this.head = 0;
  }

  /** The kept events of one ledger (fee phase and transactions), if it has any. */
  ledger(seq: number): { fee: readonly SimEvent[]; tx: readonly SimEvent[] } | undefined {
    const b = this.buckets[this.firstBucketAtOrAfter(seq)];
    return b && b.ledger === seq ? b : undefined;
  }

  /** Index of the first retained bucket with ledger >= `ledger`. */
  private firstBucketAtOrAfter(ledger: number): number {
    let lo = this.head;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.buckets[mid] as LedgerBucket).ledger < ledger) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Events in [from, endLedger) in id order; `after` (a cursor position) excludes everything
   * up to and including it.
   */
  *range(fromLedger: number, endLedgerExclusive: number, after?: EventPosition): Generator<SimEvent> {
    for (let i = this.firstBucketAtOrAfter(fromLedger); i < this.buckets.length; i++) {
      const bucket = this.buckets[i] as LedgerBucket;
      if (bucket.ledger >= endLedgerExclusive) return;
      for (const list of [bucket.fee, bucket.tx]) {
        for (const e of list) {
          if (after && comparePosition(e, after) <= 0) continue;
          yield e;
        }
      }
    }
  }

  /** Every retained event, oldest first. */
  all(): SimEvent[] {
    return [...this.range(0, Number.MAX_SAFE_INTEGER)];
  }
}

// ---- getEvents filters ----

export interface EventFilter {
  type?: "contract" | "system";
  contractIds?: Set<string>;
  /** Each topic filter: exact base64 segments or "*"; `flexible` when it ended in "**". */
  topics?: Array<{ segments: string[]; flexible: boolean }>;
}

/** Validates and normalises one filter like stellar-rpc does; throws a message string. */
export function parseFilter(raw: unknown, isValidContract: (id: string) => boolean): EventFilter {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw "filter must be an object";
  const f = raw as Record<string, unknown>;
  const out: EventFilter = {};
  if (f["type"] !== undefined && f["type"] !== "") {
    if (f["type"] !== "contract" && f["type"] !== "system") throw "if set, type must be either 'system' or 'contract'";
    out.type = f["type"];
  }
  if (f["contractIds"] !== undefined && f["contractIds"] !== null) {
    const ids = f["contractIds"];
    if (!Array.isArray(ids)) throw "contractIds must be an array";
    if (ids.length > 5) throw "maximum 5 contract IDs per filter";
    ids.forEach((id, i) => {
      if (typeof id !== "string" || !isValidContract(id)) throw `contract ID ${i + 1} invalid`;
    });
    if (ids.length > 0) out.contractIds = new Set(ids as string[]);
  }
  if (f["topics"] !== undefined && f["topics"] !== null) {
    const topics = f["topics"];
    if (!Array.isArray(topics)) throw "topics must be an array";
    if (topics.length > 5) throw "maximum 5 topics per filter";
    out.topics = topics.map((t, i) => parseTopicFilter(t, i + 1));
    if (out.topics.length === 0) delete out.topics;
  }
  return out;
}

function parseTopicFilter(raw: unknown, n: number): { segments: string[]; flexible: boolean } {
  if (!Array.isArray(raw)) throw `topic ${n} invalid: must be an array`;
  let segs = raw as unknown[];
  let flexible = false;
  if (segs.length > 0 && segs[segs.length - 1] === "**") {
    flexible = true;
    segs = segs.slice(0, -1);
  }
  if (segs.length === 0 && !flexible) throw `topic ${n} invalid: topic must have at least one segment`;
  if (segs.length > 4) throw `topic ${n} invalid: topic cannot have more than 4 segments`;
  const segments = segs.map((s) => {
    if (s === "*") return "*";
    if (s === "**") throw `topic ${n} invalid: "**" can only be the last segment`;
    if (typeof s !== "string") throw `topic ${n} invalid: segment must be a string`;
    try {
      // Re-encode so equal values compare equal whatever the client's base64 looks like.
      return xdr.ScVal.fromXdr(s, "base64").toXdr("base64");
    } catch {
      throw `topic ${n} invalid: segment is not a base64 ScVal`;
    }
  });
  return { segments, flexible };
}

export function matchesFilter(e: SimEvent, f: EventFilter): boolean {
  if (f.type !== undefined && f.type !== e.type) return false;
  if (f.contractIds && !f.contractIds.has(e.contractId)) return false;
  if (!f.topics) return true;
  const topics = e.topicXdr();
  return f.topics.some(({ segments, flexible }) => {
    if (flexible ? topics.length < segments.length : topics.length !== segments.length) return false;
    return segments.every((s, i) => s === "*" || s === topics[i]);
  });
}
