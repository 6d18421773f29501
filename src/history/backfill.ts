// The history backfill: reads every ledger of a range from a SEP-54 data lake or a getLedgers RPC,
// takes the factory's events out of the transaction metas, and hands the tokens and creators they
// name to the sync pipeline (SyncSession.sync({ discovered })), which reads and stores them as a
// normal run does and stores the creators, so later cron runs scan them.
//
// Resumable: what was found is handed over at least every `saveEvery` seconds and at the end, then the
// backfill's own cursor (backfill_state) moves past the ledgers read. An interruption loses at most
// the ledgers read since the last save; a source that fails stops the run before that save.
//
// Ledgers an RPC dropped from its window while the range was read are a gap: reading goes on after it,
// the report lists it (exit 2, as for tokens missing), and the cursor stays at its first ledger, so a
// rerun with a source that still holds them (a data lake) reads them.

import { isTrue, nonEmpty } from "../config/env-values.ts";
import { resolveConfig, validateHttpUrl, ConfigError } from "../config/config.ts";
import { recordFactoryEvent, type Discovered } from "../discovery/events.ts";
import { MarketLog } from "../discovery/market-log.ts";
import { MarketQueries } from "../store/trade-queries.ts";
import { FatalError } from "../internal/errors.ts";
import { SyncSession, type SessionOptions, type SyncReport } from "../sync/session.ts";
import { parseSince } from "../internal/text/since.ts";
import { loadCursor, saveCursor } from "./cursor.ts";
import { DatastoreSource, lakeLocation } from "./datastore.ts";
import { EventExtractor } from "./extract.ts";
import { LedgersRpcSource } from "./ledgers-rpc.ts";
import { withWebhooks } from "../webhooks/feature.ts";
import { interrupted, ledgerAtTime, servedRange, withoutGaps, type LedgerGap, type LedgerSource } from "./source.ts";

export interface BackfillOptions extends SessionOptions {
  /** A SEP-54 data lake: a folder or an http(s) URL. Exactly one of datastore and ledgersRpc. */
  datastore?: string;
  /** An RPC serving getLedgers over the range. */
  ledgersRpc?: string;
  /** First ledger to read; or `since`, a date, ISO time or age (src/text/since.ts): the first ledger closed then or later. */
  fromLedger?: number | string;
  since?: string;
  /** Last ledger to read (default: the last one the source serves, up to the RPC's latest). */
  toLedger?: number | string;
  /** Files (data lake) or pages (RPC) read ahead in parallel (default 8 / 4). */
  downloadConcurrency?: number | string;
  /** Hand what was found to the pipeline and move the cursor at least this often, in seconds (default 60). */
  saveEvery?: number | string;
  /** Called after each file or page: ledgers read of the range. */
  onLedgers?: (done: number, total: number) => void;
}

export interface BackfillReport {
  source: string;
  fromLedger: number;
  toLedger: number;
  /** The ledger this run started at when it continued an earlier one, else null. */
  resumedAt: number | null;
  /** Ledgers read: the range from resumedAt (or fromLedger), less the gaps. */
  ledgersRead: number;
  /** Ledgers of the range the source no longer served when they were asked for: not read, so tokens may be missing. */
  gaps: LedgerGap[];
  factoryEvents: number;
  tokensFound: number;
  creatorsFound: number;
  ledgersPerSecond: number;
  /** Tokens written (new or changed) over every pipeline pass of this run. */
  synced: number;
  /** The last pipeline pass: missingIds, failures, warnings, as a normal run reports them. */
  sync: SyncReport;
  durationMs: number;
}

interface Range {
  from?: number;
  to?: number;
  since?: number;
  concurrency?: number;
}

