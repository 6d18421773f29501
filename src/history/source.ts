// What a history source is (a SEP-54 data lake, or an RPC serving getLedgers), and what both share:
// reading ahead within a bound while handing results over in ledger order, and locating ledgers.

import { FatalError, InterruptedError } from "../internal/errors.ts";
import type { EventExtractor, RawContractEvent } from "./extract.ts";

/** Ledgers from..to (inclusive), read but for the gaps, and the factory events among them. */
export interface LedgerChunk {
  from: number;
  to: number;
  events: RawContractEvent[];
  /** Ledgers of from..to the source could not give (they were not read), in order. */
  gaps?: LedgerGap[];
  /** Set when the source has nothing past `to` yet (this ends the range there). */
  endedAt?: number;
}

/** Ledgers the source no longer serves, and why, in one line. */
export interface LedgerGap {
  from: number;
  to: number;
  reason: string;
}

/** from..to less the gaps (in order, possibly reaching outside it): the ranges that were read. */
export function withoutGaps(from: number, to: number, gaps: readonly LedgerGap[]): Array<[number, number]> {
  const read: Array<[number, number]> = [];
  let at = from;
  for (const g of gaps) {
    if (g.to < at || g.from > to) continue;
    if (g.from > at) read.push([at, g.from - 1]);
    at = g.to + 1;
  }
  if (at <= to) read.push([at, to]);
  return read;
}

export interface LedgerSource {
  /** Where the ledgers come from, safe to print. */
  readonly label: string;
  readonly networkPassphrase: string;
  /** Whether the source serves ledger `seq`. */
  has(seq: number): Promise<boolean>;
  /** The last ledger it serves of the batch/page holding `seq` (a data lake's newest file may be partial). */
  lastOf(seq: number): Promise<number>;
  closeTime(seq: number): Promise<number>;
  /** Every ledger of from..to, in order, read ahead within the source's bound. */
  chunks(from: number, to: number, extractor: EventExtractor, signal?: AbortSignal): AsyncIterable<LedgerChunk>;
  close(): Promise<void>;
}

/**
 * Runs the tasks with at most `ahead` in flight and yields their results in task order, so that a
 * cursor can follow them. A failure surfaces when its turn comes; the others are then dropped.
 */
export async function* readAhead<T>(tasks: Iterable<() => Promise<T>>, ahead: number, signal?: AbortSignal): AsyncGenerator<T> {
  const queue: Promise<T>[] = [];
  const it = tasks[Symbol.iterator]();
  const fill = () => {
    while (queue.length < ahead) {
      const next = it.next();
      if (next.done) return;
      const p = next.value();
      p.catch(() => {}); // awaited in turn below
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    if (signal?.aborted) throw interrupted(signal);
    const result = await (queue.shift() as Promise<T>);
    fill();
    yield result;
  }
}

export function interrupted(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  return new InterruptedError(typeof signal.reason === "string" ? signal.reason : "signal");
}

/**
 * The range a source serves inside lo..hi, assuming it is contiguous and holds `inside`: found by
 * bisection, about 2 x log2(hi - lo) probes.
 */
export async function servedRange(source: LedgerSource, inside: number, lo: number, hi: number): Promise<[number, number]> {
  let a = lo;
  let b = inside; // first served is in a..b
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (await source.has(mid)) b = mid;
    else a = mid + 1;
  }
  const first = a;
  a = inside;
  b = hi; // last served is in a..b
  while (a < b) {
    const mid = Math.ceil((a + b) / 2);
    if (await source.has(mid)) a = mid;
    else b = mid - 1;
  }
  return [first, await source.lastOf(a)];
}

/** The first ledger closed at or after `unixSeconds`, within first..last (close times only grow). */
export async function ledgerAtTime(source: LedgerSource, unixSeconds: number, first: number, last: number): Promise<number> {
  if ((await source.closeTime(last)) < unixSeconds) {
    throw new FatalError(`${source.label} has no ledger closed on or after ${new Date(unixSeconds * 1000).toISOString()} (its last is ${last})`);
  }
  let a = first;
  let b = last;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if ((await source.closeTime(mid)) >= unixSeconds) b = mid;
    else a = mid + 1;
  }
  return a;
}
