// Reads and writes the sync's tables. Writes are multi-row statements inside one transaction per
// batch; a token row, its creator and (with the last batch) the cursor commit together.
import { DatabaseError, describeDatabaseError, type Database, type SqlSession } from "./database.ts";
import { assertRunLockHeld } from "./run-lock.ts";
import { TradeStage } from "./trade-stage.ts";
import { deleteMarket, tradeInsert, writeMarket, type MarketWrite, type TradeInsert, type TradeRecorder } from "./trade-store.ts";
import { tokenUpsert, type ChangeRecorder, type TokenUpsert, type TokenWrite } from "./token-upsert.ts";

export type { ChangeRecorder, DiscoverySource, TokenWrite } from "./token-upsert.ts";
export type CreatorSource = "DATABASE" | "CONFIG" | "ENV" | "TOKEN" | "EVENT";

export interface SyncStateRow {
  networkPassphrase: string;
  lastLedger: number;
  /** Hash of lastLedger, when the RPC reported it: the chain's fingerprint. */
  lastLedgerHash: string | null;
}

export interface KnownCreator {
  address: string;
  scanned: boolean;
}

export interface CreatorWrite {
  address: string;
  source: CreatorSource;
  /** Set when the creator's token list was read in this run. */
  scanned: boolean;
  /**
   * The run met the creator for the first time, and `source` is what it settled on once its discovery was over:
   * it replaces the provisional TOKEN a batch wrote earlier in the run (a token read before the event naming its
   * creator's launch had been scanned).
   */
  settled?: boolean;
}

export type CursorWrite = SyncStateRow;

export interface BatchWrite {
  tokens: TokenWrite[];
  creators: CreatorWrite[];
  ledger: number;
  cursor?: CursorWrite;
  /** Trades, launches and graduations the events up to the cursor name: written with it. */
  market?: MarketWrite;
  /** Trades inserted ahead (stageTrades): this write commits them, or writes them itself if their transaction failed. */
  staged?: TradeStage;
}

export interface BatchResult {
  /** Addresses whose row was inserted or changed; the rest of the batch was already up to date. */
  changed: string[];
}

export interface RunCounts {
  foundEvents: number;
  foundStorage: number;
  foundManual: number;
  synced: number;
  unchanged: number;
  failed: number;
  missing: number;
  fromLedger?: number;
  toLedger?: number;
}

// A network reset can reuse a factory id with new token addresses: rows of the old chain name
// tokens that no longer exist and would collide on (contract_id, onchain_id). Each id is looked up in the unique
// index (LIMIT 1 keeps the subquery a per-id lookup): the planner's statistics of a table filling from empty are
// stale during a first sync, and a join would hash the whole table for every batch.
const DELETE_SUPERSEDED = `
DELETE FROM tokens
WHERE address = ANY(ARRAY(
  SELECT old.address
  FROM unnest($2::text[], $3::bigint[]) AS t(address, onchain_id)
  CROSS JOIN LATERAL (
    SELECT o.address FROM tokens o WHERE o.contract_id = $1 AND o.onchain_id = t.onchain_id LIMIT 1
  ) old
  WHERE old.address <> t.address
))`;

const UPSERT_CREATORS = `
INSERT INTO creators (address, source, last_scanned_at)
SELECT address, source::creator_source, CASE WHEN scanned::boolean THEN now() END
FROM unnest($1::text[], $2::text[], $3::text[]) AS c(address, source, scanned)
ON CONFLICT (address) DO UPDATE SET last_scanned_at = excluded.last_scanned_at
WHERE excluded.last_scanned_at IS NOT NULL`;

const SETTLE_CREATOR_SOURCES = `
UPDATE creators c SET source = i.source::creator_source
FROM unnest($1::text[], $2::text[]) AS i(address, source)
WHERE c.address = i.address AND c.source = 'TOKEN' AND i.source <> 'TOKEN'`;

// token_count is derived from the tokens table, so it can never disagree with it. Counted per creator through
// the creator index: a join would scan the whole table for every batch.
const REFRESH_CREATOR_COUNTS = `
WITH n AS (
  SELECT a.address, (SELECT count(*)::int FROM tokens t WHERE t.creator = a.address) AS count
  FROM unnest($1::text[]) AS a(address)
)
UPDATE creators c SET token_count = n.count
FROM n
WHERE c.address = ANY($1::text[]) AND c.address = n.address AND c.token_count <> n.count`;

