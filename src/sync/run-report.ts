// What a run says about itself: its counts (sync_runs), warnings, failures and per-token lines, and the result
// made of them once it is over, the missing-ids check included.
import { SimulationError, UnknownTokenError } from "../contract/factory.ts";
import { DecodeError } from "../contract/codec.ts";
import type { TokenInfo } from "../contract/types.ts";
import type { EventScan } from "../discovery/events.ts";
import type { Logger } from "../internal/logger.ts";
import type { RunCounts } from "../store/token-store.ts";
import { LIST_LIMIT, type Known, type RunResult, type TokenLine, type TokenOutcome } from "./types.ts";

/** What the run found out besides its lines, for result(). */
export interface RunOutcome {
  contractTokenCount: number;
  /** The latest ledger of the node that counted (null or undefined: not said). */
  tokenCountLedger: number | null | undefined;
  known: Known;
  scan: EventScan | null;
  /** On-chain ids of the tokens read in this run. */
  readIds: ReadonlySet<number>;
  /** Tokens found in this run, by any strategy. */
  discoveredTotal: number;
  unscannedCreators: ReadonlySet<string>;
}

export class RunReport {
  readonly counts: RunCounts = { foundEvents: 0, foundStorage: 0, foundManual: 0, synced: 0, unchanged: 0, failed: 0, missing: 0 };
  readonly #warnings: string[] = [];
  readonly #lines: TokenLine[] = [];
  #linesRead = 0;
  readonly #failed = new Map<string, Error>();
  readonly #logger: Logger;
  readonly #listTokens: boolean;

  constructor(logger: Logger, listTokens: boolean) {
    this.#logger = logger;
    this.#listTokens = listTokens;
  }

  /** Tokens that failed in this run, and why. */
  get failed(): ReadonlyMap<string, Error> {
    return this.#failed;
  }

  warn(message: string): void {
    this.#warnings.push(message);
    this.#logger.warn(message);
  }

  fail(address: string, error: Error): void {
    this.#failed.set(address, error);
    this.#line({ address, outcome: "failed", error: error.message, ...(error instanceof UnknownTokenError ? { unknown: true as const } : {}) });
  }

  /** A token read and written (or, in a dry run, that would be). */
  read(info: TokenInfo, outcome: TokenOutcome): void {
    this.#line({ address: info.tokenAddress, outcome, name: info.name, symbol: info.symbol, creator: info.creator, status: info.status });
    if (outcome === "unchanged") this.counts.unchanged++;
    else this.counts.synced++;
  }

  /** True when a failure named by the events might read well next time: the cursor must stay for it. */
  retryableIn(scan: EventScan | null): boolean {
    return [...this.#failed].some(([address, error]) => scan?.tokens.has(address) && !isFinal(error));
  }

  result(run: RunOutcome): RunResult {
    const { contractTokenCount, known, scan } = run;
    const missingIds: number[] = [];
    if (scan) {
      const ids = new Set([...known.values()].map((t) => t.onchainId));
      for (const id of run.readIds) ids.add(id);
      for (let id = 0; id < contractTokenCount; id++) if (!ids.has(id)) missingIds.push(id);
      const launchedLater = launchedAfterScan(missingIds, contractTokenCount, scan, run.tokenCountLedger);
      if (launchedLater > 0) {
        missingIds.length -= launchedLater;
        this.#logger.info(
          `the ${launchedLater} newest tokens were counted by a node ahead of ledger ${scan.toLedger}, where this pass's events end: the next pass reads them`,
        );
      }
      if (missingIds.length > 0) {
        const failedNote = this.#failed.size > 0 ? `; ${this.#failed.size} tokens failed to read (above) and may be among them` : "";
        this.warn(
          `${missingIds.length} of the contract's ${contractTokenCount} tokens are not in the database (ids ${summarizeIds(missingIds)})${failedNote}. ` +
            `Tokens older than the RPC's event window are found only through their creators: pass the creators' addresses with CREATOR_ADDRESS or --creator`,
        );
      }
    }
    this.counts.failed = this.#failed.size;
    this.counts.missing = missingIds.length;
    return {
      partial: this.#failed.size > 0 || missingIds.length > 0 || run.unscannedCreators.size > 0,
      cursor: { from: scan?.fromLedger ?? null, to: scan?.toLedger ?? null },
      discovered: { events: this.counts.foundEvents, storage: this.counts.foundStorage, manual: this.counts.foundManual, total: run.discoveredTotal },
      contractTokenCount,
      missingIds,
      synced: this.counts.synced,
      unchanged: this.counts.unchanged,
      failed: [...this.#failed].map(([address, error]) => ({ address, error: error.message })),
      unscannedCreators: [...run.unscannedCreators],
      tokens: this.#reportedLines(),
      tokensRead: this.#linesRead,
      warnings: this.#warnings,
    };
  }

  #line(line: TokenLine): void {
    this.#linesRead++;
    if (line.outcome === "failed" || this.#listTokens || this.#linesRead <= LIST_LIMIT) this.#lines.push(line);
  }

  /** The lines to report: past LIST_LIMIT tokens, the failures only (unless every line was asked for). */
  #reportedLines(): TokenLine[] {
    if (this.#listTokens || this.#linesRead <= LIST_LIMIT) return this.#lines;
    return this.#lines.filter((l) => l.outcome === "failed");
  }
}

/**
 * How many of the missing ids are launches newer than the events read: the count came from a node ahead of the
 * scan's end (load-balanced nodes lag each other), and ids are given in launch order, so those are the newest.
 * The next pass's events name them; warning now would raise an alarm that the next pass clears.
 */
function launchedAfterScan(missingIds: number[], count: number, scan: EventScan, countedAt: number | null | undefined): number {
  if (countedAt === null || countedAt === undefined || countedAt <= scan.toLedger) return 0;
  let tail = 0;
  while (tail < missingIds.length && missingIds[missingIds.length - 1 - tail] === count - 1 - tail) tail++;
  return tail;
}

/** Failures that a later run would meet again: not a reason to hold the cursor back. */
function isFinal(error: Error): boolean {
  return error instanceof DecodeError || error instanceof SimulationError || error instanceof UnknownTokenError;
}

function summarizeIds(ids: number[]): string {
  const shown = ids.slice(0, 20).join(", ");
  return ids.length > 20 ? `${shown}, … (${ids.length - 20} more)` : shown;
}
