// One poll of the outbox per process, fanned out to every open stream. The outbox (`webhook_events`) is the
// source on every replica, leader or standby: a short poll of `seq > head` works on PostgreSQL and PGlite alike.
// The outbox's writers commit in `seq` order (they take a lock before their numbers: src/webhooks/outbox.ts); a gap
// below newer rows is still waited for (a writer without that lock) for `gapWaitMs`, then taken for a rollback.
import type { Logger } from "../../internal/logger.ts";
import { messageOf } from "../../internal/errors.ts";
import type { Database } from "../../store/database.ts";
import { matches, type StreamFilter } from "./filter.ts";
import { commentFrame, eventFrame } from "./sse.ts";

/** An open stream as the hub sees it. */
export interface StreamClient {
  readonly filter: StreamFilter;
  /** Queues a frame; the client drops itself when it falls too far behind. */
  send(frame: string): void;
  /** Resolves when the client has room for more (history is sent page by page, as fast as the client reads). */
  room(): Promise<void>;
  /** Ends the stream (shutdown). */
  end(): void;
  readonly closed: boolean;
}

export interface HubOptions {
  db: () => Database | null;
  contractId: string;
  logger: Logger;
  /** How often the outbox is read (default 250 ms). */
  pollMs?: number;
  /** How often a comment line goes to every stream (default 15,000 ms). */
  heartbeatMs?: number;
  /** How long a gap in sequence numbers is waited for (default 2,000 ms). */
  gapWaitMs?: number;
}

interface Head {
  seq: bigint;
  /** The event id at `seq`; null on an empty outbox. */
  id: string | null;
}

interface Row extends Record<string, unknown> {
  seq: string;
  id: string;
  type?: string;
  token_address?: string;
  data?: Record<string, unknown>;
  created_at?: Date | string;
}

interface Pending {
  catchingUp: boolean;
  queued: { seq: bigint; type: string; token: string; frame: string }[];
}