const UPSERT_STATE = `
INSERT INTO sync_state (contract_id, network_passphrase, last_ledger, last_ledger_hash, updated_at)
VALUES ($1, $2, $3::bigint, $4, now())
ON CONFLICT (contract_id) DO UPDATE SET
  network_passphrase = excluded.network_passphrase, last_ledger = excluded.last_ledger,
  last_ledger_hash = excluded.last_ledger_hash, updated_at = now()`;

/** Told of every batch write, committed or not: for write-latency metrics. */
export type WriteObserver = (e: { tokens: number; durationMs: number; ok: boolean }) => void;

export class TokenStore {
  readonly #upsert: TokenUpsert;
  readonly #tradeInsert: TradeInsert;

  readonly #recordsTrades: boolean;

  constructor(
    private readonly db: Database,
    readonly contractId: string,
    private readonly onWrite?: WriteObserver,
    recorder?: ChangeRecorder & Partial<TradeRecorder>,
  ) {
    this.#upsert = tokenUpsert(recorder);
    this.#recordsTrades = recorder?.tradeStatement !== undefined;
    this.#tradeInsert = tradeInsert(this.#recordsTrades ? (recorder as TradeRecorder) : undefined);
  }

  /**
   * A transaction to insert a run's trades into while it reads, for the batch that moves the cursor to commit
   * (`BatchWrite.staged`). None on PGlite (one connection), nor with trade events recorded: their outbox rows take
   * the contract's outbox lock, which the run's token batches need until the cursor's write.
   */
  stageTrades(): TradeStage | undefined {
    const open = this.db.openTransaction?.bind(this.db);
    if (!open || this.#recordsTrades) return undefined;
    return new TradeStage(this.db, open, this.contractId, this.#tradeInsert);
  }

  async loadState(): Promise<SyncStateRow | null> {
    const [row] = await this.db.query<{ network_passphrase: string; last_ledger: string; last_ledger_hash: string | null }>(
      `SELECT network_passphrase, last_ledger::text, last_ledger_hash FROM sync_state WHERE contract_id = $1`,
      [this.contractId],
    );
    if (!row) return null;
    return { networkPassphrase: row.network_passphrase, lastLedger: Number(row.last_ledger), lastLedgerHash: row.last_ledger_hash };
  }

  /** After a network reset: forgets this contract's cursor and tokens together. Returns tokens removed. */
  async resetContract(): Promise<number> {
    return this.db.transaction(async (tx) => {
      await assertRunLockHeld(this.db, tx); // first: a stale leader must not wipe what its successor wrote
      const [row] = await tx.query<{ n: number }>(
        `WITH gone AS (DELETE FROM tokens WHERE contract_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [this.contractId],
      );
      await deleteMarket(tx, this.contractId);
      await tx.query(`DELETE FROM sync_state WHERE contract_id = $1`, [this.contractId]);
      return row?.n ?? 0;
    });
  }

  /** Token address to on-chain id and creator, for this contract (only those of `only`, when given). */
  async knownTokens(only?: string[]): Promise<Map<string, { onchainId: number; creator: string }>> {
    const rows = await this.db.query<{ address: string; onchain_id: string; creator: string }>(
      `SELECT address, onchain_id::text, creator FROM tokens WHERE contract_id = $1${only ? " AND address = ANY($2::text[])" : ""}`,
      only ? [this.contractId, only] : [this.contractId],
    );
    return new Map(rows.map((r) => [r.address, { onchainId: Number(r.onchain_id), creator: r.creator }]));
  }

  /** Every row of `creators`, including rows other services inserted. */
  async knownCreators(): Promise<KnownCreator[]> {
    return this.db.query<{ address: string; scanned: boolean }>(`SELECT address, last_scanned_at IS NOT NULL AS scanned FROM creators`);
  }

  /**
   * Writes the batch in one transaction: all of it or, on any failure, none of it. Failures are
   * DatabaseErrors with a one-line message.
   */
  async writeBatch(batch: BatchWrite): Promise<BatchResult> {
    const startedAt = performance.now();
    let ok = false;
    try {
      await assertRunLockHeld(this.db);
      const result = await this.#writeBatch(batch);
      ok = true;
      return result;
    } catch (error) {
      if (error instanceof DatabaseError) throw error;
      const what = batch.tokens.length > 0 ? `${batch.tokens.length} tokens` : batch.cursor ? "the cursor" : "the creators";
      throw new DatabaseError(`writing ${what} to the database failed: ${describeDatabaseError(error)}`, { cause: error });
    } finally {
      this.onWrite?.({ tokens: batch.tokens.length, durationMs: performance.now() - startedAt, ok });
    }
  }

  async #writeBatch(batch: BatchWrite): Promise<BatchResult> {
    const staged = batch.staged;
    if (!staged) return this.db.transaction((tx) => this.#writeIn(tx, batch));
    try {
      return await staged.commit((tx) => this.#writeIn(tx, batch));
    } catch {
      // The staged transaction is gone: this one writes its trades too (repeats are skipped).
      const market: MarketWrite = batch.market ?? { trades: [], launches: new Map(), graduations: new Map() };
      return this.db.transaction((tx) => this.#writeIn(tx, { ...batch, market: { ...market, encoded: staged.encoded } }));
    }
  }

  async #writeIn(tx: SqlSession, batch: BatchWrite): Promise<BatchResult> {
    let changed: string[] = [];
    if (batch.tokens.length > 0) {
      await tx.query(DELETE_SUPERSEDED, [
        this.contractId,
        batch.tokens.map((t) => t.info.tokenAddress),
        batch.tokens.map((t) => String(t.info.id)),
      ]);
      const rows = await tx.query<{ address: string }>(this.#upsert.sql, this.#upsert.params(this.contractId, batch.tokens, batch.ledger));
      changed = rows.map((r) => r.address);
    }
    const creators = mergeCreatorWrites(batch.creators);
    if (creators.length > 0) {
      await tx.query(UPSERT_CREATORS, [
        creators.map((c) => c.address),
        creators.map((c) => c.source),
        creators.map((c) => String(c.scanned)),
      ]);
      const settled = creators.filter((c) => c.settled);
      if (settled.length > 0) {
        await tx.query(SETTLE_CREATOR_SOURCES, [settled.map((c) => c.address), settled.map((c) => c.source)]);
      }
    }
    const touched = [...new Set([...creators.map((c) => c.address), ...batch.tokens.map((t) => t.info.creator)])];
    if (touched.length > 0) await tx.query(REFRESH_CREATOR_COUNTS, [touched]);
    if (batch.market) await writeMarket(tx, this.contractId, batch.market, this.#tradeInsert);
    if (batch.cursor) {
      const c = batch.cursor;
      await tx.query(UPSERT_STATE, [this.contractId, c.networkPassphrase, String(c.lastLedger), c.lastLedgerHash]);
    }
    // Last, so that nothing commits once the run's lock or lease is gone (another run may have started).
    await assertRunLockHeld(this.db, tx);
    return { changed };
  }

  /** Called with the contract's run lock held, so a RUNNING row left behind is a run that died (e.g. SIGKILL). */
  async startRun(trigger: string): Promise<bigint> {
    await this.db.query(
      `UPDATE sync_runs SET outcome = 'FAILED', finished_at = now(), error = $2 WHERE contract_id = $1 AND outcome = 'RUNNING'`,
      [this.contractId, "the process ended before the run finished (killed or crashed)"],
    );
    const [run] = await this.db.query<{ id: string }>(`INSERT INTO sync_runs (contract_id, trigger) VALUES ($1, $2) RETURNING id::text`, [
      this.contractId,
      trigger,
    ]);
    return BigInt(run!.id);
  }

  async finishRun(id: bigint, outcome: "SUCCEEDED" | "PARTIAL" | "FAILED", counts: RunCounts, error?: string): Promise<void> {
    await this.db.query(
      `UPDATE sync_runs SET outcome = $2::run_outcome, finished_at = now(), found_events = $3, found_storage = $4, found_manual = $5,
         synced = $6, unchanged = $7, failed = $8, missing = $9, from_ledger = $10::bigint, to_ledger = $11::bigint, error = $12
       WHERE id = $1::bigint`,
      [
        id.toString(),
        outcome,
        counts.foundEvents,
        counts.foundStorage,
        counts.foundManual,
        counts.synced,
        counts.unchanged,
        counts.failed,
        counts.missing,
        counts.fromLedger === undefined ? null : String(counts.fromLedger),
        counts.toLedger === undefined ? null : String(counts.toLedger),
        error ?? null,
      ],
    );
  }
}

/** One write per creator; scanned if any of its writes says so. */
function mergeCreatorWrites(creators: CreatorWrite[]): CreatorWrite[] {
  const byAddress = new Map<string, CreatorWrite>();
  for (const c of creators) {
    const prev = byAddress.get(c.address);
    byAddress.set(c.address, prev ? { ...prev, scanned: prev.scanned || c.scanned, settled: prev.settled || c.settled } : c);
  }
  return [...byAddress.values()];
}
