// Writes the batches a run reads, in order and overlapping the next reads. Batches that wait while a transaction
// runs go together into the next one: event ranges hand over a few hundred tokens each, and every transaction has a
// fixed cost.
import type { TokenInfo } from "../contract/types.ts";
import type { Findings } from "./findings.ts";
import type { RunReport } from "./run-report.ts";
import type { Known, RunContext } from "./types.ts";

/** At most this many tokens per transaction. */
export const MAX_BATCH_SIZE = 2000;

interface Queued {
  infos: TokenInfo[];
  /** Tokens this batch stands for, failures included (for progress). */
  count: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class BatchWriter {
  readonly #ctx: RunContext;
  readonly #known: Known;
  readonly #findings: Findings;
  readonly #report: RunReport;
  /** Batches read, waiting for their transaction. */
  readonly #queue: Queued[] = [];
  #draining = false;
  #pending: Promise<void>[] = [];
  #toRead = 0;
  #done = 0;

  constructor(ctx: RunContext, known: Known, findings: Findings, report: RunReport) {
    this.#ctx = ctx;
    this.#known = known;
    this.#findings = findings;
    this.#report = report;
  }

  /** Tokens about to be read: the total that progress reports against. */
  expect(count: number): void {
    this.#toRead += count;
  }

  /** Queues a batch's write; a failure surfaces in flushed(), or in the returned promise. */
  write(infos: TokenInfo[], count: number): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.#queue.push({ infos, count, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
    written.catch(() => {}); // awaited in flushed(); this only keeps an early failure from being "unhandled"
    this.#pending.push(written);
    return written;
  }

  /**
   * Resolves once at most one batch is left to write: reads stay at most one batch ahead of the writes, since with a
   * slower database every batch read so far would otherwise wait in memory for its turn.
   */
  async caughtUp(): Promise<void> {
    await this.#pending.at(-2)?.catch(() => {});
  }

  /** Every batch queued so far written; throws the first failure. */
  async flushed(): Promise<void> {
    await Promise.all(this.#pending);
  }

  /** Every batch queued so far committed or rolled back, failures ignored (a failing run, before the database closes). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#pending);
  }

  /** The ledger the values written are from: the window's end, or what the entries' reads reported. */
  ledger(): number {
    return Math.max(this.#ctx.latestLedger, this.#ctx.reader.latestLedgerSeen);
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = [this.#queue.shift()!];
        let size = group[0]!.infos.length;
        while (this.#queue.length > 0 && size + this.#queue[0]!.infos.length <= MAX_BATCH_SIZE) {
          const next = this.#queue.shift()!;
          group.push(next);
          size += next.infos.length;
        }
        try {
          await this.#write(group.flatMap((g) => g.infos), group.reduce((n, g) => n + g.count, 0));
          for (const g of group) g.resolve();
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #write(infos: TokenInfo[], count: number): Promise<void> {
    const { config, store } = this.#ctx;
    for (const info of infos) {
      if (info.textRepairs.length > 0) this.#report.warn(`token ${info.tokenAddress} stored with changes: ${info.textRepairs.join("; ")}`);
    }
    const { tokens, creators } = this.#findings.writesOf(infos);
    if (config.dryRun) {
      for (const info of infos) this.#report.read(info, "would-sync");
    } else if (tokens.length > 0) {
      const result = await store.writeBatch({ tokens, creators, ledger: this.ledger() });
      const changed = new Set(result.changed);
      for (const info of infos) {
        const address = info.tokenAddress;
        this.#report.read(info, !changed.has(address) ? "unchanged" : this.#known.has(address) ? "updated" : "new");
      }
    }
    this.#done += count;
    this.#ctx.onProgress?.(this.#done, this.#toRead);
  }
}
