// One run's plan: discover token addresses (events, then creators' lists), read their TokenInfo,
// write them in batches, and move the cursor once nothing in the event window is left to retry.
import { MAX_KEYS_PER_REQUEST } from "../contract/factory.ts";
import type { TokenInfo } from "../contract/types.ts";
import { scanFactoryEvents, type EventScan } from "../discovery/events.ts";
import { MarketLog } from "../discovery/market-log.ts";
import { throwIfAborted } from "../internal/errors.ts";
import type { RunCounts } from "../store/token-store.ts";
import type { TradeStage } from "../store/trade-stage.ts";
import { BatchWriter, MAX_BATCH_SIZE } from "./batch-writer.ts";
import { CreatorDiscovery } from "./creator-discovery.ts";
import { Findings } from "./findings.ts";
import { RunReport } from "./run-report.ts";
import { StaleAwareReader } from "./stale-reads.ts";
import type { Known, RunContext, RunResult } from "./types.ts";
import { eventWindow, type EventWindow } from "./window.ts";

export class SyncRun {
  readonly #ctx: RunContext;
  readonly #report: RunReport;
  readonly #findings = new Findings();
  readonly #reader: StaleAwareReader;
  readonly #requested = new Set<string>();
  /** Every read started, so that a failing run can wait for them before the database closes. */
  readonly #reads: Promise<unknown>[] = [];
  #writer: BatchWriter | null = null;
  /** Ledger ranges whose trades this run could not read: the window's gap and what slid out during the scan. */
  #holes: Array<[number, number]> = [];
  /** The window's trades, inserted as pages are read, committed with the cursor (none on PGlite: see stageTrades). */
  #staged: TradeStage | undefined;

  constructor(ctx: RunContext) {
    this.#ctx = ctx;
    this.#report = new RunReport(ctx.logger, ctx.listTokens ?? false);
    this.#reader = new StaleAwareReader(ctx.reader, ctx.signal);
    if (ctx.discovered?.market) this.#findings.launchesIn(ctx.discovered.market.launches);
  }

  /** What sync_runs records of the run, so far. */
  get counts(): RunCounts {
    return this.#report.counts;
  }

  async execute(): Promise<RunResult> {
    try {
      return await this.#execute();
    } catch (error) {
      // Let the reads in flight end and the batch being written commit (or roll back) before the caller closes
      // the database.
      await Promise.allSettled(this.#reads);
      await this.#writer?.settled();
      await this.#staged?.abandon();
      throw error;
    }
  }

  async #execute(): Promise<RunResult> {
    const { config, store } = this.#ctx;
    // A read of named tokens needs only their rows, not the whole table's.
    const known = await store.knownTokens(config.tokens.length > 0 ? config.tokens : undefined);
    const writer = (this.#writer = new BatchWriter(this.#ctx, known, this.#findings, this.#report));
    let scan: EventScan | null = null;
    if (config.tokens.length > 0) {
      for (const token of config.tokens) this.#findings.token(token, "MANUAL");
      this.#report.counts.foundManual = config.tokens.length;
      await this.#read(config.tokens);
    } else {
      scan = await this.#discover(known);
      await writer.flushed();
      await this.#rereadStale();
    }
    await writer.flushed();
    throwIfAborted(this.#ctx.signal); // a signal during the last reads: stop before the cursor moves
    await this.#finish(scan, writer);
    return this.#report.result({
      contractTokenCount: this.#ctx.tokenCount,
      tokenCountLedger: this.#ctx.tokenCountLedger,
      known,
      scan,
      readIds: this.#findings.readIds,
      discoveredTotal: this.#findings.tokens,
      unscannedCreators: this.#findings.unscanned,
    });
  }

