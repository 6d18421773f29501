// A SEP-54 data lake (as Galexie writes it) in a folder or behind an http(s) URL:
//   <root>/.config.json                   networkPassphrase, compression ("zstd"), ledgersPerBatch, batchesPerPartition
//   <root>/<partition>/<batch>.xdr.zst    zstd-compressed XDR LedgerCloseMetaBatch
// Names carry 0xFFFFFFFF - start in hex, so the newest sort first: "%08X--%d-%d" for partitions and
// batches ("%08X--%d.xdr.zst" for one ledger per batch); a partition of one ledger has no folder.
// Downloads run `concurrency` at a time with retries on transient HTTP failures.

import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { xdr } from "@stellar/stellar-sdk";
import { FatalError, InterruptedError, messageOf } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { withRetry } from "../rpc/retry.ts";
import { CorruptLedgerError, decode, ledgerSummary, type EventExtractor } from "./extract.ts";
import { interrupted, readAhead, type LedgerChunk, type LedgerSource } from "./source.ts";
import { zstdDecompress } from "./zstd.ts";

export interface DatastoreLayout {
  ledgersPerBatch: number;
  batchesPerPartition: number;
}

export interface DatastoreOptions {
  /** Downloads in flight (default 8). */
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const hex = (n: number): string => (0xffffffff - n).toString(16).toUpperCase().padStart(8, "0");

/** The object holding ledger `seq`, relative to the root. */
export function objectKey(seq: number, layout: DatastoreLayout): string {
  const start = seq - (seq % layout.ledgersPerBatch);
  const name = layout.ledgersPerBatch === 1 ? `${hex(start)}--${start}` : `${hex(start)}--${start}-${start + layout.ledgersPerBatch - 1}`;
  const partitionSize = layout.ledgersPerBatch * layout.batchesPerPartition;
  if (partitionSize === 1) return `${name}.xdr.zst`;
  const p = seq - (seq % partitionSize);
  return `${hex(p)}--${p}-${p + partitionSize - 1}/${name}.xdr.zst`;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly transient: boolean,
  ) {
    super(`HTTP ${status}`);
  }
}

/** Reads objects from a folder or a URL; null when the object does not exist. */
type ObjectReader = (key: string) => Promise<Uint8Array | null>;

