// One run's plan: discover token addresses (events, then creators' lists), read their TokenInfo,
// write them in batches, and move the cursor once nothing in the event window is left to retry.
import type { SyncConfig } from "./config.ts";
import { MAX_KEYS_PER_REQUEST, SimulationError, UnknownTokenError, type FactoryReader } from "./contract/factory.ts";
import type { TokenInfo } from "./contract/types.ts";
import { scanCreators, type CreatorScan } from "./discovery/creators.ts";
import { scanFactoryEvents, type Discovered, type EventScan } from "./discovery/events.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { InterruptedError } from "./errors.ts";
import { RpcUnavailableError, type RpcClient } from "./rpc/client.ts";
import { DecodeError } from "./contract/codec.ts";
import { LIST_LIMIT } from "./report.ts";
import type { CreatorSource, CreatorWrite, DiscoverySource, RunCounts, SyncStateRow, TokenStore, TokenWrite } from "./store/token-store.ts";

/** At most this many tokens per transaction. */
const MAX_BATCH_SIZE = 2000;
/**
 * A stored cursor this far ahead of the RPC's latest ledger means the network was reset; less is
 * an RPC lagging behind (e.g. after switching providers), which is only waited out.
 */
const RESET_MARGIN_LEDGERS = 1000;
/**
 * An RPC this many ledgers behind the stored cursor is worth a warning (a stale provider); less is load-balanced
 * nodes lagging each other, which only means that the pass has nothing to read yet.
 */
const LAG_WARNING_LEDGERS = 60;
/** Reads of tokens answered by a node behind their latest event are asked again this often, after a pause each. */
const STALE_READ_RETRIES = 4;
const STALE_READ_PAUSE_MS = 250;

/** A token's state came from a node that had not yet seen its latest event: the next pass reads it again. */
export class StaleReadError extends Error {
  override name = "StaleReadError";
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export type TokenOutcome = "new" | "updated" | "unchanged" | "failed" | "would-sync";

export interface TokenLine {
  address: string;
  outcome: TokenOutcome;
  name?: string;
  symbol?: string;
  creator?: string;
  status?: string;
  error?: string;
  /** Set when the factory answered that it has no such token (a final answer, not a failure to read). */
  unknown?: true;
}

export interface RunResult {
  /** Something was left undone: tokens failed, ids are missing, or creators' lists could not be read. */
  partial: boolean;
  cursor: { from: number | null; to: number | null };
  discovered: { events: number; storage: number; manual: number; total: number };
  contractTokenCount: number;
  missingIds: number[];
  synced: number;
  unchanged: number;
  failed: { address: string; error: string }[];
  /** Creators whose token list could not be read: the cursor stayed for them. */
  unscannedCreators: string[];
  /**
   * Per-token lines: every failure, and the others only when the run read at most LIST_LIMIT tokens or
   * `listTokens` was asked for (a line per token would grow with the launchpad).
   */
  tokens: TokenLine[];
  /** Tokens read in this run: the lines there were, whether kept or not. */
  tokensRead: number;
  warnings: string[];
}

export interface RunContext {
  config: SyncConfig;
  rpc: RpcClient;
  reader: FactoryReader;
  store: TokenStore;
  logger: Logger;
  latestLedger: number;
  oldestLedger: number;
  /** Hash of latestLedger (stored with the cursor as the chain's fingerprint), when known. */
  latestLedgerHash: string | null;
  tokenCount: number;
  /** The latest ledger of the node that counted (null: not said). */
  tokenCountLedger?: number | null;
  /** Tokens and launches found outside the RPC's window (history), read like those the events name. */
  discovered?: Discovered | undefined;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Keep a line for every token read, however many. */
  listTokens?: boolean;
}

type Known = Map<string, { onchainId: number; creator: string }>;

interface KnownCreators {
  /** Creators a person named (their tokens count as found manually). */
  manual: Set<string>;
  /** Creators whose list an earlier run read. */
  scannedBefore: Set<string>;
  /** Creators to scan while the events are read. */
  pending: string[];
}

export class SyncRun {
  readonly counts: RunCounts = { foundEvents: 0, foundStorage: 0, foundManual: 0, synced: 0, unchanged: 0, failed: 0, missing: 0 };
  readonly #warnings: string[] = [];
  readonly #lines: TokenLine[] = [];
  #linesRead = 0;
  readonly #failed = new Map<string, Error>();
  /** How each token was first found in this run: discovered_via of new rows. */
  readonly #source = new Map<string, DiscoverySource>();
  readonly #creatorSource = new Map<string, CreatorSource>();
  readonly #scanned = new Set<string>();
  /** Creators that already have a row: finish() only rewrites those scanned in this run. */
  readonly #storedCreators = new Set<string>();
  readonly #requested = new Set<string>();
  readonly #readIds = new Set<number>();
  readonly #storageFound = new Set<string>();
  readonly #manualFound = new Set<string>();
  /** Batches read, waiting for their transaction (see #queueWrite). */
  readonly #writeQueue: Array<{ infos: TokenInfo[]; count: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  #draining = false;
  /** Creators whose token list could not be read in this run. */
  readonly #unscanned = new Set<string>();
  #pendingWrites: Promise<void>[] = [];
  /** Every read started, so that a failing run can wait for them before the database closes. */
  readonly #reads: Promise<unknown>[] = [];
  #toRead = 0;
  #done = 0;
  /** Token -> ledger of its latest event read: its state must come from a node at least there. */
  readonly #eventLedgers = new Map<string, number>();
  /** Token -> latest ledger of the node its state was read from. */
  readonly #readAt = new Map<string, number>();

