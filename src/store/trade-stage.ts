// A run's trades, inserted while the run still reads: into a transaction of their own, opened with the first page
// of them, which the cursor's statements then join and commit, so that the trades still commit with the cursor
// that passes them, or not at all. Inserting a busy window's 20,000 trades (with their indexes and hourly candles)
// takes about as long as every token write of the run; done after the last read, that time was added to the run.
// Should the transaction fail (the server ended it: a restart, an idle-in-transaction timeout), the cursor's own
// transaction writes every trade instead: the insert skips repeats, so nothing is lost or doubled.
import type { Trade } from "../contract/market-events.ts";
import { commitAfter, type Database, type OpenTransaction, type SqlSession } from "./database.ts";
import { encodeTrades, insertTrades, type EncodedTrades, type TradeInsert } from "./trade-store.ts";

export class TradeStage {
  /** Every trade handed over, encoded (compact, unlike 20,000 objects kept alive): written again if this one failed. */
  readonly encoded: EncodedTrades[] = [];
  #tx: Promise<OpenTransaction> | undefined;
  /** The inserts, one after another on the transaction's connection. */
  #chain: Promise<void> = Promise.resolve();
  #failed = false;
  #ended = false;

  constructor(
    private readonly db: Database,
    private readonly open: () => Promise<OpenTransaction>,
    private readonly contractId: string,
    private readonly insert: TradeInsert,
  ) {}

  /** Queues the trades' insert; never throws (a failure shows in commit()). */
  add(trades: readonly Trade[]): void {
    if (trades.length === 0 || this.#ended) return;
    const chunks = encodeTrades(trades);
    this.encoded.push(...chunks);
    this.#chain = this.#chain.then(async () => {
      if (this.#failed || this.#ended) return;
      try {
        const tx = await (this.#tx ??= this.open());
        await insertTrades(tx, this.contractId, chunks, this.insert);
      } catch {
        this.#failed = true;
      }
    });
  }

  /**
   * Runs `finish` in the staged transaction and commits both. Throws when either failed (rolled back): the caller
   * then writes `encoded` with `finish`'s statements in a transaction of its own.
   */
  async commit<T>(finish: (tx: SqlSession) => Promise<T>): Promise<T> {
    await this.#chain;
    this.#ended = true;
    if (this.#tx === undefined) return this.db.transaction(finish);
    const tx = await this.#tx.catch(() => undefined);
    if (!tx) throw new Error("the staged trades' transaction did not open");
    if (this.#failed) {
      await tx.rollback();
      throw new Error("the staged trades' insert failed");
    }
    return commitAfter(tx, finish);
  }

  /** Rolls the staged trades back (the run stopped, or its cursor stays) and frees the connection. */
  async abandon(): Promise<void> {
    this.#ended = true;
    await this.#chain;
    const tx = await this.#tx?.catch(() => undefined);
    await tx?.rollback();
  }
}