  /**
   * Discovery, with the RPC kept busy: the creators' lists are read while the events are scanned, and each event
   * range's tokens are read (and written) as soon as the range is done. Tokens that only the lists name are read
   * once the scan is over, so a token named by both is recorded as found by its events, whatever the timing.
   */
  async #discover(known: Known): Promise<EventScan> {
    const window = await eventWindow(this.#ctx, known, (m) => this.#report.warn(m));
    if (window.missed) this.#holes.push(window.missed);
    const creatorDiscovery = new CreatorDiscovery(
      this.#ctx,
      known,
      { findings: this.#findings, report: this.#report },
      (tokens) => this.#read(tokens),
    );
    const creators = await creatorDiscovery.known(window.fresh);
    const early = creators.pending;
    const earlyScan = creatorDiscovery.scan(early);
    earlyScan.catch(() => {}); // an outage: awaited (and thrown) below, not "unhandled" while the events are read
    const eventReads: Array<Promise<Set<string>>> = [];
    // Event-named tokens are read a full batch at a time as ranges hand them over, the rest once the scan is over:
    // requests stay full (200 keys), and how many there are does not depend on which range finished first.
    const named: string[] = [];
    const batch = this.#batchSize;
    let scan: EventScan;
    try {
      scan = await this.#scanEvents(window, (tokens) => {
        named.push(...tokens);
        while (named.length >= batch) eventReads.push(this.#read(named.splice(0, batch)));
      });
    } catch (error) {
      await Promise.allSettled([earlyScan]);
      throw error;
    }
    const fresh = window.fresh || scan.slidOut.length > 0;
    const contractTokenCount = this.#ctx.tokenCount;
    let discovered = known.size;
    for (const token of scan.tokens.keys()) if (!known.has(token)) discovered++;
    const incomplete = contractTokenCount > discovered;
    if (incomplete && !fresh) {
      this.#ctx.logger.info(`the contract reports ${contractTokenCount} tokens and ${discovered} are known: scanning every known creator`);
    }
    // What is left of the ranges' tokens, and history's (merged into the scan).
    eventReads.push(this.#read([...named, ...scan.tokens.keys()]));
    // After a gap, a known token may have changed in ledgers nobody can read any more.
    if (fresh) eventReads.push(this.#read([...known.keys()]));
    // The creators of the tokens the events named: known once those reads are done.
    const revealed = Promise.all(eventReads).then((sets) => new Set(sets.flatMap((set) => [...set])));
    revealed.catch(() => {}); // awaited in the creators' rounds
    await creatorDiscovery.rounds(creators, {
      everyCreator: fresh || incomplete,
      rereadKnown: fresh,
      revealed,
      early: { creators: early, scan: earlyScan },
    });
    return scan;
  }

  /** Scans the events from the window's start to the latest ledger; `onRange` gets each range's new tokens. */
  async #scanEvents(window: EventWindow, onRange: (tokens: string[]) => void): Promise<EventScan> {
    const { config, latestLedger } = this.#ctx;
    const from = window.from;
    const staged = (this.#staged = config.trades && !config.dryRun ? this.#ctx.store.stageTrades() : undefined);
    const market = config.trades ? new MarketLog(staged && ((trades) => staged.add(trades))) : undefined;
    if (market) this.#findings.launchesIn(market.launches);
    const scan = await scanFactoryEvents({
      rpc: this.#ctx.rpc,
      contractId: config.contractId,
      fromLedger: from,
      toLedger: latestLedger,
      concurrency: config.concurrency,
      logger: this.#ctx.logger,
      tokens: this.#reader.eventLedgers,
      market,
      onRange: (tokens) => {
        throwIfAborted(this.#ctx.signal);
        for (const token of tokens) this.#findings.token(token, "EVENTS");
        onRange(tokens);
      },
    });
    this.#holes.push(...scan.slidOut);
    if (scan.slidOut.length > 0) {
      const ranges = scan.slidOut.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join(", ");
      const cover = !window.fresh ? "; every known creator is rescanned to cover the gap" : "";
      this.#report.warn(`the RPC's retention window moved while the run read it: ledgers ${ranges} slid out before they were read${cover}`);
    }
    const history = this.#ctx.discovered;
    if (history) {
      for (const [token, ledger] of history.tokens) {
        if ((scan.tokens.get(token) ?? -1) < ledger) scan.tokens.set(token, ledger);
        this.#findings.token(token, "EVENTS");
      }
      for (const [token, creator] of history.launches) scan.launches.set(token, creator);
    }
    const counts = this.#report.counts;
    counts.fromLedger = from;
    counts.toLedger = scan.toLedger;
    counts.foundEvents = scan.tokens.size;
    for (const creator of scan.launches.values()) this.#findings.creator(creator, "EVENT");
    // A node behind the ledger aimed for ended the scan early (load-balanced nodes lag): the next pass reads on.
    const short = scan.toLedger < latestLedger && from <= latestLedger ? ` (a node answering was at ledger ${scan.toLedger}; the next pass reads on)` : "";
    this.#ctx.logger.info(
      from > latestLedger
        ? `events: no new ledger since the last run (ledger ${latestLedger})`
        : `events: ${scan.events} factory events in ledgers ${from}..${scan.toLedger} named ${scan.tokens.size} tokens${short}`,
    );
    return scan;
  }

  /**
   * Reads the tokens not yet requested in this run, queues their writes, and returns the creators of those read
   * (not the values: a run of 100,000 tokens would hold every one of them until discovery ends).
   */
  #read(tokens: string[]): Promise<Set<string>> {
    const reading = this.#readNew(tokens);
    reading.catch(() => {}); // awaited by its caller, or settled in execute() when the run fails first
    this.#reads.push(reading);
    return reading;
  }

  async #readNew(tokens: string[]): Promise<Set<string>> {
    const writer = this.#writer!;
    const todo = tokens.filter((t) => !this.#requested.has(t));
    for (const t of todo) this.#requested.add(t);
    writer.expect(todo.length);
    const creators = new Set<string>();
    const batchSize = this.#batchSize;
    for (let i = 0; i < todo.length; i += batchSize) {
      throwIfAborted(this.#ctx.signal);
      const slice = todo.slice(i, i + batchSize);
      await writer.caughtUp();
      const results = await this.#reader.readBatch(slice);
      const batch: TokenInfo[] = [];
      for (const [address, info] of results) {
        if (info instanceof Error) this.#report.fail(address, info);
        else batch.push(info);
      }
      for (const info of batch) creators.add(info.creator);
      // Writing overlaps the next batch's reads; writes stay in order.
      void writer.write(batch, slice.length);
    }
    return creators;
  }

  /** Tokens read at once: one batch fills every parallel getLedgerEntries request, so no request slot idles. */
  get #batchSize(): number {
    return Math.min(MAX_BATCH_SIZE, MAX_KEYS_PER_REQUEST * this.#ctx.config.concurrency);
  }

  /**
   * Tokens read before a later range named them again, from a node behind that later event: read once more, so
   * that no stored state is older than the events the cursor passes.
   */
  async #rereadStale(): Promise<void> {
    const stale = this.#reader.staleTokens().filter((t) => !this.#report.failed.has(t));
    if (stale.length === 0) return;
    for (const t of stale) this.#requested.delete(t);
    await this.#read(stale);
    await this.#writer!.flushed();
  }

  /** The creators met in this run and, when nothing in the window is left to retry, the cursor. */
  async #finish(scan: EventScan | null, writer: BatchWriter): Promise<void> {
    const { config } = this.#ctx;
    if (config.dryRun) return;
    const creators = this.#findings.creatorWrites();
    const retryable = this.#report.retryableIn(scan);
    if (scan && retryable) this.#report.warn("some tokens named by events could not be read: the cursor stays, and the next run reads them again");
    // A creator left unscanned may hold tokens that changed where no event is left to say so.
    const unscanned = this.#findings.unscanned;
    if (scan !== null && unscanned.size > 0) {
      this.#report.warn(`${unscanned.size} creators' token lists could not be read: the cursor stays, and the next run scans them again`);
    }
    const moveCursor = scan !== null && !retryable && unscanned.size === 0 && scan.toLedger >= scan.fromLedger;
    const staged = moveCursor ? this.#staged : undefined;
    if (!staged) await this.#staged?.abandon();
    // The window's trades go with the cursor that passes them; history's (the backfill's, below the cursor) always.
    const market = new MarketLog();
    if (moveCursor && scan.market) market.merge(scan.market);
    if (this.#ctx.discovered?.market) market.merge(this.#ctx.discovered.market);
    const holes = moveCursor && config.trades ? this.#holes : [];
    const filled = this.#ctx.discovered?.read ?? [];
    const writeMarket = !market.empty || holes.length > 0 || filled.length > 0;
    // A read of named tokens meets no creator to record and moves no cursor: no transaction to spend.
    if (creators.length === 0 && !moveCursor && !writeMarket) return;
    await this.#ctx.store.writeBatch({
      tokens: [],
      creators,
      ledger: writer.ledger(),
      cursor: moveCursor
        ? {
            networkPassphrase: config.networkPassphrase,
            lastLedger: scan.toLedger,
            // The hash read is the aimed-for ledger's: a scan that a lagging node ended early has no fingerprint.
            lastLedgerHash: scan.toLedger === this.#ctx.latestLedger ? this.#ctx.latestLedgerHash : null,
          }
        : undefined,
      market: writeMarket ? { trades: market.trades(), launches: market.launches, graduations: market.graduations, holes, filled } : undefined,
      staged,
    });
  }
}
