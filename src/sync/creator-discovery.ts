// The storage and manual strategies: read creators' token lists, read the tokens on them, and scan the creators
// those tokens reveal, until no new creator turns up.
import { scanCreators, type CreatorScan } from "../discovery/creators.ts";
import { InterruptedError, throwIfAborted } from "../internal/errors.ts";
import { RpcUnavailableError } from "../rpc/client.ts";
import type { Findings } from "./findings.ts";
import type { RunReport } from "./run-report.ts";
import type { Known, RunContext } from "./types.ts";

export interface KnownCreators {
  /** Creators a person named (their tokens count as found manually). */
  manual: Set<string>;
  /** Creators whose list an earlier run read. */
  scannedBefore: Set<string>;
  /** Creators to scan while the events are read. */
  pending: string[];
}

export interface CreatorRounds {
  /** Scan every creator met, not only those never scanned (the stored rows are read again, or ids are missing). */
  everyCreator: boolean;
  /** Read the listed tokens already stored too (after a gap). */
  rereadKnown: boolean;
  /** The creators of the tokens the events named, once read. */
  revealed: Promise<Set<string>>;
  /** The lists read during the event scan. */
  early: { creators: string[]; scan: Promise<CreatorScan> };
}

/** Reads tokens not yet requested in this run; resolves with the creators of those read. */
export type ReadTokens = (tokens: string[]) => Promise<Set<string>>;

export class CreatorDiscovery {
  readonly #ctx: RunContext;
  readonly #known: Known;
  readonly #findings: Findings;
  readonly #report: RunReport;
  readonly #read: ReadTokens;

  constructor(ctx: RunContext, known: Known, found: { findings: Findings; report: RunReport }, read: ReadTokens) {
    this.#ctx = ctx;
    this.#known = known;
    this.#findings = found.findings;
    this.#report = found.report;
    this.#read = read;
  }

  /**
   * The creators this run knows before its event scan (configured, and stored), and those of them to scan at
   * once: all of them when the stored rows are read again, else those never scanned.
   */
  async known(everyCreator: boolean): Promise<KnownCreators> {
    const manual = new Set(this.#ctx.config.creators.map((c) => c.address));
    for (const c of this.#ctx.config.creators) this.#findings.creator(c.address, c.source);
    const scannedBefore = new Set<string>();
    for (const c of await this.#ctx.store.knownCreators()) {
      this.#findings.creator(c.address, "DATABASE");
      this.#findings.storedCreators.add(c.address);
      if (c.scanned) scannedBefore.add(c.address);
    }
    return { manual, scannedBefore, pending: [...this.#toScan(scannedBefore, everyCreator)] };
  }

  /** Reads the creators' lists; a failure to read them is recorded in the result, not thrown (outages aside). */
  async scan(creators: string[]): Promise<CreatorScan> {
    try {
      return await scanCreators(this.#ctx.reader, creators);
    } catch (error) {
      if (error instanceof InterruptedError || error instanceof RpcUnavailableError) throw error;
      // Their tokens are still found by a later run: the count check rescans every creator while ids are missing.
      const e = error instanceof Error ? error : new Error(String(error));
      return { tokens: new Map(), scanned: [], failed: new Map(creators.map((c) => [c, e])) };
    }
  }

  /** Scans creators round after round until none is left; the lists of `early` were read during the event scan. */
  async rounds({ manual, scannedBefore }: KnownCreators, { everyCreator, rereadKnown, revealed, early }: CreatorRounds): Promise<void> {
    const findings = this.#findings;
    const pending = this.#toScan(scannedBefore, everyCreator);
    const attempted = new Set(early.creators);
    // The early lists' tokens are read while the event-named tokens still are: the scan is over, so which strategy
    // found a token no longer depends on timing.
    let reading = this.#readListed(await early.scan, manual, rereadKnown);
    for (const creator of await revealed) {
      if (!scannedBefore.has(creator)) {
        findings.creator(creator, "TOKEN");
        pending.add(creator);
      }
    }
    for (;;) {
      const readCreators = await reading;
      // A token named only by an event may belong to a creator nobody has scanned yet.
      for (const creator of readCreators) {
        if (!findings.scanned.has(creator) && !scannedBefore.has(creator)) {
          findings.creator(creator, "TOKEN");
          pending.add(creator);
        }
      }
      const batch = [...pending].filter((c) => !attempted.has(c));
      if (batch.length === 0) break;
      for (const c of batch) attempted.add(c);
      throwIfAborted(this.#ctx.signal);
      reading = this.#readListed(await this.scan(batch), manual, rereadKnown);
    }
    this.#report.counts.foundStorage = findings.storageFound.size;
    this.#report.counts.foundManual += findings.manualFound.size;
  }

  /**
   * The creators met so far whose lists this run reads. A creator scanned before gains tokens only by launching,
   * and launches are events this run reads: it needs another scan only when the events may have a gap.
   */
  #toScan(scannedBefore: Set<string>, everyCreator: boolean): Set<string> {
    const pending = new Set([...this.#findings.creators()].filter((c) => everyCreator || !scannedBefore.has(c)));
    if (everyCreator) for (const t of this.#known.values()) pending.add(t.creator);
    return pending;
  }

  /** Takes in one round of creators' lists and reads the tokens on them; returns the creators of those read. */
  #readListed(result: CreatorScan, manual: Set<string>, rereadKnown: boolean): Promise<Set<string>> {
    for (const c of result.scanned) this.#findings.scanned.add(c);
    for (const c of result.failed.keys()) this.#findings.unscanned.add(c);
    if (result.failed.size > 0) {
      const [first] = result.failed;
      const who = result.failed.size === 1 ? `creator ${first![0]}` : `${result.failed.size} creators (first: ${first![0]})`;
      this.#report.warn(`could not read the token list of ${who}: ${first![1].message}`);
    }
    const fresh: string[] = [];
    for (const [token, creator] of result.tokens) {
      this.#findings.listed(token, manual.has(creator));
      if (!this.#known.has(token) || rereadKnown) fresh.push(token);
    }
    return this.#read(fresh);
  }
}