  constructor(private readonly ctx: RunContext) {}

  async execute(): Promise<RunResult> {
    try {
      return await this.#execute();
    } catch (error) {
      // Let the reads in flight end and the batch being written commit (or roll back) before the caller closes
      // the database.
      await Promise.allSettled(this.#reads);
      await Promise.allSettled(this.#pendingWrites);
      throw error;
    }
  }

  async #execute(): Promise<RunResult> {
    const { config, store } = this.ctx;
    // A read of named tokens needs only their rows, not the whole table's.
    const known = await store.knownTokens(config.tokens.length > 0 ? config.tokens : undefined);
    let scan: EventScan | null = null;
    if (config.tokens.length > 0) {
      for (const token of config.tokens) this.#source.set(token, "MANUAL");
      this.counts.foundManual = config.tokens.length;
      await this.read(config.tokens, known);
    } else {
      scan = await this.discover(known);
      await Promise.all(this.#pendingWrites);
      await this.rereadStale(known);
    }
    await Promise.all(this.#pendingWrites);
    this.checkAborted(); // a signal during the last reads: stop before the cursor moves
    await this.finish(scan);
    return this.result(this.ctx.tokenCount, known, scan);
  }

  /**
   * Discovery, with the RPC kept busy: the creators' lists are read while the events are scanned, and each event
   * range's tokens are read (and written) as soon as the range is done. Tokens that only the lists name are read
   * once the scan is over, so a token named by both is recorded as found by its events, whatever the timing.
   */
  private async discover(known: Known): Promise<EventScan> {
    const window = await this.window(known);
    const creators = await this.knownCreators(known, window.fresh);
    const early = creators.pending;
    const earlyScan = this.scanCreators(early);
    earlyScan.catch(() => {}); // an outage: awaited (and thrown) below, not "unhandled" while the events are read
    const eventReads: Array<Promise<Set<string>>> = [];
    // Event-named tokens are read a full batch at a time as ranges hand them over, the rest once the scan is over:
    // requests stay full (200 keys), and how many there are does not depend on which range finished first.
    const named: string[] = [];
    const batch = this.#batchSize;
    let scan: EventScan;
    try {
      scan = await this.scanEvents(window, (tokens) => {
        named.push(...tokens);
        while (named.length >= batch) eventReads.push(this.read(named.splice(0, batch), known));
      });
    } catch (error) {
      await Promise.allSettled([earlyScan]);
      throw error;
    }
    const fresh = window.fresh || scan.slidOut.length > 0;
    const contractTokenCount = this.ctx.tokenCount;
    let discovered = known.size;
    for (const token of scan.tokens.keys()) if (!known.has(token)) discovered++;
    const incomplete = contractTokenCount > discovered;
    if (incomplete && !fresh) {
      this.ctx.logger.info(`the contract reports ${contractTokenCount} tokens and ${discovered} are known: scanning every known creator`);
    }
    // What is left of the ranges' tokens, and history's (merged into the scan).
    eventReads.push(this.read([...named, ...scan.tokens.keys()], known));
    // After a gap, a known token may have changed in ledgers nobody can read any more.
    if (fresh) eventReads.push(this.read([...known.keys()], known));
    // The creators of the tokens the events named: known once those reads are done.
    const revealed = Promise.all(eventReads).then((sets) => new Set(sets.flatMap((set) => [...set])));
    revealed.catch(() => {}); // awaited in discoverThroughCreators
    await this.discoverThroughCreators(known, creators, {
      everyCreator: fresh || incomplete,
      rereadKnown: fresh,
      revealed,
      early: { creators: early, scan: earlyScan },
    });
    return scan;
  }

  /** Where this run's event scan starts, and whether the stored rows must be read again (first run, --full, gap). */
  private async window(known: Known): Promise<{ from: number; fresh: boolean; incremental: boolean }> {
    const { config, store, latestLedger, oldestLedger } = this.ctx;
    let state = await store.loadState();
    const reset = state && (await this.detectReset(state, known));
    if (reset) {
      // The rows describe tokens of a chain that no longer exists: start this contract afresh.
      const removed = config.dryRun ? 0 : await store.resetContract();
      this.warn(`network reset: ${reset}; starting this contract's sync afresh${removed ? ` (removed ${removed} tokens of the old chain)` : ""}`);
      known.clear();
      state = null;
    } else if (state && state.lastLedger > latestLedger) {
      // A node behind the one the last pass read (load balancers, or a slower provider): nothing to read yet.
      const behind = state.lastLedger - latestLedger;
      const say = `the RPC is ${behind} ledgers behind the last run: nothing new to read from it yet`;
      if (behind >= LAG_WARNING_LEDGERS) this.warn(say);
      else this.ctx.logger.info(say);
    }
    let from = state && !config.full ? state.lastLedger + 1 : oldestLedger;
    let gap = false;
    if (from < oldestLedger) {
      gap = true;
      this.warn(
        `events from ledger ${from} to ${oldestLedger - 1} were missed: they fell out of the RPC's retention window; every known creator is rescanned to cover the gap`,
      );
      from = oldestLedger;
    }
    return { from, fresh: !state || config.full || gap, incremental: state !== null && !config.full && !gap };
  }

  /** Scans the events from the window's start to the latest ledger; `onRange` gets each range's new tokens. */
  private async scanEvents(window: { from: number; incremental: boolean }, onRange: (tokens: string[]) => void): Promise<EventScan> {
    const { config, latestLedger } = this.ctx;
    const from = window.from;
    const scan = await scanFactoryEvents({
      rpc: this.ctx.rpc,
      contractId: config.contractId,
      fromLedger: from,
      toLedger: latestLedger,
      concurrency: config.concurrency,
      logger: this.ctx.logger,
      tokens: this.#eventLedgers,
      onRange: (tokens) => {
        this.checkAborted();
        for (const token of tokens) this.#source.set(token, "EVENTS");
        onRange(tokens);
      },
    });
    if (scan.slidOut.length > 0) {
      const ranges = scan.slidOut.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join(", ");
      const cover = window.incremental ? "; every known creator is rescanned to cover the gap" : "";
      this.warn(`the RPC's retention window moved while the run read it: ledgers ${ranges} slid out before they were read${cover}`);
    }
    const history = this.ctx.discovered;
    if (history) {
      for (const [token, ledger] of history.tokens) {
        if ((scan.tokens.get(token) ?? -1) < ledger) scan.tokens.set(token, ledger);
        this.#source.set(token, "EVENTS");
      }
      for (const [token, creator] of history.launches) scan.launches.set(token, creator);
    }
    this.counts.fromLedger = from;
    this.counts.toLedger = scan.toLedger;
    this.counts.foundEvents = scan.tokens.size;
    for (const creator of scan.launches.values()) this.noteCreator(creator, "EVENT");
    // A node behind the ledger aimed for ended the scan early (load-balanced nodes lag): the next pass reads on.
    const short = scan.toLedger < latestLedger && from <= latestLedger ? ` (a node answering was at ledger ${scan.toLedger}; the next pass reads on)` : "";
    this.ctx.logger.info(
      from > latestLedger
        ? `events: no new ledger since the last run (ledger ${latestLedger})`
        : `events: ${scan.events} factory events in ledgers ${from}..${scan.toLedger} named ${scan.tokens.size} tokens${short}`,
    );
    return scan;
  }

  /**
   * Why the stored state belongs to a chain that no longer exists, or null. Testnet resets keep the passphrase,
   * and a deterministic redeploy keeps the contract id, so the passphrase alone cannot tell.
   */
  private async detectReset(state: SyncStateRow, known: Known): Promise<string | null> {
    const { config, latestLedger, oldestLedger, tokenCount, reader } = this.ctx;
    if (state.networkPassphrase !== config.networkPassphrase) return `the stored cursor belongs to network "${state.networkPassphrase}"`;
    if (state.lastLedger > latestLedger + RESET_MARGIN_LEDGERS) {
      return `the stored cursor (ledger ${state.lastLedger}) is ahead of the chain (ledger ${latestLedger})`;
    }
    if (state.lastLedgerHash && state.lastLedger >= oldestLedger && state.lastLedger <= latestLedger) {
      const hash = await reader.getLedgerHash(state.lastLedger);
      if (hash !== null && hash !== state.lastLedgerHash) return `ledger ${state.lastLedger} has another hash than when it was read`;
      if (hash !== null) return null;
    }
    // No fingerprint to compare (out of the window, a node behind it, or an RPC without getLedgers). The contract
    // never deletes a token, so the stored tokens must still exist. A count below the stored rows alone proves
    // nothing: a load-balanced node behind the last run counts fewer.
    const sample = sampleOf([...known.keys()], MAX_KEYS_PER_REQUEST);
    const inWindow = state.lastLedger >= oldestLedger;
    const fewer = tokenCount < known.size;
    if (sample.length > 0 && (!inWindow || fewer || reader.servesLedgers === false)) {
      const present = await reader.existingTokenEntries(sample);
      if (present.size === 0) {
        return fewer
          ? `the contract reports ${tokenCount} tokens, fewer than the ${known.size} stored, and none of ${sample.length} stored tokens exists on the chain any more`
          : `none of ${sample.length} stored tokens exists on the chain any more`;
      }
    } else if (inWindow && reader.servesLedgers === false) {
      this.ctx.logger.info("reset check skipped: the RPC serves no getLedgers (no ledger hash to compare) and no token is stored yet");
    }
    return null;
  }

  /**
   * The creators this run knows before its event scan (configured, and stored), and those of them to scan at
   * once: all of them when the stored rows are read again, else those never scanned.
   */
  private async knownCreators(known: Known, everyCreator: boolean): Promise<KnownCreators> {
    const manual = new Set(this.ctx.config.creators.map((c) => c.address));
    for (const c of this.ctx.config.creators) this.noteCreator(c.address, c.source);
    const scannedBefore = new Set<string>();
    for (const c of await this.ctx.store.knownCreators()) {
      this.noteCreator(c.address, "DATABASE");
      this.#storedCreators.add(c.address);
      if (c.scanned) scannedBefore.add(c.address);
    }
    return { manual, scannedBefore, pending: [...this.#creatorsToScan(known, scannedBefore, everyCreator)] };
  }

  /**
   * Storage and manual strategies: read creators' token lists, read the new tokens, and scan the
   * creators those tokens reveal, until no new creator turns up. The lists of `early` were read during the scan.
   */
  private async discoverThroughCreators(
    known: Known,
    { manual, scannedBefore }: KnownCreators,
    options: {
      everyCreator: boolean;
      rereadKnown: boolean;
      /** The creators of the tokens the events named, once read. */
      revealed: Promise<Set<string>>;
      early: { creators: string[]; scan: Promise<CreatorScan> };
    },
  ): Promise<void> {
    const { everyCreator, rereadKnown, revealed, early } = options;
    const pending = this.#creatorsToScan(known, scannedBefore, everyCreator);
    const attempted = new Set(early.creators);
    // The early lists' tokens are read while the event-named tokens still are: the scan is over, so which strategy
    // found a token no longer depends on timing.
    let reading = this.readCreatorTokens(await early.scan, known, manual, rereadKnown);
    for (const creator of await revealed) {
      if (!scannedBefore.has(creator)) {
        this.noteCreator(creator, "TOKEN");
        pending.add(creator);
      }
    }
    for (;;) {
      const readCreators = await reading;
      // A token named only by an event may belong to a creator nobody has scanned yet.
      for (const creator of readCreators) {
        if (!this.#scanned.has(creator) && !scannedBefore.has(creator)) {
          this.noteCreator(creator, "TOKEN");
          pending.add(creator);
        }
      }
      const batch = [...pending].filter((c) => !attempted.has(c));
      if (batch.length === 0) break;
      for (const c of batch) attempted.add(c);
      this.checkAborted();
      reading = this.readCreatorTokens(await this.scanCreators(batch), known, manual, rereadKnown);
    }
    this.counts.foundStorage = this.#storageFound.size;
    this.counts.foundManual += this.#manualFound.size;
  }

  /**
   * The creators met so far whose lists this run reads. A creator scanned before gains tokens only by launching,
   * and launches are events this run reads: it needs another scan only when the events may have a gap.
   */
  #creatorsToScan(known: Known, scannedBefore: Set<string>, everyCreator: boolean): Set<string> {
    const pending = new Set([...this.#creatorSource.keys()].filter((c) => everyCreator || !scannedBefore.has(c)));
    if (everyCreator) for (const t of known.values()) pending.add(t.creator);
    return pending;
  }

  /** Takes in one round of creators' lists and reads the tokens on them; returns the creators of those read. */
  private readCreatorTokens(result: CreatorScan, known: Known, manual: Set<string>, rereadKnown: boolean): Promise<Set<string>> {
    for (const c of result.scanned) this.#scanned.add(c);
    for (const c of result.failed.keys()) this.#unscanned.add(c);
    if (result.failed.size > 0) {
      const [first] = result.failed;
      const who = result.failed.size === 1 ? `creator ${first![0]}` : `${result.failed.size} creators (first: ${first![0]})`;
      this.warn(`could not read the token list of ${who}: ${first![1].message}`);
    }
    const fresh: string[] = [];
    for (const [token, creator] of result.tokens) {
      const viaManual = manual.has(creator);
      (viaManual ? this.#manualFound : this.#storageFound).add(token);
      if (!this.#source.has(token)) this.#source.set(token, viaManual ? "MANUAL" : "STORAGE");
      if (!known.has(token) || rereadKnown) fresh.push(token);
    }
    return this.read(fresh, known);
  }

  private async scanCreators(creators: string[]): Promise<CreatorScan> {
    try {
      return await scanCreators(this.ctx.reader, creators);
    } catch (error) {
      if (error instanceof InterruptedError || error instanceof RpcUnavailableError) throw error;
      // Their tokens are still found by a later run: the count check rescans every creator while ids are missing.
      const e = error instanceof Error ? error : new Error(String(error));
      return { tokens: new Map(), scanned: [], failed: new Map(creators.map((c) => [c, e])) };
    }
  }

  /**
   * Reads the tokens not yet requested in this run, queues their writes, and returns the creators of those read
   * (not the values: a run of 100,000 tokens would hold every one of them until discovery ends).
   */
  private read(tokens: string[], known: Known): Promise<Set<string>> {
    const reading = this.#read(tokens, known);
    reading.catch(() => {}); // awaited by its caller, or settled in execute() when the run fails first
    this.#reads.push(reading);
    return reading;
  }

  async #read(tokens: string[], known: Known): Promise<Set<string>> {
    const todo = tokens.filter((t) => !this.#requested.has(t));
    for (const t of todo) this.#requested.add(t);
    this.#toRead += todo.length;
    const creators = new Set<string>();
    const batchSize = this.#batchSize;
    for (let i = 0; i < todo.length; i += batchSize) {
      this.checkAborted();
      const slice = todo.slice(i, i + batchSize);
      // Reads stay at most one batch ahead of the writes: with a slower database, every batch read so far would
      // otherwise wait in memory for its turn.
      await this.#pendingWrites.at(-2)?.catch(() => {});
      const results = await this.readBatch(slice);
      const batch: TokenInfo[] = [];
      for (const [address, info] of results) {
        if (info instanceof Error) this.fail(address, info);
        else batch.push(info);
      }
      for (const info of batch) creators.add(info.creator);
      // Writing overlaps the next batch's reads; writes stay in order.
      const written = this.#queueWrite(batch, known, slice.length);
      written.catch(() => {}); // awaited in execute(); this only keeps an early failure from being "unhandled"
      this.#pendingWrites.push(written);
    }
    return creators;
  }

  /** Tokens read at once: one batch fills every parallel getLedgerEntries request, so no request slot idles. */
  get #batchSize(): number {
    return Math.min(MAX_BATCH_SIZE, MAX_KEYS_PER_REQUEST * this.ctx.config.concurrency);
  }

  /**
   * Queues a batch's write. Batches that wait while a transaction runs go together into the next one (at most
   * MAX_BATCH_SIZE tokens): event ranges hand over a few hundred tokens each, and every transaction has a fixed cost.
   */
  #queueWrite(infos: TokenInfo[], known: Known, count: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#writeQueue.push({ infos, count, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drainWrites(known);
      }
    });
  }

  async #drainWrites(known: Known): Promise<void> {
    try {
      while (this.#writeQueue.length > 0) {
        const group = [this.#writeQueue.shift()!];
        let size = group[0]!.infos.length;
        while (this.#writeQueue.length > 0 && size + this.#writeQueue[0]!.infos.length <= MAX_BATCH_SIZE) {
          const next = this.#writeQueue.shift()!;
          group.push(next);
          size += next.infos.length;
        }
        try {
          await this.write(group.flatMap((g) => g.infos), known, group.reduce((n, g) => n + g.count, 0));
          for (const g of group) g.resolve();
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  private async readBatch(tokens: string[]): Promise<Map<string, TokenInfo | Error>> {
    try {
      const results = await this.ctx.reader.readTokenInfos(tokens, this.#readAt);
      // Load-balanced nodes lag each other: one behind a token's latest event answers with an older state (or none,
      // before its launch). Ask again; the balancer soon sends the request to a node that has caught up.
      for (let attempt = 1; ; attempt++) {
        const stale = tokens.filter((t) => this.#isStale(t));
        if (stale.length === 0) return results;
        if (attempt > STALE_READ_RETRIES) {
          for (const t of stale) results.set(t, this.#staleError(t));
          return results;
        }
        await sleep(STALE_READ_PAUSE_MS * attempt, undefined, this.ctx.signal ? { signal: this.ctx.signal } : {}).catch(() => this.checkAborted());
        for (const [t, v] of await this.ctx.reader.readTokenInfos(stale, this.#readAt)) results.set(t, v);
      }
    } catch (error) {
      // An interruption, or an RPC found to be down, ends the run: these tokens did not fail, they were not read.
      if (error instanceof InterruptedError || error instanceof RpcUnavailableError) throw error;
      // The RPC failed past its retries for this whole batch: these tokens fail, the run goes on.
      const e = error instanceof Error ? error : new Error(String(error));
      return new Map(tokens.map((t) => [t, e]));
    }
  }

  /** True when the token's state was read from a node behind its latest event read. */
  #isStale(token: string): boolean {
    const event = this.#eventLedgers.get(token);
    const at = this.#readAt.get(token);
    return event !== undefined && at !== undefined && at < event;
  }

  #staleError(token: string): StaleReadError {
    return new StaleReadError(
      `${token}: the RPC answered from ledger ${this.#readAt.get(token)}, before the token's event at ledger ${this.#eventLedgers.get(token)} (load-balanced nodes lag each other)`,
    );
  }

  /**
   * Tokens read before a later range named them again, from a node behind that later event: read once more, so
   * that no stored state is older than the events the cursor passes.
   */
  private async rereadStale(known: Known): Promise<void> {
    const stale = [...this.#readAt.keys()].filter((t) => this.#isStale(t) && !this.#failed.has(t));
    if (stale.length === 0) return;
    for (const t of stale) this.#requested.delete(t);
    await this.read(stale, known);
    await Promise.all(this.#pendingWrites);
  }

  private async write(infos: TokenInfo[], known: Known, count: number): Promise<void> {
    const tokens: TokenWrite[] = [];
    const creators: CreatorWrite[] = [];
    for (const info of infos) {
      if (info.textRepairs.length > 0) this.warn(`token ${info.tokenAddress} stored with changes: ${info.textRepairs.join("; ")}`);
      this.#readIds.add(info.id);
      tokens.push({ info, discoveredVia: this.#source.get(info.tokenAddress) ?? "STORAGE" });
      creators.push({ address: info.creator, source: this.#creatorSource.get(info.creator) ?? "TOKEN", scanned: this.#scanned.has(info.creator) });
    }
    if (this.ctx.config.dryRun) {
      for (const info of infos) this.#line(lineOf(info, "would-sync"));
      this.counts.synced += infos.length;
    } else if (tokens.length > 0) {
      const result = await this.ctx.store.writeBatch({ tokens, creators, ledger: this.#ledger() });
      const changed = new Set(result.changed);
      for (const info of infos) {
        const address = info.tokenAddress;
        const outcome: TokenOutcome = !changed.has(address) ? "unchanged" : known.has(address) ? "updated" : "new";
        this.#line(lineOf(info, outcome));
        if (outcome === "unchanged") this.counts.unchanged++;
        else this.counts.synced++;
      }
    }
    this.#done += count;
    this.ctx.onProgress?.(this.#done, this.#toRead);
  }

  /** The creators met in this run and, when nothing in the window is left to retry, the cursor. */
  private async finish(scan: EventScan | null): Promise<void> {
    if (this.ctx.config.dryRun) return;
    const creators: CreatorWrite[] = [...this.#creatorSource]
      .filter(([address]) => this.#scanned.has(address) || !this.#storedCreators.has(address))
      .map(([address, source]) => ({ address, source, scanned: this.#scanned.has(address), settled: !this.#storedCreators.has(address) }));
    const retryable = [...this.#failed].some(([address, error]) => scan?.tokens.has(address) && !isFinal(error));
    if (scan && retryable) this.warn("some tokens named by events could not be read: the cursor stays, and the next run reads them again");
    // A creator left unscanned may hold tokens that changed where no event is left to say so.
    const unscanned = scan !== null && this.#unscanned.size > 0;
    if (unscanned) this.warn(`${this.#unscanned.size} creators' token lists could not be read: the cursor stays, and the next run scans them again`);
    const moveCursor = scan !== null && !retryable && !unscanned && scan.toLedger >= scan.fromLedger;
    // A read of named tokens meets no creator to record and moves no cursor: no transaction to spend.
    if (creators.length === 0 && !moveCursor) return;
    await this.ctx.store.writeBatch({
      tokens: [],
      creators,
      ledger: this.#ledger(),
      cursor: moveCursor
        ? {
            networkPassphrase: this.ctx.config.networkPassphrase,
            lastLedger: scan.toLedger,
            // The hash read is the aimed-for ledger's: a scan that a lagging node ended early has no fingerprint.
            lastLedgerHash: scan.toLedger === this.ctx.latestLedger ? this.ctx.latestLedgerHash : null,
          }
        : undefined,
    });
  }

  private result(contractTokenCount: number, known: Known, scan: EventScan | null): RunResult {
    const missingIds: number[] = [];
    if (scan) {
      const ids = new Set([...known.values()].map((t) => t.onchainId));
      for (const id of this.#readIds) ids.add(id);
      for (let id = 0; id < contractTokenCount; id++) if (!ids.has(id)) missingIds.push(id);
      const launchedLater = this.#launchedAfterScan(missingIds, contractTokenCount, scan);
      if (launchedLater > 0) {
        missingIds.length -= launchedLater;
        this.ctx.logger.info(
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
      partial: this.#failed.size > 0 || missingIds.length > 0 || this.#unscanned.size > 0,
      cursor: { from: scan?.fromLedger ?? null, to: scan?.toLedger ?? null },
      discovered: { events: this.counts.foundEvents, storage: this.counts.foundStorage, manual: this.counts.foundManual, total: this.#source.size },
      contractTokenCount,
      missingIds,
      synced: this.counts.synced,
      unchanged: this.counts.unchanged,
      failed: [...this.#failed].map(([address, error]) => ({ address, error: error.message })),
      unscannedCreators: [...this.#unscanned],
      tokens: this.#reportedLines(),
      tokensRead: this.#linesRead,
      warnings: this.#warnings,
    };
  }

  /**
   * How many of the missing ids are launches newer than the events read: the count came from a node ahead of the
   * scan's end (load-balanced nodes lag each other), and ids are given in launch order, so those are the newest.
   * The next pass's events name them; warning now would raise an alarm that the next pass clears.
   */
  #launchedAfterScan(missingIds: number[], count: number, scan: EventScan): number {
    const countedAt = this.ctx.tokenCountLedger;
    if (countedAt === null || countedAt === undefined || countedAt <= scan.toLedger) return 0;
    let tail = 0;
    while (tail < missingIds.length && missingIds[missingIds.length - 1 - tail] === count - 1 - tail) tail++;
    return tail;
  }

  /** The ledger the values written are from: the window's end, or what the entries' reads reported. */
  #ledger(): number {
    return Math.max(this.ctx.latestLedger, this.ctx.reader.latestLedgerSeen);
  }

  private fail(address: string, error: Error): void {
    this.#failed.set(address, error);
    this.#line({ address, outcome: "failed", error: error.message, ...(error instanceof UnknownTokenError ? { unknown: true as const } : {}) });
  }

  #line(line: TokenLine): void {
    this.#linesRead++;
    if (line.outcome === "failed" || this.ctx.listTokens || this.#linesRead <= LIST_LIMIT) this.#lines.push(line);
  }

  /** The lines to report: past LIST_LIMIT tokens, the failures only (unless every line was asked for). */
  #reportedLines(): TokenLine[] {
    if (this.ctx.listTokens || this.#linesRead <= LIST_LIMIT) return this.#lines;
    return this.#lines.filter((l) => l.outcome === "failed");
  }

  private noteCreator(address: string, source: CreatorSource): void {
    if (!this.#creatorSource.has(address)) this.#creatorSource.set(address, source);
  }

  private warn(message: string): void {
    this.#warnings.push(message);
    this.ctx.logger.warn(message);
  }

  private checkAborted(): void {
    const signal = this.ctx.signal;
    if (!signal?.aborted) return;
    if (signal.reason instanceof InterruptedError) throw signal.reason;
    throw new InterruptedError(typeof signal.reason === "string" ? signal.reason : "signal");
  }
}

/** Failures that a later run would meet again: not a reason to hold the cursor back. */
function isFinal(error: Error): boolean {
  return error instanceof DecodeError || error instanceof SimulationError || error instanceof UnknownTokenError;
}

function lineOf(info: TokenInfo, outcome: TokenOutcome): TokenLine {
  return { address: info.tokenAddress, outcome, name: info.name, symbol: info.symbol, creator: info.creator, status: info.status };
}

/** Up to `n` items spread evenly over the list. */
function sampleOf<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

function summarizeIds(ids: number[]): string {
  const shown = ids.slice(0, 20).join(", ");
  return ids.length > 20 ? `${shown}, … (${ids.length - 20} more)` : shown;
}
