// GET /api/stream: Server-Sent Events of the outbox's events (token.added, token.updated, token.graduated, and
// trade once recorded), the webhooks' bodies with their event ids. Any replica serves it (./hub.ts polls the
// outbox). Mounted by serve through the server's `mounts`; its stop is registered before the HTTP server's, so
// that SIGTERM ends every stream and the server's graceful close is not held open by them.
import { Hono, type Context } from "hono";
import type { Logger } from "../../internal/logger.ts";
import { messageOf } from "../../internal/errors.ts";
import { InvalidArgumentError } from "../../live/errors.ts";
import type { Database } from "../../store/database.ts";
import { clientKey } from "../client-address.ts";
import { fail } from "../routes/respond.ts";
import { parseStreamFilter, type StreamFilter } from "./filter.ts";
import { StreamHub, type StreamClient } from "./hub.ts";
import { commentFrame, controlFrame, encode, retryFrame } from "./sse.ts";

export interface StreamLimits {
  /** Open streams at most, in all (SYNC_STREAM_MAX, default 1000); past it 503. */
  maxStreams: number;
  /** Open streams per client (SYNC_STREAM_MAX_PER_CLIENT, default 16); past it 429. */
  maxPerClient: number;
  /** A comment line this often (SYNC_STREAM_HEARTBEAT_MS, default 15,000). */
  heartbeatMs: number;
  /** How often the outbox is read (SYNC_STREAM_POLL_MS, default 250). */
  pollMs: number;
}

export const STREAM_DEFAULTS: StreamLimits = { maxStreams: 1000, maxPerClient: 16, heartbeatMs: 15_000, pollMs: 250 };

export interface EventStreamOptions extends Partial<StreamLimits> {
  db: () => Database | null;
  contractId: string;
  logger: Logger;
  /** As the server's: who a request comes from. */
  trustProxyHops?: number;
  /** Retention of the outbox in ms, told to a client whose Last-Event-ID is gone (null: kept for ever). */
  retentionMs?: number | null;
}

export interface EventStream {
  /** For the server's `mounts`. */
  path: string;
  app: Hono;
  /** Ends every stream (clients see the end) and stops polling. */
  close(): Promise<void>;
}

/** Bytes a client may fall behind before its stream is ended (it reconnects with Last-Event-ID and catches up). */
const MAX_BACKLOG_BYTES = 1 << 20;
const HIGH_WATER_BYTES = 64 * 1024;
/** What a client waits before reconnecting (the `retry:` field). */
const RETRY_MS = 2000;

export function createEventStream(options: EventStreamOptions): EventStream {
  const limits = { ...STREAM_DEFAULTS, ...definedOnly(options) };
  const hub = new StreamHub({ db: options.db, contractId: options.contractId, logger: options.logger, pollMs: limits.pollMs, heartbeatMs: limits.heartbeatMs });
  const perClient = new Map<string, number>();
  let open = 0;
  let closed = false;
  hub.start();

  const app = new Hono();
  app.get("/api/stream", async (c) => {
    if (closed) return fail(c, 503, "unavailable", "the server is shutting down: reconnect to another replica", 1);
    if (open >= limits.maxStreams) return fail(c, 503, "unavailable", `too many open streams on this server (${limits.maxStreams}): try again later`, 5);
    const key = clientKey(c, options.trustProxyHops ?? 0);
    if ((perClient.get(key) ?? 0) >= limits.maxPerClient) {
      return fail(c, 429, "rate_limited", `too many open streams from this client (${limits.maxPerClient}): close one first`, 10);
    }
    let filter: StreamFilter;
    try {
      filter = parseStreamFilter({ types: c.req.query("types"), token: c.req.query("token") });
    } catch (error) {
      if (error instanceof InvalidArgumentError) return fail(c, 400, "bad_request", error.message);
      throw error;
    }
    const lastEventId = c.req.header("Last-Event-ID")?.trim() ?? "";
    let after: bigint | null = null;
    let reset: { id: string | null } | null = null;
    try {
      if (lastEventId !== "") {
        after = await hub.seqOf(lastEventId);
        if (after === null) reset = { id: await hub.headId() };
      }
    } catch (error) {
      options.logger.warn(`event stream: resolving Last-Event-ID failed: ${messageOf(error)}`);
      return fail(c, 503, "unavailable", "the database is not answering: try again shortly", 2);
    }

    // Counted from here until the stream ends, however it ends.
    open++;
    perClient.set(key, (perClient.get(key) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      open--;
      const left = (perClient.get(key) ?? 1) - 1;
      if (left <= 0) perClient.delete(key);
      else perClient.set(key, left);
      hub.remove(client);
    };

    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let waiting: (() => void)[] = [];
    const wake = () => {
      const w = waiting;
      waiting = [];
      for (const resolve of w) resolve();
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start: (ctl) => void (controller = ctl),
        pull: wake,
        cancel: () => {
          client.closed = true;
          wake();
          release();
        },
      },
      { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
    );
    const client: StreamClient & { closed: boolean } = {
      filter,
      closed: false,
      send(frame) {
        if (client.closed) return;
        controller.enqueue(encode(frame));
        if ((controller.desiredSize ?? 0) < -MAX_BACKLOG_BYTES) client.end(); // reconnects and catches up from the outbox
      },
      room() {
        if (client.closed || (controller.desiredSize ?? 0) > 0) return Promise.resolve();
        return new Promise((resolve) => waiting.push(resolve));
      },
      end() {
        if (client.closed) return;
        client.closed = true;
        wake();
        try {
          controller.close();
        } catch {
          // already errored by the connection's end: nothing left to close
        }
        release();
      },
    };

    client.send(retryFrame(RETRY_MS));
    client.send(commentFrame("stream open"));
    if (reset) {
      const retention = options.retentionMs ? `${Math.round(options.retentionMs / 86_400_000)} days` : "the outbox's retention";
      client.send(
        controlFrame(
          "stream.reset",
          { code: "resume_expired", message: `the Last-Event-ID is not in the outbox (kept ${retention}): refetch the state, then follow from here` },
          reset.id ?? undefined,
        ),
      );
    }
    hub.add(client, after).catch((error: unknown) => {
      options.logger.warn(`event stream: sending the history failed: ${messageOf(error)}`);
      client.end();
    });
    return new Response(body, {
      status: 200,
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
    });
  });

  return {
    path: "/",
    app,
    async close() {
      closed = true;
      await hub.close();
    },
  };
}

function definedOnly(options: Partial<StreamLimits>): Partial<StreamLimits> {
  return Object.fromEntries(Object.entries(options).filter(([k, v]) => k in STREAM_DEFAULTS && v !== undefined));
}
