// How a run found each token and creator: what new rows record as their source (discovered_via, a creator's
// source), which creators' lists were read, and what the counts of sync_runs say about the strategies.
import type { TokenInfo } from "../contract/types.ts";
import type { CreatorSource, CreatorWrite, DiscoverySource, TokenWrite } from "../store/token-store.ts";

export class Findings {
  /** How each token was first found in this run: discovered_via of new rows. */
  readonly #source = new Map<string, DiscoverySource>();
  readonly #creatorSource = new Map<string, CreatorSource>();
  /** Creators whose token list was read in this run. */
  readonly scanned = new Set<string>();
  /** Creators that already have a row: only those scanned in this run are rewritten. */
  readonly storedCreators = new Set<string>();
  /** Creators whose token list could not be read in this run. */
  readonly unscanned = new Set<string>();
  readonly storageFound = new Set<string>();
  readonly manualFound = new Set<string>();
  /** On-chain ids of the tokens read. */
  readonly readIds = new Set<number>();

  /** Tokens found in this run, by any strategy. */
  get tokens(): number {
    return this.#source.size;
  }

  /** Creators met so far. */
  creators(): IterableIterator<string> {
    return this.#creatorSource.keys();
  }

  /** Records a token's source; `first`: only when no strategy found it before. */
  token(address: string, source: DiscoverySource, first = false): void {
    if (!first || !this.#source.has(address)) this.#source.set(address, source);
  }

  creator(address: string, source: CreatorSource): void {
    if (!this.#creatorSource.has(address)) this.#creatorSource.set(address, source);
  }

  /** A token on a creator's list; `viaManual`: that creator was named by a person. */
  listed(token: string, viaManual: boolean): void {
    (viaManual ? this.manualFound : this.storageFound).add(token);
    this.token(token, viaManual ? "MANUAL" : "STORAGE", true);
  }

  /** Launch ledgers the run's events (or history) give, looked up as rows are written. */
  readonly #launches: ReadonlyMap<string, number>[] = [];

  launchesIn(launches: ReadonlyMap<string, number>): void {
    this.#launches.push(launches);
  }

  /** The rows a batch of tokens read writes. */
  writesOf(infos: TokenInfo[]): { tokens: TokenWrite[]; creators: CreatorWrite[] } {
    const tokens: TokenWrite[] = [];
    const creators: CreatorWrite[] = [];
    for (const info of infos) {
      this.readIds.add(info.id);
      const launchLedger = this.#launches.reduce<number | undefined>((l, m) => l ?? m.get(info.tokenAddress), undefined);
      tokens.push({ info, discoveredVia: this.#source.get(info.tokenAddress) ?? "STORAGE", ...(launchLedger === undefined ? {} : { launchLedger }) });
      creators.push({ address: info.creator, source: this.#creatorSource.get(info.creator) ?? "TOKEN", scanned: this.scanned.has(info.creator) });
    }
    return { tokens, creators };
  }

  /** The creators met in this run that the run's end writes: new ones, and those whose list was read. */
  creatorWrites(): CreatorWrite[] {
    return [...this.#creatorSource]
      .filter(([address]) => this.scanned.has(address) || !this.storedCreators.has(address))
      .map(([address, source]) => ({ address, source, scanned: this.scanned.has(address), settled: !this.storedCreators.has(address) }));
  }
}