export async function backfill(options: BackfillOptions = {}): Promise<BackfillReport> {
  const startedAt = performance.now();
  const env = options.env ?? process.env;
  const config = resolveConfig(options, env);
  const range = parseRange(options);
  const saveEveryMs = seconds(options.saveEvery ?? 60, "--save-every") * 1000;
  const allowHttp = options.allowHttp ?? isTrue(env.ALLOW_HTTP);
  const logger = options.logger;

  const datastore = options.datastore ?? (options.ledgersRpc === undefined ? nonEmpty(env.SYNC_DATASTORE) : undefined);
  const source = await openSource({ ...options, datastore }, allowHttp, range.concurrency);
  try {
    if (source.networkPassphrase !== config.networkPassphrase) {
      throw new FatalError(
        `network passphrase mismatch: ${source.label} holds "${source.networkPassphrase}", but "${config.networkPassphrase}" is configured (check --network / --network-passphrase)`,
      );
    }
    const session = await SyncSession.open(withWebhooks(options));
    try {
      const { from, to: planned } = await resolveRange(source, range, (await session.head()).latestLedger);
      let to = planned;
      const cursor = await loadCursor(session.db, config.contractId);
      const resumable = cursor && cursor.fromLedger === from && cursor.networkPassphrase === config.networkPassphrase && cursor.nextLedger > from;
      const start = resumable ? Math.min(cursor.nextLedger, to + 1) : from;
      if (resumable) logger?.info(`backfill: resuming at ledger ${start} (ledgers ${from}..${start - 1} were read by an earlier run)`);
      logger?.info(`backfill: reading ledgers ${start}..${to} from ${source.label}`);

      const market = config.trades ? new MarketLog() : undefined;
      const found: Discovered = { tokens: new Map(), launches: new Map(), market };
      const creators = new Set<string>();
      const tokens = new Set<string>();
      let events = 0;
      let next = start;
      let synced = 0;
      const gaps: LedgerGap[] = [];
      // The cursor never moves past a ledger that was not read.
      const resumeAt = () => Math.min(next, gaps[0]?.from ?? next);
      // The first ledger not yet handed over: the ledgers read since then fill any hole in the trades (asked once:
      // only a sync, which this run's lock keeps out, records one).
      let handedFrom = start;
      const fillsHoles = market !== undefined && (await new MarketQueries(session.db, config.contractId).firstHole()) !== null;
      const save = async (): Promise<SyncReport | null> => {
        let report: SyncReport | null = null;
        found.read = next > handedFrom && fillsHoles ? withoutGaps(handedFrom, next - 1, gaps) : [];
        if (found.tokens.size > 0 || (market && !market.empty) || found.read.length > 0 || next > to) {
          report = await session.sync({ discovered: found, trigger: options.trigger ?? "backfill", signal: options.signal, listTokens: options.listTokens });
          synced += report.synced;
        }
        if (!config.dryRun) {
          await saveCursor(session.db, config.contractId, { networkPassphrase: config.networkPassphrase, source: source.label, fromLedger: from, toLedger: to, nextLedger: resumeAt() });
        }
        found.tokens.clear();
        found.launches.clear();
        market?.clear();
        handedFrom = next;
        return report;
      };

      const extractor = new EventExtractor(config.contractId);
      const scanStarted = performance.now();
      let lastSave = scanStarted;
      for await (const chunk of source.chunks(start, to, extractor, options.signal)) {
        for (const gap of chunk.gaps ?? []) {
          const last = gaps.at(-1);
          if (last && last.to + 1 === gap.from && last.reason === gap.reason) last.to = gap.to;
          else gaps.push({ ...gap });
        }
        for (const raw of chunk.events) if (recordFactoryEvent(found, raw)) events++;
        for (const t of found.tokens.keys()) tokens.add(t);
        for (const c of found.launches.values()) creators.add(c);
        next = chunk.to + 1;
        options.onLedgers?.(next - start, to - start + 1);
        if (options.signal?.aborted) throw interrupted(options.signal);
        if (chunk.endedAt !== undefined) {
          logger?.warn(`backfill: ${source.label} has not reached ledger ${chunk.endedAt + 1} yet: the range ends at ${chunk.endedAt}`);
          to = chunk.endedAt;
          break;
        }
        if (performance.now() - lastSave >= saveEveryMs && next <= to) {
          await save();
          logger?.info(`backfill: ledgers ${from}..${next - 1} read and their tokens stored; cursor saved at ${resumeAt()}`);
          lastSave = performance.now();
        }
      }
      const scanSeconds = (performance.now() - scanStarted) / 1000;
      for (const gap of gaps) logger?.warn(`backfill: ledgers ${gap.from}..${gap.to} not read: ${gap.reason}`);
      next = to + 1;
      const report = (await save()) as SyncReport;
      const read = to + 1 - start - gaps.reduce((n, g) => n + g.to + 1 - g.from, 0);
      return {
        source: source.label,
        fromLedger: from,
        toLedger: to,
        resumedAt: resumable ? start : null,
        ledgersRead: read,
        gaps,
        factoryEvents: events,
        tokensFound: tokens.size,
        creatorsFound: creators.size,
        ledgersPerSecond: scanSeconds > 0 ? Math.round(read / scanSeconds) : 0,
        synced,
        sync: report,
        durationMs: Math.round(performance.now() - startedAt),
      };
    } catch (error) {
      throw session.publicError(error);
    } finally {
      await session.close();
    }
  } finally {
    await source.close();
  }
}