function folderReader(root: string): ObjectReader {
  return async (key) => {
    try {
      return await readFile(path.join(root, ...key.split("/")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  };
}

function httpReader(base: URL, options: DatastoreOptions): ObjectReader {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return (key) =>
    withRetry(
      async () => {
        const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
        let response: Response;
        try {
          response = await fetch(new URL(key, base), { signal: AbortSignal.any(signals) });
        } catch (error) {
          if (options.signal?.aborted) throw interrupted(options.signal);
          throw Object.assign(new Error(messageOf(error)), { transient: true });
        }
        if (response.status === 404) return null;
        if (!response.ok) {
          await response.body?.cancel();
          throw new HttpStatusError(response.status, response.status === 429 || response.status >= 500);
        }
        return new Uint8Array(await response.arrayBuffer());
      },
      { retries: 4, maxRetryTimeMs: 20_000, minBackoffMs: 200, maxBackoffMs: 4_000, signal: options.signal },
      (e): e is Error & { transient: boolean } => e instanceof Error && "transient" in e,
    );
}

export class DatastoreSource implements LedgerSource {
  readonly label: string;
  readonly networkPassphrase: string;
  readonly layout: DatastoreLayout;
  readonly #read: ObjectReader;
  readonly #concurrency: number;
  #cached: { key: string; metas: ReturnType<typeof xdr.LedgerCloseMetaBatch.schema.decode> } | undefined;

  private constructor(label: string, read: ObjectReader, config: { networkPassphrase: string } & DatastoreLayout, concurrency: number) {
    this.label = label;
    this.#read = read;
    this.networkPassphrase = config.networkPassphrase;
    this.layout = { ledgersPerBatch: config.ledgersPerBatch, batchesPerPartition: config.batchesPerPartition };
    this.#concurrency = concurrency;
  }

  /** Opens the lake at a folder or an http(s) URL (already validated) and reads its .config.json. */
  static async open(location: string, options: DatastoreOptions = {}): Promise<DatastoreSource> {
    const isUrl = /^https?:\/\//i.test(location);
    let read: ObjectReader;
    let label: string;
    if (isUrl) {
      const base = new URL(location.endsWith("/") ? location : `${location}/`);
      label = redactUrl(base.toString());
      read = httpReader(base, options);
    } else {
      label = path.resolve(location);
      const info = await stat(label).catch(() => null);
      if (!info?.isDirectory()) throw new FatalError(`the data lake at ${label} is not a folder`);
      read = folderReader(label);
    }
    label = `the data lake at ${label}`;
    const fail = (why: string) => new FatalError(`${label} ${why}`);
    let raw: Uint8Array | null;
    try {
      raw = await read(".config.json");
    } catch (error) {
      throw fail(`could not be read: .config.json: ${messageOf(error)}`);
    }
    if (!raw) throw fail("is not a SEP-54 data lake: it has no .config.json");
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(Buffer.from(raw).toString("utf8")) as Record<string, unknown>;
    } catch {
      throw fail("has a .config.json that is not JSON");
    }
    const positive = (name: string) => {
      const v = config[name];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw fail(`has a .config.json whose ${name} is not a positive integer`);
      return v;
    };
    if (typeof config["networkPassphrase"] !== "string" || config["networkPassphrase"] === "") throw fail("has a .config.json without networkPassphrase");
    if (config["compression"] !== "zstd") throw fail(`uses compression ${JSON.stringify(config["compression"])}: only zstd is supported`);
    return new DatastoreSource(
      label,
      read,
      { networkPassphrase: config["networkPassphrase"], ledgersPerBatch: positive("ledgersPerBatch"), batchesPerPartition: positive("batchesPerPartition") },
      options.concurrency ?? 8,
    );
  }

  async has(seq: number): Promise<boolean> {
    return (await this.#object(objectKey(seq, this.layout))) !== null;
  }

  async lastOf(seq: number): Promise<number> {
    const batch = await this.#batch(seq);
    return Math.min(batch.endSequence, seq - (seq % this.layout.ledgersPerBatch) + this.layout.ledgersPerBatch - 1);
  }

  async closeTime(seq: number): Promise<number> {
    const batch = await this.#batch(seq);
    const meta = batch.ledgerCloseMetas[seq - batch.startSequence];
    if (!meta) throw this.#corrupt(objectKey(seq, this.layout), `it holds ledgers ${batch.startSequence}..${batch.endSequence}, not ${seq}`);
    return ledgerSummary(meta).closeTime;
  }

  chunks(from: number, to: number, extractor: EventExtractor, signal?: AbortSignal): AsyncIterable<LedgerChunk> {
    const per = this.layout.ledgersPerBatch;
    const self = this;
    function* tasks() {
      for (let start = from - (from % per); start <= to; start += per) {
        const want: [number, number] = [Math.max(from, start), Math.min(to, start + per - 1)];
        yield () => self.#chunk(want, extractor);
      }
    }
    return readAhead(tasks(), this.#concurrency, signal);
  }

  async close(): Promise<void> {
    this.#cached = undefined;
  }

  async #chunk([from, to]: [number, number], extractor: EventExtractor): Promise<LedgerChunk> {
    const key = objectKey(from, this.layout);
    const bytes = await this.#decompressed(key, from);
    let found: ReturnType<EventExtractor["fromBatch"]>;
    try {
      found = extractor.fromBatch(bytes);
    } catch (error) {
      throw this.#corrupt(key, messageOf(error));
    }
    if (found.startSequence > from || found.endSequence < to) {
      throw found.endSequence < to && found.startSequence <= from
        ? new FatalError(`${this.label} does not serve ledgers ${found.endSequence + 1}..${to}: ${key} ends at ledger ${found.endSequence}`)
        : this.#corrupt(key, `it holds ledgers ${found.startSequence}..${found.endSequence}, not ${from}..${to}`);
    }
    return { from, to, events: found.events.filter((e) => e.ledger >= from && e.ledger <= to) };
  }

  async #batch(seq: number) {
    const key = objectKey(seq, this.layout);
    if (this.#cached?.key !== key) {
      const metas = decodeBatch(await this.#decompressed(key, seq), (why) => this.#corrupt(key, why));
      this.#cached = { key, metas };
    }
    return this.#cached.metas;
  }

  async #decompressed(key: string, seq: number): Promise<Uint8Array> {
    const compressed = await this.#object(key);
    if (!compressed) throw new FatalError(`${this.label} does not serve ledger ${seq}: ${key} is missing`);
    try {
      return await zstdDecompress(compressed);
    } catch (error) {
      throw this.#corrupt(key, `not valid zstd data (${messageOf(error)})`);
    }
  }

  async #object(key: string): Promise<Uint8Array | null> {
    try {
      return await this.#read(key);
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      throw new FatalError(`${this.label} failed to give ${key}: ${messageOf(error)}`);
    }
  }

  #corrupt(key: string, why: string): FatalError {
    return new FatalError(`${this.label} holds a corrupt file ${key}: ${why}`);
  }
}

function decodeBatch(bytes: Uint8Array, corrupt: (why: string) => Error) {
  try {
    return decode(xdr.LedgerCloseMetaBatch.schema, bytes, "LedgerCloseMetaBatch");
  } catch (error) {
    throw error instanceof CorruptLedgerError ? corrupt(error.message) : error;
  }
}