const PAGE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class StreamHub {
  readonly #options: Required<HubOptions>;
  readonly #clients = new Map<StreamClient, Pending>();
  #head: Head | null = null;
  #gapSince: number | null = null;
  #poll: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #polling: Promise<void> | null = null;
  #warnedAt = 0;
  #closed = false;

  constructor(options: HubOptions) {
    this.#options = { pollMs: 250, heartbeatMs: 15_000, gapWaitMs: 2_000, ...options };
  }

  /** Starts polling and the heartbeat. */
  start(): void {
    const tick = () => {
      this.#polling = this.#pollOnce().finally(() => {
        this.#polling = null;
        if (!this.#closed) this.#poll = setTimeout(tick, this.#options.pollMs).unref();
      });
    };
    tick();
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients.keys()) client.send(commentFrame("heartbeat"));
    }, this.#options.heartbeatMs).unref();
  }

  /** The outbox's sequence number of event `id` for this contract, or null when it is not there (pruned, or never). */
  async seqOf(id: string): Promise<bigint | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.#db().query<{ seq: string }>(`SELECT seq::text AS seq FROM webhook_events WHERE id = $1::uuid AND contract_id = $2`, [
      id,
      this.#options.contractId,
    ]);
    return row ? BigInt(row.seq) : null;
  }

  /** The newest event's id (to resume from after a reset), or null on an empty outbox. */
  async headId(): Promise<string | null> {
    return (await this.#currentHead()).id;
  }

  /**
   * Adds a client. With `after` (a sequence number), the events after it that the outbox holds are sent first,
   * then the live ones, none twice and none missed.
   */
  async add(client: StreamClient, after: bigint | null): Promise<void> {
    const pending: Pending = { catchingUp: after !== null, queued: [] };
    this.#clients.set(client, pending);
    // A poll begun before this client counted may be reading ids only: the next ones read bodies.
    await this.#polling;
    if (after === null) return;
    try {
      const through = (await this.#currentHead()).seq;
      let last = after;
      while (!client.closed && last < through) {
        const rows = await this.#read(last, through, client.filter);
        for (const row of rows) client.send(eventFrame(storedEvent(row)));
        if (rows.length < PAGE) break;
        last = BigInt(rows.at(-1)!.seq);
        await client.room();
      }
      // Live events the poll took meanwhile: all are past the head the history stopped at.
      for (const e of pending.queued) if (e.seq > through && matches(client.filter, e)) client.send(e.frame);
    } finally {
      pending.catchingUp = false;
      pending.queued = [];
    }
  }

  remove(client: StreamClient): void {
    this.#clients.delete(client);
  }

  /** Ends every stream and stops polling. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#poll);
    clearInterval(this.#heartbeat);
    for (const client of this.#clients.keys()) client.end();
    this.#clients.clear();
    await this.#polling;
  }

  #db(): Database {
    const db = this.#options.db();
    if (!db) throw new Error("no database session open");
    return db;
  }

  async #currentHead(): Promise<Head> {
    if (this.#head) return this.#head;
    const [row] = await this.#db().query<Row>(
      `SELECT seq::text AS seq, id::text AS id FROM webhook_events WHERE contract_id = $1 ORDER BY seq DESC LIMIT 1`,
      [this.#options.contractId],
    );
    this.#head ??= row ? { seq: BigInt(row.seq), id: row.id } : { seq: 0n, id: null };
    return this.#head;
  }

  /** Events after `after` up to `through` matching `filter` (history), or all after `after` (the poll). */
  async #read(after: bigint, through: bigint | null, filter: StreamFilter | null, withData = true): Promise<Row[]> {
    const columns = withData ? `seq::text AS seq, id::text AS id, type, token_address, data, created_at` : `seq::text AS seq, id::text AS id`;
    const params: unknown[] = [this.#options.contractId, after.toString()];
    let where = `contract_id = $1 AND seq > $2::bigint`;
    if (through !== null) where += ` AND seq <= $${params.push(through.toString())}::bigint`;
    if (filter) {
      where += ` AND type = ANY($${params.push([...filter.types])}::text[])`;
      if (filter.token !== null) where += ` AND token_address = $${params.push(filter.token)}`;
    }
    return this.#db().query<Row>(`SELECT ${columns} FROM webhook_events WHERE ${where} ORDER BY seq LIMIT ${PAGE}`, params);
  }

  async #pollOnce(): Promise<void> {
    try {
      const head = await this.#currentHead();
      for (;;) {
        // With no client to tell, only the head moves: ids, not bodies.
        const rows = await this.#read(head.seq, null, null, this.#clients.size > 0);
        const taken = this.#advance(head, rows);
        if (taken < PAGE || this.#closed) return;
      }
    } catch (error) {
      if (Date.now() - this.#warnedAt > 60_000) {
        this.#warnedAt = Date.now();
        this.#options.logger.warn(`event stream: reading the outbox failed: ${messageOf(error)}`);
      }
    }
  }

  /** Fans out the rows that follow the head without a gap (or past a gap that outlived gapWaitMs); returns how many. */
  #advance(head: Head, rows: Row[]): number {
    let taken = 0;
    for (const row of rows) {
      const seq = BigInt(row.seq);
      // On an empty outbox the first number is unknown (a rolled-back insert may have taken some): no gap to wait for.
      if (head.id !== null && seq !== head.seq + 1n) {
        const now = Date.now();
        this.#gapSince ??= now;
        if (now - this.#gapSince < this.#options.gapWaitMs) return taken;
      }
      this.#gapSince = null;
      if (row.type !== undefined) this.#fanOut(seq, row);
      head.seq = seq;
      head.id = row.id;
      taken++;
    }
    return taken;
  }

  #fanOut(seq: bigint, row: Row): void {
    const event = { seq, type: row.type!, token: row.token_address!, frame: eventFrame(storedEvent(row)) };
    for (const [client, pending] of this.#clients) {
      if (pending.catchingUp) pending.queued.push(event);
      else if (matches(client.filter, event)) client.send(event.frame);
    }
  }
}

function storedEvent(row: Row) {
  const createdAt = row.created_at instanceof Date ? row.created_at : new Date(String(row.created_at));
  return { id: row.id, type: row.type!, createdAt, data: row.data ?? {} };
}