function seconds(v: number | string, flag: string): number {
  const n = typeof v === "number" ? v : /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 86_400) throw new ConfigError(`${flag} ${JSON.stringify(String(v))} is not valid: expected seconds from 0 to 86400`);
  return n;
}

function parseRange(options: BackfillOptions): Range {
  const ledger = (v: number | string | undefined, flag: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === "number" ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) throw new ConfigError(`${flag} ${JSON.stringify(String(v))} is not a ledger sequence number`);
    return n;
  };
  const from = ledger(options.fromLedger, "--from-ledger");
  const to = ledger(options.toLedger, "--to-ledger");
  if ((from === undefined) === (options.since === undefined)) throw new ConfigError("pass exactly one of --from-ledger N and --since DATE");
  let since: number | undefined;
  if (options.since !== undefined) since = Math.floor(parseSince(options.since).getTime() / 1000);
  if (from !== undefined && to !== undefined && to < from) throw new ConfigError(`--to-ledger ${to} is before --from-ledger ${from}`);
  const concurrency = ledger(options.downloadConcurrency, "--download-concurrency");
  if (concurrency !== undefined && concurrency > 64) throw new ConfigError(`--download-concurrency ${concurrency} is too high (at most 64)`);
  return { from, to, since, concurrency };
}

async function openSource(options: BackfillOptions, allowHttp: boolean, concurrency: number | undefined): Promise<LedgerSource> {
  if ((options.datastore === undefined) === (options.ledgersRpc === undefined)) {
    throw new ConfigError("pass exactly one ledger source: --datastore <folder or URL> (or SYNC_DATASTORE) or --ledgers-rpc <URL>");
  }
  const common = { concurrency, signal: options.signal, timeoutMs: options.timeoutMs === undefined ? undefined : Number(options.timeoutMs) };
  if (options.datastore !== undefined) {
    return DatastoreSource.open(lakeLocation(options.datastore, allowHttp), common);
  }
  const url = validateHttpUrl(options.ledgersRpc!.trim(), allowHttp, "--ledgers-rpc URL");
  return LedgersRpcSource.open(url, { ...common, onRetry: (m) => options.logger?.warn(m) });
}

/** The range to read, checked against what the source serves before anything is read. */
async function resolveRange(source: LedgerSource, range: Range, latest: number): Promise<{ from: number; to: number }> {
  const describe = async (inside: number | undefined) => {
    if (inside === undefined) return "";
    const [a, b] = await servedRange(source, inside, 2, latest);
    return ` (it serves ledgers ${a}..${b})`;
  };
  let from = range.from;
  if (from === undefined) {
    const any = await anyServed(source, range.to ?? latest);
    if (any === undefined) throw new FatalError(`${source.label} serves no ledger up to ${range.to ?? latest}`);
    const [first, last] = await servedRange(source, any, 2, range.to ?? latest);
    from = await ledgerAtTime(source, range.since!, first, last);
  } else if (!(await source.has(from))) {
    throw new FatalError(`${source.label} does not serve ledger ${from}${await describe(await anyServed(source, Math.max(from, range.to ?? latest)))}`);
  }
  let to = range.to;
  if (to === undefined) {
    to = (await servedRange(source, from, from, Math.max(from, latest)))[1];
  } else if (!(await source.has(to)) || (await source.lastOf(to)) < to) {
    throw new FatalError(`${source.label} does not serve ledger ${to}${await describe(from)}`);
  }
  if (to < from) throw new FatalError(`${source.label} serves nothing from ledger ${from}`);
  return { from, to };
}

/** Some ledger the source serves at or below `upper`: probes upper, then steps back exponentially. */
async function anyServed(source: LedgerSource, upper: number): Promise<number | undefined> {
  for (let step = 1, seq = upper; seq >= 2; seq = upper - step, step *= 2) {
    if (await source.has(seq)) return seq;
  }
  return undefined;
}
