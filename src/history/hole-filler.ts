// Fills the holes in the trades (ledger ranges a sync could not read: the follower or cron was away longer than
// the RPC's window) from a SEP-54 data lake, by itself: `watch`/`serve --datastore` (SYNC_DATASTORE). Each call
// reads the next stretch of the first hole; the follower's next pass stores its trades and takes the stretch out of
// trade_holes in one transaction. A lake that cannot give a hole yet (not written that far, unreachable) is
// asked again a while later, with one warning per hole and cause.
import type { SyncConfig } from "../config/config.ts";
import { recordFactoryEvent, type Discovered } from "../discovery/events.ts";
import { MarketLog } from "../discovery/market-log.ts";
import { messageOf } from "../internal/errors.ts";
import type { Logger } from "../internal/logger.ts";
import type { Database } from "../store/database.ts";
import { MarketQueries } from "../store/trade-queries.ts";
import type { HoleFiller } from "../sync/types.ts";
import { DatastoreSource } from "./datastore.ts";
import { EventExtractor } from "./extract.ts";
import { interrupted, servedRange, withoutGaps, type LedgerGap } from "./source.ts";

export interface LakeHoleFillerOptions {
  /** A SEP-54 data lake: a folder or an http(s) URL (checked by the caller). */
  location: string;
  logger: Logger;
  /** Ledgers read per pass (default 10,000): the follower's pass waits for them. */
  stretch?: number;
  /** How long a hole the lake could not give waits before it is asked again (default 5 minutes). */
  retryMs?: number;
}

export class LakeHoleFiller implements HoleFiller {
  readonly #options: LakeHoleFillerOptions;
  #source: DatastoreSource | null = null;
  #retryAt = 0;
  /** The last warning, so that a hole the lake keeps failing on is not warned about on every retry. */
  #warned = "";

  constructor(options: LakeHoleFillerOptions) {
    this.#options = options;
  }

  async next(session: { db: Database; config: SyncConfig }, signal: AbortSignal): Promise<Discovered | null> {
    if (Date.now() < this.#retryAt) return null;
    const { contractId, networkPassphrase } = session.config;
    const hole = await new MarketQueries(session.db, contractId).firstHole();
    if (!hole) return null;
    const where = `the hole in the trades at ledgers ${hole.fromLedger}..${hole.toLedger}`;
    try {
      const source = (this.#source ??= await DatastoreSource.open(this.#options.location, { signal }));
      if (source.networkPassphrase !== networkPassphrase) {
        return this.#later(`${where} waits: ${source.label} holds another network ("${source.networkPassphrase}")`);
      }
      const found: Discovered = { tokens: new Map(), launches: new Map(), market: new MarketLog() };
      const extractor = new EventExtractor(contractId);
      const gaps: LedgerGap[] = [];
      // A stretch at most, and as far as the lake is written (its newest file may end early): the stretch's end is
      // asked first, since a lake is usually written past it; only a lake that ends inside is searched.
      const end = Math.min(hole.toLedger, hole.fromLedger + (this.#options.stretch ?? 10_000) - 1);
      let served = 0;
      if (await source.has(end)) served = Math.min(end, await source.lastOf(end));
      else if (await source.has(hole.fromLedger)) served = Math.min(end, (await servedRange(source, hole.fromLedger, hole.fromLedger, end))[1]);
      if (served < hole.fromLedger) {
        return this.#later(`${where} waits: ${source.label} does not serve ledger ${hole.fromLedger} (yet)`);
      }
      let to = served;
      for await (const chunk of source.chunks(hole.fromLedger, to, extractor, signal)) {
        gaps.push(...(chunk.gaps ?? []));
        for (const raw of chunk.events) recordFactoryEvent(found, raw);
        if (signal.aborted) throw interrupted(signal);
        if (chunk.endedAt !== undefined) {
          to = chunk.endedAt;
          break;
        }
      }
      // The pass that recorded the hole read every known token again; only the tokens launched in it may be new.
      for (const token of found.tokens.keys()) if (!found.launches.has(token)) found.tokens.delete(token);
      found.read = withoutGaps(hole.fromLedger, to, gaps);
      if (found.read.length === 0) return this.#later(`${where} waits: ${source.label} gave none of ledgers ${hole.fromLedger}..${to}`);
      this.#warned = "";
      this.#options.logger.info(`trades: ledgers ${hole.fromLedger}..${to} of ${where} read from ${source.label}`);
      return found;
    } catch (error) {
      if (signal.aborted) throw error;
      const source = this.#source?.label ?? "the data lake";
      await this.#reopen();
      return this.#later(`${where} could not be read from ${source}: ${messageOf(error).split("\n")[0]}`);
    }
  }

  async close(): Promise<void> {
    await this.#reopen();
  }

  /** Asks again after the retry interval; warns once per hole and cause. */
  #later(warning: string): null {
    this.#retryAt = Date.now() + (this.#options.retryMs ?? 300_000);
    if (warning !== this.#warned) this.#options.logger.warn(`${warning}; asking again in ${Math.round((this.#options.retryMs ?? 300_000) / 1000)} s`);
    this.#warned = warning;
    return null;
  }

  async #reopen(): Promise<void> {
    const source = this.#source;
    this.#source = null;
    await source?.close().catch(() => {});
  }
}
